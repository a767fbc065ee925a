import { Outbox, parsePayload, type BusMessage, type ClusterBus } from './bus.js';

/** The envelope a worker sends to the supervisor, which relays it to every other worker. */
export interface IpcEnvelope {
  openumsBus: string;
}

export function isIpcEnvelope(m: unknown): m is IpcEnvelope {
  return typeof m === 'object' && m !== null && typeof (m as IpcEnvelope).openumsBus === 'string';
}

/**
 * Workers of one host (any database): messages travel over Node's cluster IPC channel through the
 * supervisor (cluster/supervisor.ts relays each to every other worker).
 */
export class IpcBus implements ClusterBus {
  readonly transport = 'ipc' as const;
  private readonly handlers = new Set<(msg: BusMessage) => void>();
  private readonly outbox = new Outbox((payloads) => {
    for (const p of payloads) process.send?.({ openumsBus: p } satisfies IpcEnvelope);
  }, 256 * 1024);
  private readonly onMessage = (m: unknown) => {
    if (!isIpcEnvelope(m)) return;
    const msgs = parsePayload(m.openumsBus);
    if (msgs) for (const msg of msgs) for (const h of this.handlers) h(msg);
  };

  publish(msg: BusMessage): void {
    this.outbox.add(msg);
  }
  subscribe(handler: (msg: BusMessage) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }
  async start(): Promise<void> {
    process.on('message', this.onMessage);
  }
  async stop(): Promise<void> {
    this.outbox.stop();
    process.off('message', this.onMessage);
  }
  healthy(): boolean {
    return process.connected === true;
  }
}
