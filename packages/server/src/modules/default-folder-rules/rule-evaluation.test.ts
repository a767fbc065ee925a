import { describe, expect, it } from 'vitest';
import { evaluateRules, placementOf, subnetOf, type CompiledRule } from './rule-evaluation.js';

let nextId = 1;
/** A rule that matches when its name is in the device's set of matching rule names. */
function rule(
  name: string,
  target: number | 'none' | { subnet: number; parent: number | null },
  children: CompiledRule[] = [],
): CompiledRule {
  return {
    id: nextId++,
    parentId: null,
    position: 0,
    name,
    criteria: { field: 'name', op: 'eq', value: name },
    target:
      target === 'none'
        ? { mode: 'none', folderId: null, prefixLength: null }
        : typeof target === 'number'
          ? { mode: 'folder', folderId: target, prefixLength: null }
          : { mode: 'perSubnet', folderId: target.parent, prefixLength: target.subnet },
    overridesExistingFolder: false,
    applyAtBoot: false,
    leaveInSubfolder: false,
    usesAttributes: false,
    children,
  };
}
const run = (roots: CompiledRule[], matching: string[], ip: string | null = null) => {
  const d = evaluateRules(roots, ip, (r) => matching.includes(r.name));
  return d && { rule: d.rule.name, target: d.target, path: d.path.map((r) => r.name) };
};

describe('default folder rule evaluation (the reference algorithm)', () => {
  const tree = [
    rule('A', 10, [rule('A1', 11, [rule('A1a', 12)]), rule('A2', 'none', [rule('A2x', 13)]), rule('A3', 14)]),
    rule('B', 'none', [rule('B1', 20)]),
    rule('C', 30),
  ];

  it('works top-down: the first matching top-level rule with a target wins over later ones', () => {
    expect(run(tree, ['A', 'C'])).toMatchObject({ rule: 'A', target: { kind: 'folder', folderId: 10 } });
    expect(run(tree, ['C'])).toMatchObject({ rule: 'C', path: ['C'] });
    expect(run(tree, [])).toBeNull();
  });

  it('a matching rule with a target checks its children; none matching: the target of the rule above', () => {
    expect(run(tree, ['A', 'X'])).toMatchObject({ rule: 'A', path: ['A'] });
    // Children are only looked at below a matching parent.
    expect(run(tree, ['A1', 'C'])).toMatchObject({ rule: 'C' });
  });

  it('a matching child with a target becomes the new start: its own children are checked, it wins when none match', () => {
    expect(run(tree, ['A', 'A1'])).toMatchObject({ rule: 'A1', target: { folderId: 11 }, path: ['A', 'A1'] });
    expect(run(tree, ['A', 'A1', 'A1a'])).toMatchObject({ rule: 'A1a', target: { folderId: 12 }, path: ['A', 'A1', 'A1a'] });
    // The new start is not left for a later sibling: A3 would match too.
    expect(run(tree, ['A', 'A1', 'A3'])).toMatchObject({ rule: 'A1' });
  });

  it('a matching rule without a target checks its children; nothing below: on with its next sibling, else the rule above', () => {
    expect(run(tree, ['A', 'A2', 'A2x'])).toMatchObject({ rule: 'A2x', target: { folderId: 13 }, path: ['A', 'A2', 'A2x'] });
    expect(run(tree, ['A', 'A2', 'A3'])).toMatchObject({ rule: 'A3', path: ['A', 'A3'] });
    expect(run(tree, ['A', 'A2'])).toMatchObject({ rule: 'A', path: ['A'] });
    expect(run(tree, ['B', 'B1'])).toMatchObject({ rule: 'B1', path: ['B', 'B1'] });
    expect(run(tree, ['B', 'C'])).toMatchObject({ rule: 'C', path: ['C'] });
  });

  it('per-subnet targets name the network address; without an IPv4 address the rule acts as one without a target', () => {
    expect(subnetOf('130.94.122.195', 27)).toBe('130.94.122.192');
    expect(subnetOf('10.1.2.77', 24)).toBe('10.1.2.0');
    expect(subnetOf('10.1.2.77', 32)).toBe('10.1.2.77');
    expect(subnetOf(null, 24)).toBeNull();
    const t = [rule('S', { subnet: 16, parent: 5 }, [rule('S1', 6)]), rule('T', 7)];
    expect(run(t, ['S'], '10.20.30.40')).toMatchObject({ rule: 'S', target: { kind: 'subnet', parentId: 5, name: '10.20.0.0' } });
    expect(run(t, ['S', 'T'], null)).toMatchObject({ rule: 'T' });
    expect(run(t, ['S', 'S1'], null)).toMatchObject({ rule: 'S1', path: ['S', 'S1'] });
  });
});

describe('placement options', () => {
  const decided = (o: Partial<CompiledRule> = {}) => {
    const r = { ...rule('R', 10), ...o };
    return { rule: r, target: { kind: 'folder' as const, folderId: 10 }, path: [r] };
  };
  const base = { occasion: 'registration' as const, current: null, member: false, targetFolderId: 10, isBelow: () => false };

  it('moves a device in no folder; a membership only with overridesExistingFolder', () => {
    expect(placementOf({ ...base, decision: decided() }).moves).toBe(true);
    expect(placementOf({ ...base, decision: decided(), current: 3, member: true })).toMatchObject({ moves: false, reason: /override/ });
    expect(placementOf({ ...base, decision: decided({ overridesExistingFolder: true }), current: 3, member: true }).moves).toBe(true);
    // A folder that is no membership (automatic registration's) does not hold the device.
    expect(placementOf({ ...base, decision: decided(), current: 3, member: false }).moves).toBe(true);
  });

  it('leave in sub-folder keeps a device below the target; at boot only rules applied at boot move', () => {
    const o = { ...base, current: 11, member: true, isBelow: (f: number, a: number) => f === 11 && a === 10 };
    expect(placementOf({ ...o, decision: decided({ overridesExistingFolder: true, leaveInSubfolder: true }) })).toMatchObject({
      moves: false,
    });
    expect(placementOf({ ...o, decision: decided({ overridesExistingFolder: true }) }).moves).toBe(true);
    expect(placementOf({ ...base, occasion: 'boot', decision: decided() })).toMatchObject({ moves: false, reason: /boot/ });
    expect(placementOf({ ...base, occasion: 'boot', decision: decided({ applyAtBoot: true }) }).moves).toBe(true);
    expect(placementOf({ ...base, decision: decided(), current: 10 })).toMatchObject({ moves: false, reason: /already in/ });
    expect(placementOf({ ...base, decision: null })).toMatchObject({ moves: false });
  });
});
