/** What the liveness wheel needs of a channel (DeviceConnection implements it). */
export interface LiveChannel {
  /** When the last frame (any message or pong) arrived from the device. */
  lastRx: number;
  /** When the unanswered ping was sent, or null. */
  pingSentAt: number | null;
  /** Frames (messages, pongs, pings) received so far: what tells an answer from a frame read before the send. */
  received: number;
  /** When a message the device answers was sent with nothing heard since (its answer deadline), or null. */
  answerDueSince: number | null;
  /** `received` when that message was sent: any frame counted after it is the answer. */
  receivedAtSend: number;
  /** The wheel bucket the channel sits in, or -1. */
  wheelSlot: number;
  /** Sends a ping; false when the socket is no longer open. */
  ping(now: number): boolean;
}

/** Wheel resolution: a channel is looked at no later than 2 × TICK_MS after it is due. */
export const TICK_MS = 500;
const BUCKETS = 256;

/**
 * Decides, with one timer for all channels, when a channel is pinged and when it is given up.
 * Any frame from the device is life. A channel silent for `idleMs` gets a ping; one that sends
 * nothing within `pongTimeoutMs` of the ping is dead. Each channel sits in the bucket of the tick
 * it must next be looked at; an arriving frame only stamps `lastRx` and moves nothing, so a
 * device that talks (heartbeats) costs one look per idle period, and the pings go out bunched.
 */
export class LivenessWheel<C extends LiveChannel> {
  private readonly buckets = Array.from({ length: BUCKETS }, () => new Set<C>());
  private tick: number;
  private lastRun: number;

  constructor(
    private readonly idleMs: number,
    private readonly pongTimeoutMs: number,
    now: number,
  ) {
    this.tick = Math.floor(now / TICK_MS);
    this.lastRun = now;
  }

  add(conn: C, now: number): void {
    conn.lastRx = now;
    this.schedule(conn, now + this.idleMs);
  }

  /**
   * Something that expects an answer was just sent (a command, settings): the device must be
   * heard from (its ack or settings-applied, any frame) within the pong timeout, or it is pinged
   * then and has one more pong timeout. A host that vanished while we were sending to it leaves
   * that data unacknowledged, which stops kernel keepalive probing; without this only the next
   * idle ping would notice, up to idle + timeout later. No ping goes out with the message: the
   * answer is the proof of life (a ping per delivery was a third of a settings roll-out's cost).
   */
  expectAnswer(conn: C, now: number): void {
    if (conn.pingSentAt !== null && conn.lastRx < conn.pingSentAt) return; // a ping's deadline runs
    if (conn.answerDueSince !== null && conn.received === conn.receivedAtSend) return; // an earlier send's runs
    // A count, not a time: an answer read in the very millisecond of the send (a fast device on a
    // fast network) is the answer, and a frame read just before the send in that millisecond is not.
    conn.answerDueSince = now;
    conn.receivedAtSend = conn.received;
    this.schedule(conn, now + this.pongTimeoutMs);
  }

  remove(conn: C): void {
    if (conn.wheelSlot >= 0) this.buckets[conn.wheelSlot]!.delete(conn);
    conn.wheelSlot = -1;
  }

  /**
   * Looks at every channel that is due; returns those whose ping went unanswered. After a stall
   * of the event loop (`now` far behind schedule) answers may be waiting unread in socket buffers,
   * so deadlines restart instead.
   */
  run(now: number): C[] {
    const stalled = now - this.lastRun > 3 * TICK_MS;
    this.lastRun = now;
    const target = Math.floor(now / TICK_MS);
    const dead: C[] = [];
    for (let t = Math.max(this.tick + 1, target - BUCKETS + 1); t <= target; t++) {
      this.tick = t;
      const bucket = this.buckets[t % BUCKETS]!;
      if (bucket.size === 0) continue;
      const due = [...bucket];
      bucket.clear();
      for (const conn of due) {
        conn.wheelSlot = -1;
        this.look(conn, now, stalled, dead);
      }
    }
    this.tick = Math.max(this.tick, target);
    return dead;
  }

  private look(conn: C, now: number, stalled: boolean, dead: C[]): void {
    if (conn.pingSentAt !== null && conn.lastRx < conn.pingSentAt) {
      if (now - conn.pingSentAt < this.pongTimeoutMs) return this.schedule(conn, conn.pingSentAt + this.pongTimeoutMs);
      if (!stalled) return void dead.push(conn);
      conn.pingSentAt = now;
      return this.schedule(conn, now + this.pongTimeoutMs);
    }
    conn.pingSentAt = null;
    const asked = conn.answerDueSince;
    if (asked !== null) {
      if (conn.received === conn.receivedAtSend) {
        if (now - asked < this.pongTimeoutMs) return this.schedule(conn, asked + this.pongTimeoutMs);
        // No answer in time: a ping decides (an agent busy applying settings still answers it).
        conn.answerDueSince = null;
        if (conn.ping(now)) this.schedule(conn, now + this.pongTimeoutMs);
        return;
      }
      conn.answerDueSince = null;
    }
    const due = conn.lastRx + this.idleMs;
    if (now < due) return this.schedule(conn, due);
    if (conn.ping(now)) this.schedule(conn, now + this.pongTimeoutMs);
  }

  private schedule(conn: C, at: number): void {
    // The first tick whose start is at or after `at`; a far deadline is looked at early and rescheduled.
    const t = Math.min(Math.max(Math.ceil(at / TICK_MS), this.tick + 1), this.tick + BUCKETS - 1);
    const slot = t % BUCKETS;
    if (conn.wheelSlot === slot) return;
    this.remove(conn);
    this.buckets[slot]!.add(conn);
    conn.wheelSlot = slot;
  }
}
