import { mkdirSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(prefix: string): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

let capture: { dir: string; fd: number } | null = null;

/**
 * Tests only (OPENUMS_LOG_CAPTURE_DIR): every line of every logger in this process, debug
 * included, is also appended to `<dir>/agent-<pid>.log`, where the test suite searches it for
 * the secrets it used (docs/testing.md).
 */
export function captureLogsTo(dir: string | undefined): void {
  if (!dir || capture?.dir === dir) return;
  mkdirSync(dir, { recursive: true });
  capture = { dir, fd: openSync(join(dir, `agent-${process.pid}.log`), 'a') };
}

/** Error output written without a logger (the command line's last words) goes to the capture too. */
export function writeStderr(text: string): void {
  if (capture) writeSync(capture.fd, text);
  process.stderr.write(text);
}

/** Plain text lines on stderr: the agent runs under systemd, whose journal adds timestamps too. */
export function createLogger(opts: { level?: LogLevel; write?: (line: string) => void; prefix?: string } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const prefix = opts.prefix ? `${opts.prefix} ` : '';
  const at = (level: LogLevel) => (msg: string) => {
    const shown = ORDER[level] >= min;
    if (!shown && !capture) return;
    const line = `${new Date().toISOString()} ${level.toUpperCase()} ${prefix}${msg}\n`;
    // Synchronous: a test may kill the agent at any moment.
    if (capture) writeSync(capture.fd, line);
    if (shown) write(line);
  };
  return {
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: (p) => createLogger({ ...opts, prefix: `${prefix}${p}` }),
  };
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

export function errorMessage(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
