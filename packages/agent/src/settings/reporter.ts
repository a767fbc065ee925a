import { errorMessage, type Logger } from '../lib/log.js';
import type { SettingsReportMessage } from '@openums/protocol';
import { readQueue, removeQueued, reportMessages } from './queue.js';

export interface SettingsReporterOptions {
  stateDir: string;
  log: Logger;
  /** Resolves true once the message was written to an open channel. */
  send: (msg: SettingsReportMessage) => Promise<boolean>;
  online: () => boolean;
  /** How often the queue is looked at (default 2 s: a local change reaches the server within seconds). */
  pollMs?: number;
}

/**
 * The `run` daemon's side of local changes: whenever the channel is up — at once after each
 * (re)connect, and every few seconds — sends the queued changes as `settings-report` messages
 * and deletes the queue files it sent. A send that fails leaves them for the next round; the
 * server treats a report of the same values twice as no change.
 */
export class SettingsReporter {
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<boolean> | null = null;

  constructor(private readonly opts: SettingsReporterOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.opts.pollMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Sends what is queued; true when the queue was empty or all of it was sent. */
  flush(): Promise<boolean> {
    this.flushing ??= this.send().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async send(): Promise<boolean> {
    const { opts } = this;
    let queued;
    try {
      queued = readQueue(opts.stateDir, opts.log);
    } catch (err) {
      opts.log.warn(`cannot read the settings queue: ${errorMessage(err)}`);
      return false;
    }
    if (queued.files.length === 0) return true;
    if (!opts.online()) return false;
    const keys = Object.keys(queued.changes);
    for (const msg of reportMessages(queued.changes)) {
      if (!(await opts.send(msg))) {
        opts.log.debug('settings report not sent (channel down); will retry');
        return false;
      }
    }
    removeQueued(opts.stateDir, queued.files);
    // Keys only: values may be secrets.
    opts.log.info(
      `reported ${keys.length} local setting change(s) to the server: ${keys.slice(0, 20).join(' ')}${keys.length > 20 ? ' …' : ''}`,
    );
    return true;
  }
}
