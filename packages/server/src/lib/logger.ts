import pino, { type Logger, type LevelWithSilent } from 'pino';

/** Paths whose values never reach a log line. */
export const REDACT = [
  'password',
  '*.password',
  'adminPassword',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

export function createLogger(level: LevelWithSilent): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' } });
}
export type { Logger };
