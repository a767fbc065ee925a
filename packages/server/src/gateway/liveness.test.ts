import { describe, expect, it } from 'vitest';
import { LivenessWheel, TICK_MS, type LiveChannel } from './liveness.js';

const IDLE = 40_000;
const TIMEOUT = 10_000;

function channel(): LiveChannel & { pings: number[] } {
  const c = {
    lastRx: 0,
    received: 0,
    pingSentAt: null as number | null,
    answerDueSince: null as number | null,
    receivedAtSend: 0,
    wheelSlot: -1,
    pings: [] as number[],
    ping(now: number) {
      c.pings.push(now);
      c.pingSentAt = now;
      return true;
    },
  };
  return c;
}

/** A frame from the device arrives (what the gateway does: DeviceConnection.heard). */
function hear(c: LiveChannel, now: number): void {
  c.lastRx = now;
  c.received++;
}

/** Runs the wheel every tick from `from` to `to`; returns when each channel was found dead. */
function runUntil(w: LivenessWheel<LiveChannel>, from: number, to: number, each?: (now: number) => void) {
  const dead: Array<[LiveChannel, number]> = [];
  for (let now = from; now <= to; now += TICK_MS) {
    each?.(now);
    for (const c of w.run(now)) dead.push([c, now]);
  }
  return dead;
}

describe('liveness wheel', () => {
  const start = 1_000_000_123;

  it('pings a silent channel after the idle time and gives it up after the pong timeout', () => {
    const w = new LivenessWheel(IDLE, TIMEOUT, start);
    const c = channel();
    w.add(c, start);
    const dead = runUntil(w, start, start + 120_000);
    expect(c.pings).toHaveLength(1);
    expect(c.pings[0]! - start).toBeGreaterThanOrEqual(IDLE);
    expect(c.pings[0]! - start).toBeLessThanOrEqual(IDLE + 2 * TICK_MS);
    expect(dead).toHaveLength(1);
    const at = dead[0]![1] - start;
    expect(at).toBeGreaterThanOrEqual(IDLE + TIMEOUT);
    expect(at).toBeLessThanOrEqual(IDLE + TIMEOUT + 4 * TICK_MS);
  });

  it('never pings a channel whose frames come more often than the idle time, and keeps an answering one', () => {
    const w = new LivenessWheel(IDLE, TIMEOUT, start);
    const talking = channel();
    const answering = channel();
    w.add(talking, start);
    w.add(answering, start);
    const dead = runUntil(w, start, start + 600_000, (now) => {
      if ((now - start) % 30_000 === 0) hear(talking, now); // a heartbeat every 30 s
      const sent = answering.pingSentAt;
      if (sent !== null && answering.lastRx < sent && now - sent >= 1_000) hear(answering, now); // pong after 1 s
    });
    expect(dead).toEqual([]);
    expect(talking.pings).toEqual([]);
    // Silent except for its pongs: one ping per idle period (+ the answer time and wheel slack).
    expect(answering.pings.length).toBeGreaterThanOrEqual(12);
    expect(answering.pings.length).toBeLessThanOrEqual(15);
  });

  it('restarts pong deadlines after an event-loop stall instead of cutting channels off', () => {
    const w = new LivenessWheel(IDLE, TIMEOUT, start);
    const c = channel();
    w.add(c, start);
    expect(runUntil(w, start, start + IDLE + 2 * TICK_MS)).toEqual([]);
    expect(c.pings).toHaveLength(1);
    // The loop was blocked for 15 s: the deadline passed while the pong may be waiting unread.
    const resumed = start + IDLE + 2 * TICK_MS + 15_000;
    expect(w.run(resumed)).toEqual([]);
    hear(c, resumed + 1); // the pong is read right after
    expect(runUntil(w, resumed + TICK_MS, resumed + 30_000)).toEqual([]);
  });

  it('forgets a removed channel', () => {
    const w = new LivenessWheel(IDLE, TIMEOUT, start);
    const c = channel();
    w.add(c, start);
    w.remove(c);
    expect(runUntil(w, start, start + 120_000)).toEqual([]);
    expect(c.pings).toEqual([]);
  });

  it('starts an answer deadline when something is sent to a quiet channel, long before the idle ping', () => {
    const w = new LivenessWheel(IDLE, TIMEOUT, start);
    const c = channel();
    w.add(c, start);
    const sentAt = start + 5_000;
    const dead = runUntil(w, start, start + 60_000, (now) => {
      if (now === sentAt) w.expectAnswer(c, now); // a command went out; the host has vanished
    });
    // Nothing heard within the timeout: pinged then, and given up one timeout later.
    expect(c.pings).toHaveLength(1);
    expect(c.pings[0]! - sentAt).toBeGreaterThanOrEqual(TIMEOUT);
    expect(c.pings[0]! - sentAt).toBeLessThanOrEqual(TIMEOUT + 2 * TICK_MS);
    expect(dead).toHaveLength(1);
    expect(dead[0]![1] - sentAt).toBeGreaterThanOrEqual(2 * TIMEOUT);
    expect(dead[0]![1] - sentAt).toBeLessThanOrEqual(2 * TIMEOUT + 4 * TICK_MS);
  });

  it('sends no ping with a message: an answer within the timeout is the proof of life', () => {
    const w = new LivenessWheel(IDLE, TIMEOUT, start);
    const c = channel();
    w.add(c, start);
    const dead = runUntil(w, start, start + 30_000, (now) => {
      if (now === start + 5_000 || now === start + 6_000) w.expectAnswer(c, now);
      if (now === start + 7_000) hear(c, now); // the answer (ack, settings-applied)
    });
    expect(c.pings).toEqual([]);
    expect(dead).toEqual([]);
  });

  it('keeps a device that answers the ping sent when its answer was late (busy applying settings)', () => {
    const w = new LivenessWheel(IDLE, TIMEOUT, start);
    const c = channel();
    w.add(c, start);
    const sentAt = start + 5_000;
    const dead = runUntil(w, start, start + 50_000, (now) => {
      if (now === sentAt) w.expectAnswer(c, now);
      const p = c.pingSentAt;
      if (p !== null && c.lastRx < p && now - p >= 1_000) hear(c, now); // its pong, 1 s later
    });
    // (The next ping would be the idle one, IDLE after that pong.)
    expect(c.pings).toHaveLength(1);
    expect(dead).toEqual([]);
  });

  it('does not take a frame read just before the send, in the same millisecond, for its answer', () => {
    const w = new LivenessWheel(IDLE, TIMEOUT, start);
    const c = channel();
    w.add(c, start);
    const sentAt = start + 5_000;
    runUntil(w, start, start + 5_000 + TIMEOUT + 2 * TICK_MS, (now) => {
      if (now === sentAt) {
        hear(c, now); // read just before the send went out
        w.expectAnswer(c, now);
      }
    });
    expect(c.pings).toHaveLength(1);
  });
  it('takes an answer read in the very millisecond of the send for the answer: no ping', () => {
    const w = new LivenessWheel(IDLE, TIMEOUT, start);
    const c = channel();
    w.add(c, start);
    const sentAt = start + 5_000;
    runUntil(w, start, start + 5_000 + TIMEOUT + 4 * TICK_MS, (now) => {
      if (now === sentAt) {
        w.expectAnswer(c, now);
        hear(c, now); // a fast device's ack, read in the same millisecond
      }
    });
    expect(c.pings).toEqual([]);
  });
});
