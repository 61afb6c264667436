// The one logger. Log ids, types, offsets and timings; never payloads, names, MRNs or free text.
// Redaction is the safety net for a mistake, not a licence to pass events in.
import pino, { type Logger } from 'pino';

const REDACT = [
  'payload',
  '*.payload',
  'value',
  '*.value',
  'body',
  '*.body',
  'event',
  '*.event',
  'events',
  '*.events',
];

const root: Logger = pino(
  {
    level: process.env.VIGIL_LOG_LEVEL ?? 'info',
    base: { service: 'vigil' },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  },
  pino.destination({ fd: 2, sync: true }),
);

export function logger(component: string): Logger {
  return root.child({ component });
}
