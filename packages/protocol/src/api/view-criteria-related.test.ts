import { describe, expect, it } from 'vitest';
import { checkViewCriteria } from './view-criteria-check.js';
import { viewFieldDef, type ViewAttributeDef } from './views.js';

const ATTRS = new Map<string, ViewAttributeDef>([
  ['location', { id: 1, identifier: 'location', type: 'string', range: null }],
  ['seats', { id: 2, identifier: 'seats', type: 'number', range: null }],
  ['installed', { id: 3, identifier: 'installed', type: 'date', range: null }],
  ['tier', { id: 4, identifier: 'tier', type: 'range', range: ['gold', 'silver'] }],
]);
const check = (c: unknown) => checkViewCriteria(c, 'criteria', ATTRS);

describe('criteria on attributes, profiles, pending changes and the structure tag', () => {
  it('resolves attribute fields through the definitions only', () => {
    expect(viewFieldDef('attribute:seats', ATTRS)?.kind).toBe('number');
    expect(viewFieldDef('attribute:tier', ATTRS)?.attribute?.range).toEqual(['gold', 'silver']);
    expect(viewFieldDef('attribute:seats')).toBeUndefined();
    expect(viewFieldDef('attribute:__proto__', ATTRS)).toBeUndefined();
    expect(checkViewCriteria({ field: 'attribute:seats', op: 'eq', value: 1 })?.message).toMatch(/unknown device attribute 'seats'/);
  });

  it('accepts the operators and values each type takes', () => {
    for (const c of [
      { field: 'attribute:location', op: 'regex', value: '^aug', caseSensitive: true },
      { field: 'attribute:seats', op: 'between', value: [1, 2.5] },
      { field: 'attribute:seats', op: 'isEmpty', value: false },
      { field: 'attribute:installed', op: 'withinLastDays', value: 3 },
      { field: 'attribute:installed', op: 'lt', value: '2026-12-01' },
      { field: 'attribute:tier', op: 'ne', value: 'gold' },
      { field: 'profile', op: 'eq', value: 4 },
      { field: 'profile', op: 'isEmpty' },
      { field: 'configChanges', op: 'eq', value: true },
      { field: 'structureTag', op: 'startsWith', value: 'augsburg/' },
    ])
      expect(check(c), JSON.stringify(c)).toBeNull();
  });

  it('refuses unknown attributes and type mismatches naming the field', () => {
    const cases: Array<[unknown, string, RegExp]> = [
      [{ or: [{ field: 'attribute:nope', op: 'eq', value: 'x' }] }, 'criteria.or.0.field', /unknown device attribute 'nope'/],
      [{ field: 'attribute:seats', op: 'gt', value: '10' }, 'criteria.value', /must be a number \(seats holds numbers\)/],
      [{ field: 'attribute:seats', op: 'between', value: [5, 1] }, 'criteria.value', /from ≤ to/],
      [{ field: 'attribute:seats', op: 'regex', value: '1' }, 'criteria.op', /does not apply to attribute:seats \(number\)/],
      [{ field: 'attribute:tier', op: 'eq', value: 'Gold' }, 'criteria.value', /one of the values of tier: 'gold', 'silver'/],
      [{ field: 'attribute:tier', op: 'contains', value: 'g' }, 'criteria.op', /use one of eq, ne, isEmpty/],
      [{ field: 'attribute:installed', op: 'eq', value: '2026-12-01' }, 'criteria.op', /does not apply/],
      [{ field: 'profile', op: 'eq', value: 0 }, 'criteria.value', /profile id/],
      [{ field: 'configChanges', op: 'eq', value: 1 }, 'criteria.value', /true or false/],
      [{ field: 'attribute:seats', op: 'eq', value: 1, caseSensitive: true }, 'criteria.caseSensitive', /only to text fields/],
    ];
    for (const [c, field, message] of cases) {
      const p = check(c);
      expect(p?.field, JSON.stringify(c)).toBe(field);
      expect(p?.message).toMatch(message);
    }
  });
});
