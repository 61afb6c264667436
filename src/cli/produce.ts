// ./vigil produce: sends events from a JSON file (one object or an array) or NDJSON, file or stdin.
// Everything is validated first; if any event is invalid nothing is sent.
import { readFile } from 'node:fs/promises';
import { EventValidationError, type ClinicalEvent, validateEvent } from '../event/envelope.ts';
import type { EventProducer } from '../kafka/event-producer.ts';
import { routeEvent } from '../topology/route.ts';
import type { Topology } from '../topology/topology.ts';

const BATCH = 500;

export interface ParsedInput {
  events: ClinicalEvent[];
  /** "line 3: event_timestamp must be ..." (NDJSON) or "item 3: ..." (JSON array). */
  errors: string[];
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseEvents(text: string, topology: Topology): ParsedInput {
  let items: { where: string; value: unknown }[];
  const trimmed = text.trim();
  let whole: unknown;
  try {
    whole = trimmed === '' ? [] : JSON.parse(trimmed);
  } catch {
    whole = undefined;
  }
  const errors: string[] = [];
  if (Array.isArray(whole)) {
    items = whole.map((value, i) => ({ where: `item ${i + 1}`, value }));
  } else if (whole !== undefined) {
    items = [{ where: 'item 1', value: whole }];
  } else {
    items = [];
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        items.push({ where: `line ${i + 1}`, value: JSON.parse(line) });
      } catch {
        errors.push(`line ${i + 1}: must be a JSON object (NDJSON: one event per line)`);
      }
    });
  }
  const events: ClinicalEvent[] = [];
  for (const { where, value } of items) {
    try {
      const event = validateEvent(value);
      routeEvent(topology, event);
      events.push(event);
    } catch (err) {
      if (!(err instanceof EventValidationError)) throw err;
      for (const e of err.errors) errors.push(`${where}: ${e.field} ${e.rule}`);
    }
  }
  return { events, errors };
}

export async function readInput(file: string | undefined): Promise<string> {
  if (file === undefined || file === '-') return readStdin();
  return readFile(file, 'utf8');
}

export async function sendInBatches(
  producer: EventProducer,
  events: ClinicalEvent[],
  progress: (sent: number, total: number) => void,
): Promise<number> {
  let records = 0;
  const receivedTime = new Date().toISOString();
  for (let i = 0; i < events.length; i += BATCH) {
    records += await producer.send(events.slice(i, i + BATCH), { source: 'urn:vigil:cli:produce', receivedTime });
    progress(Math.min(i + BATCH, events.length), events.length);
  }
  return records;
}
