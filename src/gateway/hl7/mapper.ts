// The one entry point of HL7 v2 mapping: raw message text in, validated ClinicalEvents out, or an
// Hl7MappingError that says where and why (never what) for the ACK.
import type { ClinicalEvent } from '../../event/envelope.ts';
import type { MapContext } from './context.ts';
import { resolveTimeZone } from './datetime.ts';
import { Hl7MappingError } from './errors.ts';
import { publicHeader, readHeader, type Hl7Header } from './header.ts';
import { mapAdt } from './map-adt.ts';
import { mapOrder } from './map-order.ts';
import { mapOru } from './map-oru.ts';
import { mapRde } from './map-rde.ts';
import { parseMessage } from './message.ts';
import type { Hl7MapperOptions } from './options.ts';
import type { MessageScope } from './scope.ts';

export { Hl7MappingError, HL7_ERROR, type Hl7Issue, type Hl7ErrorCode, type Hl7AckErrorCode } from './errors.ts';
export type { Hl7Header } from './header.ts';
export type { Hl7MapperOptions } from './options.ts';

export interface MappedMessage {
  /** In message order; event ids are stable across retransmissions of the same message. */
  events: ClinicalEvent[];
  header: Hl7Header;
}

const MAPPERS: Record<string, (scope: MessageScope) => void> = {
  ADT: mapAdt,
  ORU: mapOru,
  ORM: mapOrder,
  OML: mapOrder,
  RDE: mapRde,
};

/**
 * Maps one HL7 v2 message (v2.3 to v2.5.1; segments separated by CR, LF or CRLF) to clinical events.
 * Throws Hl7MappingError when the message is refused (AR: unsupported type, event or version) or in
 * error (AE: missing or malformed data), with every issue found; RangeError for a bad timeZone
 * option. Errors thrown by the key callbacks pass through unchanged.
 */
export function mapHl7Message(text: string, options: Hl7MapperOptions): MappedMessage {
  const zone = resolveTimeZone(options.timeZone ?? 'UTC');
  const { delimiters, msh, segments } = parseMessage(text);
  const ctx: MapContext = { delimiters, zone, localSystem: '', issues: [] };

  const header = readHeader(ctx, msh, segments.find((s) => s.name === 'EVN'));
  if (ctx.issues.length > 0) throw new Hl7MappingError(ctx.issues, publicHeader(header));
  // Local codes are only meaningful at their source: the system names the sending facility.
  ctx.localSystem = `urn:vigil:local:${encodeURIComponent(header.sendingFacility || header.sendingApplication || 'unknown')}`;

  const scope: MessageScope = { ctx, header, segments, options, events: [] };
  MAPPERS[header.messageCode]?.(scope);
  if (ctx.issues.length > 0) throw new Hl7MappingError(ctx.issues, publicHeader(header));
  return { events: scope.events, header: publicHeader(header) };
}
