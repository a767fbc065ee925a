import { describe, expect, it } from 'vitest';
import { toIso } from '../../src/lib/clock.js';

describe('toIso', () => {
  it('formats exactly like Date#toISOString across leap years, month ends and millisecond edges', () => {
    const samples = [
      1,
      999,
      1000,
      86_399_999,
      951_782_400_000,
      951_868_799_999,
      1_709_164_800_000,
      4_107_542_399_999,
      Date.UTC(2026, 10, 27, 12, 0, 0, 7),
    ];
    for (let i = 0; i < 20_000; i++) samples.push(Math.floor(Math.random() * 253402300799999));
    for (const ms of samples) expect(toIso(ms)).toBe(new Date(ms).toISOString());
  });
  it('stays exact when consecutive calls share a day or cross midnight (the day is cached)', () => {
    const midnight = Date.UTC(2026, 11, 31, 0, 0, 0, 0);
    for (let ms = midnight - 2_500; ms < midnight + 2_500; ms += 7) expect(toIso(ms)).toBe(new Date(ms).toISOString());
    for (const ms of [midnight + 5, midnight - 86_400_000 + 5, midnight + 6, midnight + 86_400_000 - 1]) {
      expect(toIso(ms)).toBe(new Date(ms).toISOString());
    }
  });
  it('returns null for "never"', () => {
    expect(toIso(0)).toBeNull();
    expect(toIso(null)).toBeNull();
  });
});
