import { describe, expect, it } from 'vitest';
import { resolveGroups, wouldCreateGroupCycle } from './groups.js';

describe('resolveGroups', () => {
  it('adds the groups a group is nested in, transitively', () => {
    const parents = new Map([
      [1, [2]],
      [2, [3, 4]],
      [5, [6]],
    ]);
    const r = resolveGroups([1], parents);
    expect([...r.groupIds].sort()).toEqual([1, 2, 3, 4]);
    expect(r.cycles).toEqual([]);
  });

  it('reaches a group through two routes once, and that is not a cycle', () => {
    const r = resolveGroups(
      [1, 2],
      new Map([
        [1, [3]],
        [2, [3]],
        [3, [4]],
      ]),
    );
    expect([...r.groupIds].sort()).toEqual([1, 2, 3, 4]);
    expect(r.cycles).toEqual([]);
  });

  it('stops at a cycle, still includes every group on it, and reports it', () => {
    const r = resolveGroups(
      [1],
      new Map([
        [1, [2]],
        [2, [3]],
        [3, [1, 4]],
      ]),
    );
    expect([...r.groupIds].sort()).toEqual([1, 2, 3, 4]);
    expect(r.cycles).toEqual([[1, 2, 3, 1]]);
  });

  it('reports a group that is its own member', () => {
    expect(resolveGroups([7], new Map([[7, [7]]])).cycles).toEqual([[7, 7]]);
  });

  it('handles deep nesting without recursion', () => {
    const parents = new Map(Array.from({ length: 10_000 }, (_, i) => [i, [i + 1]] as [number, number[]]));
    expect(resolveGroups([0], parents).groupIds.size).toBe(10_001);
  });
});

describe('wouldCreateGroupCycle', () => {
  const parents = new Map([
    [1, [2]],
    [2, [3]],
  ]);
  it('refuses making a group a member of itself or of a group nested in it', () => {
    expect(wouldCreateGroupCycle(4, 4, parents)).toBe(true);
    expect(wouldCreateGroupCycle(3, 1, parents)).toBe(true);
  });
  it('allows a new nesting that closes no loop', () => {
    expect(wouldCreateGroupCycle(1, 3, parents)).toBe(false);
    expect(wouldCreateGroupCycle(4, 1, parents)).toBe(false);
  });
});
