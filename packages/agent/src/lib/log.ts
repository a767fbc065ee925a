export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  child(prefix: string): Logger;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Plain text lines on stderr: the agent runs under systemd, whose journal adds timestamps too. */
export function createLogger(opts: { level?: LogLevel; write?: (line: string) => void; prefix?: string } = {}): Logger {
  const min = ORDER[opts.level ?? 'info'];
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const prefix = opts.prefix ? `${opts.prefix} ` : '';
  const at = (level: LogLevel) => (msg: string) => {
    if (ORDER[level] >= min) write(`${new Date().toISOString()} ${level.toUpperCase()} ${prefix}${msg}\n`);
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
