import { describe, expect, it } from 'vitest';
import { TimerWheel } from './timer-wheel.js';

describe('TimerWheel', () => {
  it('fires due entries in tick order, skips cancelled ones, stops when empty', () => {
    let now = 1_000_000;
    const wheel = new TimerWheel(100, () => now);
    const fired: string[] = [];
    wheel.schedule(250, () => fired.push('b'));
    wheel.schedule(100, () => fired.push('a'));
    const c = wheel.schedule(200, () => fired.push('cancelled'));
    wheel.schedule(5000, () => fired.push('late'));
    c.cancel();
    c.cancel();
    expect(wheel.size).toBe(3);
    now += 300;
    wheel.advance();
    expect(fired).toEqual(['a', 'b']);
    now += 10_000;
    wheel.advance();
    expect(fired).toEqual(['a', 'b', 'late']);
    expect(wheel.size).toBe(0);
  });

  it('runs entries scheduled from a callback on a later tick', () => {
    let now = 0;
    const wheel = new TimerWheel(100, () => now);
    let beats = 0;
    const beat = () => {
      beats++;
      wheel.schedule(1000, beat);
    };
    wheel.schedule(0, beat);
    for (let i = 0; i < 50; i++) {
      now += 100;
      wheel.advance();
    }
    expect(beats).toBe(5);
    wheel.clear();
    expect(wheel.size).toBe(0);
  });

  it('runs a 0-ms entry scheduled on an idle wheel at an exact tick boundary (a reconnect with no backoff delay)', () => {
    let now = 1_000_050;
    const wheel = new TimerWheel(100, () => now);
    const fired: string[] = [];
    wheel.schedule(0, () => fired.push('first'));
    now += 100;
    wheel.advance();
    expect(wheel.size).toBe(0);
    // Idle for a while; then, exactly on a tick, a callback with no delay.
    now = 2_000_000;
    wheel.schedule(0, () => fired.push('boundary'));
    now += 100;
    wheel.advance();
    expect(fired).toEqual(['first', 'boundary']);
    expect(wheel.size).toBe(0);
  });

  it('works with the real clock', async () => {
    const wheel = new TimerWheel(10);
    const t0 = Date.now();
    await new Promise<void>((r) => wheel.schedule(50, r));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40);
    expect(wheel.size).toBe(0);
  });
});
