import pino, { type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** Paths whose values never reach a log line. */
export const REDACT = [
  'password',
  '*.password',
  'bindPassword',
  '*.bindPassword',
  'adminPassword',
  'token',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];

export interface LoggerOptions {
  /** Readable lines instead of JSON; by default when stdout is an interactive terminal. */
  pretty?: boolean;
  /** Where lines go (tests); by default stdout, written synchronously. */
  destination?: DestinationStream;
}

/**
 * JSON lines for log collectors; readable, coloured lines on a terminal. Both go through the
 * same pino instance, so redaction applies before either format is produced. Pretty-printing
 * runs in this thread on each line (not in a worker transport), so nothing logged just before
 * an exit is lost.
 */
export function createLogger(level: LevelWithSilent, opts: LoggerOptions = {}): Logger {
  const pretty = opts.pretty ?? process.stdout.isTTY === true;
  const out = opts.destination ?? pino.destination({ dest: 1, sync: true });
  const options = { level, redact: { paths: REDACT, censor: '[redacted]' } };
  if (!pretty) return pino(options, out);
  const format = prettyFactory({ colorize: opts.destination === undefined, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' });
  return pino(options, { write: (line: string) => void out.write(format(line)) });
}
export type { Logger };
