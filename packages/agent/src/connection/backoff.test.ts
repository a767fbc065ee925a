import { describe, expect, it } from 'vitest';
import { Backoff, retryAfterDelay } from './backoff.js';

describe('Backoff (full jitter)', () => {
  it('draws each delay from [0, min(cap, base·2^attempt))', () => {
    const b = new Backoff({ baseMs: 1000, capMs: 300_000 });
    for (let attempt = 0; attempt < 20; attempt++) {
      const ceiling = Math.min(300_000, 1000 * 2 ** attempt);
      expect(b.ceiling()).toBe(ceiling);
      const d = b.next();
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(ceiling);
    }
  });

  it('uses the full window: random 0 gives 0, random→1 gives the ceiling', () => {
    expect(new Backoff({ random: () => 0 }).next()).toBe(0);
    const b = new Backoff({ random: () => 0.999999 });
    expect(b.next()).toBe(999);
    expect(b.next()).toBe(1999);
    expect(b.next()).toBe(3999);
  });

  it('caps at 300 s however many attempts failed', () => {
    const b = new Backoff({ random: () => 0.999999 });
    for (let i = 0; i < 100; i++) b.next();
    expect(b.ceiling()).toBe(300_000);
    expect(b.next()).toBeLessThan(300_000);
    expect(b.next()).toBeGreaterThan(299_000);
  });

  it('resets only after a connection that stayed up longer than 60 s', () => {
    const b = new Backoff();
    for (let i = 0; i < 5; i++) b.next();
    b.connectionEnded(0);
    expect(b.attempts).toBe(5);
    b.connectionEnded(59_000);
    expect(b.attempts).toBe(5);
    b.connectionEnded(61_000);
    expect(b.attempts).toBe(0);
    expect(b.ceiling()).toBe(1000);
  });

  it('spreads a server-given retry-after over [N, 2N) seconds', () => {
    expect(retryAfterDelay(30, () => 0)).toBe(30_000);
    expect(retryAfterDelay(30, () => 0.999)).toBe(59_970);
    expect(retryAfterDelay(0, () => 0.5)).toBe(500);
  });
});
