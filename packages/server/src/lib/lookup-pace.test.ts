import { describe, expect, it } from 'vitest';
import { LOOKUP_PACE_MS, MAX_LOOKUP_PACE_MS, lookupPaceFor, lookupPaceMs, setWorkersOnHost } from './lookup-pace.js';

describe('lookupPaceFor', () => {
  it('is one process pace for a single server and grows with the workers sharing the host', () => {
    expect(lookupPaceFor(1)).toBe(LOOKUP_PACE_MS);
    expect(lookupPaceFor(2)).toBe(2 * LOOKUP_PACE_MS);
    expect(lookupPaceFor(7)).toBe(7 * LOOKUP_PACE_MS);
  });

  it('stays within its bounds whatever it is given', () => {
    expect(lookupPaceFor(64)).toBe(MAX_LOOKUP_PACE_MS);
    expect(lookupPaceFor(0)).toBe(LOOKUP_PACE_MS);
    expect(lookupPaceFor(-3)).toBe(LOOKUP_PACE_MS);
    expect(lookupPaceFor(Number.NaN)).toBe(LOOKUP_PACE_MS);
    expect(lookupPaceFor(2.9)).toBe(2 * LOOKUP_PACE_MS);
  });

  it("is one process's pace until a worker says how many share its host", () => {
    expect(lookupPaceMs()).toBe(LOOKUP_PACE_MS);
    setWorkersOnHost(7);
    try {
      expect(lookupPaceMs()).toBe(7 * LOOKUP_PACE_MS);
    } finally {
      setWorkersOnHost(1);
    }
    expect(lookupPaceMs()).toBe(LOOKUP_PACE_MS);
  });
});
