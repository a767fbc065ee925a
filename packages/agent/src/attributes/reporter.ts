import type { AttributesMessage, AttributesReportMessage } from '@openums/protocol';
import { errorMessage, type Logger } from '../lib/log.js';
import { changeAttributes, loadAttributes, receiveAttributes, syncReport } from './store.js';

export interface AttributesReporterOptions {
  stateDir: string;
  log: Logger;
  send: (msg: AttributesReportMessage) => Promise<boolean>;
  online: () => boolean;
  pollMs?: number;
}

/**
 * The `run` daemon's side of device attributes: keeps what the server sends, and sends the
 * attributes once `attrs sync` asked for it (looked at every few seconds and after each connect).
 */
export class AttributesReporter {
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(private readonly opts: AttributesReporterOptions) {}

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.opts.pollMs ?? 2000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  receive(msg: AttributesMessage): void {
    changeAttributes(this.opts.stateDir, (s) => receiveAttributes(s, msg))
      .then(() => this.opts.log.info(`received ${msg.definitions.length} device attribute definition(s) from the server`))
      .catch((err) => this.opts.log.warn(`cannot store the device attributes: ${errorMessage(err)}`));
  }

  flush(): Promise<void> {
    this.flushing ??= this.send()
      .catch((err) => this.opts.log.warn(`device attributes not reported: ${errorMessage(err)}`))
      .finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async send(): Promise<void> {
    const { opts } = this;
    // A cheap look without the lock first: nearly always there is nothing to send.
    if (!syncReport(loadAttributes(opts.stateDir)) || !opts.online()) return;
    const msg = await changeAttributes(opts.stateDir, (s) => syncReport(s));
    if (!msg || !(await opts.send(msg))) return;
    await changeAttributes(opts.stateDir, (s) => {
      // Only what was sent: a change made meanwhile stays for the next sync.
      for (const [k, v] of Object.entries(s.changed)) if ((msg.values[k] ?? null) === v) delete s.changed[k];
      if (Object.keys(s.changed).length === 0) s.sync = false;
    });
    opts.log.info(`reported ${Object.keys(msg.values).length} device attribute(s) to the server`);
  }
}
