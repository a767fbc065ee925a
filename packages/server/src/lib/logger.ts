import { join } from 'node:path';
import pino, { type DestinationStream, type Logger, type Level, type LevelWithSilent, type StreamEntry } from 'pino';
import { prettyFactory } from 'pino-pretty';

/** Paths whose values never reach a log line. */
export const REDACT = [
  'password',
  '*.password',
  'oldPassword',
  '*.oldPassword',
  'newPassword',
  '*.newPassword',
  'bindPassword',
  '*.bindPassword',
  'adminPassword',
  'token',
  '*.token',
  'csrfToken',
  '*.csrfToken',
  // Enrollment keys as the API returns them.
  'secret',
  '*.secret',
  'privateKey',
  '*.privateKey',
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
  /**
   * Tests only (`logCaptureDir`): every line down to debug, whatever `level` says, is also
   * appended as JSON to `<dir>/server-<pid>.log`, where the test suite searches it for the
   * secrets it used (docs/testing.md).
   */
  captureDir?: string | null;
}

/**
 * The last lines this process logged (as written, after redaction), for "save support
 * information". Bounded: at most `max` lines of at most 8 KiB each.
 */
export class RecentLines {
  private readonly lines: string[] = [];
  constructor(private readonly max = 2000) {}
  push(line: string): void {
    this.lines.push(line.length > 8192 ? `${line.slice(0, 8192)}…\n` : line);
    if (this.lines.length > this.max) this.lines.splice(0, this.lines.length - this.max);
  }
  text(): string {
    return this.lines.join('');
  }
}
export const recentLogLines = new RecentLines();

/** One file per process and directory, shared by every logger the process creates. */
const captureFiles = new Map<string, DestinationStream>();

function captureFile(dir: string): DestinationStream {
  let dest = captureFiles.get(dir);
  if (!dest) {
    // Synchronous: a test may SIGKILL the process at any moment.
    dest = pino.destination({ dest: join(dir, `server-${process.pid}.log`), sync: true, append: true, mkdir: true });
    captureFiles.set(dir, dest);
  }
  return dest;
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
  const format = pretty
    ? prettyFactory({ colorize: opts.destination === undefined, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
    : null;
  const printed: DestinationStream = format ? { write: (line: string) => void out.write(format(line)) } : out;
  // Every line (already redacted) also goes to the in-memory ring the support archive includes.
  const main: DestinationStream = {
    write: (line: string) => {
      recentLogLines.push(line);
      printed.write(line);
    },
  };
  if (!opts.captureDir) return pino(options, main);

  const captureLevel: Level = level === 'trace' ? 'trace' : 'debug';
  const streams: StreamEntry[] = [{ level: captureLevel, stream: captureFile(opts.captureDir) }];
  if (level !== 'silent') streams.push({ level, stream: main });
  return pino({ ...options, level: captureLevel }, pino.multistream(streams));
}
export type { Logger };
