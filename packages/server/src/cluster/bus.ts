import type { AccessObjectType, LiveEvent } from '@openums/protocol';

/**
 * Wake-ups between the server processes of one installation. Messages name what changed by id;
 * the state itself is in the database, and the receiving process reads it. A message is sent
 * after the change is committed. A lost message only delays: every process also runs a periodic
 * catch-up query (cluster/catch-up.ts) that finds what a wake-up would have told it.
 */
export type BusMessage =
  /** Commands were created, cancelled or changed for these devices: deliver their open commands. */
  | { t: 'commands'; deviceIds: number[] }
  /** These devices (or all) were marked for a new configuration revision. */
  | { t: 'configuration'; deviceIds: number[] | 'all' }
  /** The installation's web certificate has a new generation: re-read it from the database. */
  | { t: 'web-cert'; generation: number }
  /** These devices said hello on the sender: a channel of theirs held elsewhere is stale. */
  | { t: 'connected'; deviceIds: number[] }
  /** Too many devices changed to name them: run the catch-up query now. */
  | { t: 'catch-up' }
  /** `device.changed` live events, merged (the bulk of events). */
  | { t: 'changed'; deviceIds: number[] }
  /** Any other live event for the browsers' event streams (ids and states only, no device data). */
  | { t: 'event'; event: LiveEvent }
  /** Sessions ended (logout, revocation): forget them at once, not after a cache period. */
  | { t: 'sessions'; ids: number[] }
  /** These administrators changed (disabled, rights, groups, tokens): re-read them on their next request. */
  | { t: 'admins'; ids: number[] }
  /** The access lists of these objects were replaced: drop anything cached from them (nothing is cached yet). */
  | { t: 'access'; objectType: AccessObjectType; ids: number[] }
  /** The installation's TLS session-ticket keys were rotated: reload them. */
  | { t: 'ticket-keys' }
  /** The cluster settings were saved: re-read them and send the device enrollment address to the devices held here. */
  | { t: 'cluster-settings' }
  /** An administrator changed these devices' attribute values: send them their attributes if held here. */
  | { t: 'attributes'; deviceIds: number[] }
  /** Device attribute definitions changed: re-read them and send them to the devices held here. */
  | { t: 'attribute-definitions' }
  /** These devices' communication log switches changed: re-read them. */
  | { t: 'comm-log'; deviceIds: number[] };

export type BusTransportName = 'local' | 'ipc' | 'postgres';

export interface ClusterBus {
  readonly transport: BusTransportName;
  /** Sends to every other process of the installation (never back to this one). */
  publish(msg: BusMessage): void;
  /** Receives the messages other processes publish. */
  subscribe(handler: (msg: BusMessage) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** False while the transport is disconnected (e.g. PostgreSQL down); the catch-up covers the gap. */
  healthy(): boolean;
}

/** One process: nobody else to tell. */
export class LocalBus implements ClusterBus {
  readonly transport = 'local' as const;
  publish(): void {}
  subscribe(): () => void {
    return () => undefined;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  healthy(): boolean {
    return true;
  }
}

/**
 * What a reconnect storm publishes for every device — "connected here" and live events for the
 * browsers — waits up to a quarter of a second, so each process sends a few notifications a
 * second instead of one per 10 ms (with PostgreSQL each is a commit that wakes every listening
 * process; seen: 111 a second in a 20,000-device storm). The rest (commands, configuration,
 * sessions…) goes out after 10 ms and takes anything waiting with it.
 */
const BULK: ReadonlySet<BusMessage['t']> = new Set(['connected', 'changed', 'event']);
const BULK_DELAY_MS = 250;

type IdListType = 'commands' | 'connected' | 'changed' | 'attributes' | 'comm-log';

/**
 * Collects messages for a moment and merges id lists of the same kind, so a reconnect storm or a
 * command to 100,000 devices becomes a few notifications instead of one per device; splits what
 * it sends into payloads of at most `maxBytes`. Shared by the transports.
 */
export class Outbox {
  private ids = new Map<IdListType | 'configuration' | 'sessions' | 'admins', Set<number>>();
  private allConfiguration = false;
  private catchUp = false;
  private others: BusMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires (ms since epoch). */
  private dueAt = 0;

  constructor(
    private readonly send: (payloads: string[]) => void,
    private readonly maxBytes: number,
    private readonly delayMs = 10,
    private readonly bulkDelayMs = BULK_DELAY_MS,
  ) {}

  add(msg: BusMessage): void {
    if (msg.t === 'web-cert') this.others.push(msg);
    else if (msg.t === 'event' || msg.t === 'ticket-keys' || msg.t === 'cluster-settings' || msg.t === 'access') this.others.push(msg);
    else if (msg.t === 'attribute-definitions') this.others.push(msg);
    else if (msg.t === 'catch-up') this.catchUp = true;
    else if (msg.t === 'configuration' && msg.deviceIds === 'all') this.allConfiguration = true;
    else {
      const key = msg.t;
      const list = msg.t === 'sessions' || msg.t === 'admins' ? msg.ids : (msg.deviceIds as number[]);
      let set = this.ids.get(key);
      if (!set) this.ids.set(key, (set = new Set()));
      for (const id of list) set.add(id);
    }
    this.arm(BULK.has(msg.t) ? this.bulkDelayMs : this.delayMs);
  }

  /** Sends within `delay`: an urgent message brings a bulk message's later send forward. */
  private arm(delay: number): void {
    const due = Date.now() + delay;
    if (this.timer && this.dueAt <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = due;
    this.timer = setTimeout(() => this.flush(), delay);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const msgs: BusMessage[] = [];
    if (this.allConfiguration) msgs.push({ t: 'configuration', deviceIds: 'all' });
    if (this.catchUp) msgs.push({ t: 'catch-up' });
    // Each id takes at most 16 bytes in JSON; leave room for the envelope.
    const perChunk = Math.max(1, Math.floor((this.maxBytes - 200) / 16));
    for (const [t, set] of this.ids) {
      if (t === 'configuration' && this.allConfiguration) continue;
      const all = [...set];
      for (let i = 0; i < all.length; i += perChunk) {
        const chunk = all.slice(i, i + perChunk);
        msgs.push(t === 'sessions' || t === 'admins' ? { t, ids: chunk } : ({ t, deviceIds: chunk } as BusMessage));
      }
    }
    msgs.push(...this.others);
    this.ids = new Map();
    this.allConfiguration = false;
    this.catchUp = false;
    this.others = [];
    // Pack several small messages into one payload (a JSON array).
    const payloads: string[] = [];
    let batch: string[] = [];
    let size = 2;
    for (const m of msgs) {
      const s = JSON.stringify(m);
      if (s.length + 2 > this.maxBytes) continue; // an event too large to relay; the catch-up covers it
      if (size + s.length + 1 > this.maxBytes && batch.length) {
        payloads.push(`[${batch.join(',')}]`);
        batch = [];
        size = 2;
      }
      batch.push(s);
      size += s.length + 1;
    }
    if (batch.length) payloads.push(`[${batch.join(',')}]`);
    if (payloads.length) this.send(payloads);
  }

  stop(): void {
    this.flush();
  }
}

/** Parses a payload of another process; null when it is not one of ours. */
export function parsePayload(text: string): BusMessage[] | null {
  try {
    const v = JSON.parse(text) as unknown;
    if (!Array.isArray(v)) return null;
    return v.filter((m): m is BusMessage => typeof m === 'object' && m !== null && typeof (m as { t?: unknown }).t === 'string');
  } catch {
    return null;
  }
}
