import { COMM_LOG_MAX_ENTRIES, type CommLogDirection } from '@openums/protocol';
import { BatchWriter } from '../../lib/batch-writer.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import { payloadText } from './comm-log-mask.js';
import type { CommLogInsert } from './device-comm-log.tables.js';

/**
 * What the gateway calls for every message in and out of a device's channel. `on` holds the
 * devices whose log is switched on (the value: payloads kept); a message of any other device
 * costs the gateway this one lookup and nothing else.
 */
export interface CommunicationTap {
  readonly on: ReadonlyMap<number, boolean>;
  record(deviceId: number, direction: CommLogDirection, type: string, size: number, msg: unknown): void;
}

export interface CommLogWriter {
  /** Inserts the entries, then cuts each device of `prune` down to its newest `keep` entries; one transaction. */
  writeEntries(rows: CommLogInsert[], prune: readonly number[], keep: number): Promise<void>;
}

export interface RecorderOptions {
  flushMs?: number;
  /** Entries kept per device. */
  maxEntries?: number;
  /** A device is cut down to maxEntries after this many new entries (and at its first batch in this process). */
  pruneEvery?: number;
  /** Entries waiting for the database at most (it is down or slow): more are dropped and counted. */
  maxPending?: number;
}

const TYPE_MAX = 40;

/**
 * The hot path of the device communication log: masks and cuts the payload, and queues the entry
 * for the batch writer — no database round trip per message. The switches are loaded and kept
 * current by the service (this process's changes at once, other processes' through the bus).
 */
export class CommLogRecorder implements CommunicationTap {
  readonly on = new Map<number, boolean>();
  private readonly writer: BatchWriter<number, CommLogInsert>;
  private seq = 0;
  private readonly sincePrune = new Map<number, number>();
  private readonly maxEntries: number;
  private readonly pruneEvery: number;
  private readonly maxPending: number;
  /** Entries dropped because too many were waiting (logged once per burst). */
  dropped = 0;

  constructor(
    private readonly repo: CommLogWriter,
    private readonly clock: Clock,
    private readonly log: Logger | null,
    opts: RecorderOptions = {},
  ) {
    this.maxEntries = opts.maxEntries ?? COMM_LOG_MAX_ENTRIES;
    this.pruneEvery = Math.max(1, opts.pruneEvery ?? Math.min(500, Math.ceil(this.maxEntries / 20)));
    this.maxPending = opts.maxPending ?? 50_000;
    // Every entry has a key of its own: the writer's "latest patch per key" never merges two.
    this.writer = new BatchWriter('device-comm-log', (batch) => this.write(batch), opts.flushMs ?? 1000, log, 1000);
  }

  record(deviceId: number, direction: CommLogDirection, type: string, size: number, msg: unknown): void {
    const payload = this.on.get(deviceId);
    if (payload === undefined) return;
    if (this.writer.size >= this.maxPending) {
      if (this.dropped++ === 0) this.log?.warn({ pending: this.writer.size }, 'device communication log: database behind, entries dropped');
      return;
    }
    if (this.dropped) {
      this.log?.warn({ dropped: this.dropped }, 'device communication log: entries were dropped');
      this.dropped = 0;
    }
    const p = payload ? payloadText(msg) : null;
    this.writer.update(++this.seq, {
      device_id: deviceId,
      at: this.clock.now(),
      direction,
      type: type.slice(0, TYPE_MAX),
      size,
      payload: p?.text ?? null,
      truncated: p?.truncated ? 1 : 0,
    });
  }

  /** Switches a device's log on (payloads kept or not) or off (undefined) in this process. */
  apply(deviceId: number, payload: boolean | undefined): void {
    if (payload === undefined) {
      this.on.delete(deviceId);
      this.sincePrune.delete(deviceId);
    } else this.on.set(deviceId, payload);
  }

  /** Replaces every switch with what the database holds. */
  replaceAll(switches: ReadonlyArray<{ deviceId: number; payload: boolean }>): void {
    const next = new Map(switches.map((s) => [s.deviceId, s.payload]));
    for (const id of this.on.keys()) if (!next.has(id)) this.apply(id, undefined);
    for (const [id, payload] of next) this.on.set(id, payload);
  }

  start(): void {
    this.writer.start();
  }

  /** Writes what is waiting (before a clear, and in tests). */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  stop(): Promise<void> {
    return this.writer.stop();
  }

  private async write(batch: Array<[number, CommLogInsert]>): Promise<void> {
    const rows = batch.map(([, r]) => r);
    const counts = new Map<number, number>();
    for (const r of rows) counts.set(r.device_id, (counts.get(r.device_id) ?? 0) + 1);
    // A device seen for the first time here is cut at once (entries of an earlier run may be there).
    const prune = [...counts].filter(([id, n]) => (this.sincePrune.get(id) ?? this.pruneEvery) + n >= this.pruneEvery).map(([id]) => id);
    await this.repo.writeEntries(rows, prune, this.maxEntries);
    const pruned = new Set(prune);
    for (const [id, n] of counts) this.sincePrune.set(id, pruned.has(id) ? 0 : (this.sincePrune.get(id) ?? 0) + n);
  }
}
