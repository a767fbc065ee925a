import { checkViewCriteria, VIEW_DEVICE_FIELDS, VIEW_KIND_OPS } from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import {
  appendChild,
  fieldOptions,
  fromCriteria,
  locateError,
  newCriterion,
  newGroup,
  removeNode,
  toCriteria,
  updateNode,
  withField,
  withOp,
  type CriterionNode,
  type GroupNode,
} from './criteria-model';

const options = fieldOptions([{ id: 1, identifier: 'room', name: 'Room', type: 'range', range: ['A1', 'B2'] }]);

describe('criteria model', () => {
  it('offers every protocol field and each defined attribute, with the operators of its kind', () => {
    const fields = options.map((o) => o.field);
    for (const field of Object.keys(VIEW_DEVICE_FIELDS)) expect(fields).toContain(field);
    const room = options.find((o) => o.field === 'attribute:room')!;
    expect(room.kind).toBe('range');
    expect(VIEW_KIND_OPS[room.kind]).toEqual(['eq', 'ne', 'isEmpty']);
    // A field without a label of its own still reads as words.
    expect(options.find((o) => o.field === 'structureTag')!.label).toBe('Structure tag');
  });

  it('round-trips nested AND/OR/NOT trees and the JSON the checker accepts', () => {
    const criteria = {
      and: [
        {
          or: [
            { field: 'lastContact', op: 'moreThanDaysAgo', value: 2 },
            { field: 'lastContact', op: 'isEmpty' },
          ],
        },
        { field: 'version', op: 'lt', value: '12.3' },
        { not: { field: 'folderId', op: 'inFolder', value: { id: 12, recursive: true } } },
        {
          not: {
            or: [
              { field: 'name', op: 'regex', value: '^ITC', caseSensitive: true },
              { field: 'online', op: 'eq', value: true },
            ],
          },
        },
      ],
    };
    const root = fromCriteria(criteria);
    const { criteria: back } = toCriteria(root);
    expect(back).toEqual({
      and: [
        criteria.and[0],
        criteria.and[1],
        // A NOT around a criterion becomes a negated group of one.
        { not: { and: [{ field: 'folderId', op: 'inFolder', value: { id: 12, recursive: true } }] } },
        criteria.and[3],
      ],
    });
    expect(checkViewCriteria(back)).toBeNull();
    expect(toCriteria(fromCriteria(back)).criteria).toEqual(back);
  });

  it('edits the tree by key: append, update, remove at any depth, other nodes untouched', () => {
    const inner = newGroup('or', [newCriterion('name', 'eq', options)]);
    let root: GroupNode = newGroup('and', [newCriterion('site', 'eq', options), inner]);
    const first = root.children[0];
    root = appendChild(root, inner.key, newGroup('and', [newCriterion('mac', 'startsWith', options)]));
    const deep = (root.children[1] as GroupNode).children[1] as GroupNode;
    root = updateNode(root, deep.key, (g) => ({ ...(g as GroupNode), negated: true }));
    expect(root.children[0]).toBe(first);
    const leaf = ((root.children[1] as GroupNode).children[1] as GroupNode).children[0] as CriterionNode;
    root = updateNode(root, leaf.key, (n) => ({ ...(n as CriterionNode), value: '00e0c5' }));
    expect(toCriteria(root).criteria).toEqual({
      and: [
        { field: 'site', op: 'eq', value: '' },
        { or: [{ field: 'name', op: 'eq', value: '' }, { not: { and: [{ field: 'mac', op: 'startsWith', value: '00e0c5' }] } }] },
      ],
    });
    root = removeNode(root, (root.children[1] as GroupNode).key);
    expect(toCriteria(root).criteria).toEqual({ and: [{ field: 'site', op: 'eq', value: '' }] });
  });

  it('keeps operator and value when the new field allows them, resets them when not', () => {
    const name = { ...newCriterion('name', 'startsWith', options), value: 'ITC', caseSensitive: true };
    const site = withField(name, 'site', options);
    expect([site.op, site.value, site.caseSensitive]).toEqual(['startsWith', 'ITC', true]);
    const contact = withField(name, 'lastContact', options);
    expect(contact.op).toBe('lt');
    expect(contact.caseSensitive).toBe(false);
    expect(withOp(contact, 'betweenDaysAgo', options).value).toEqual([1, 7]);
    expect(withOp(contact, 'withinLastDays', options).value).toBe(2);
    const folder = withField(name, 'folderId', options);
    expect(withOp(folder, 'inFolder', options).value).toEqual({ id: null, recursive: true });
    expect(withField(name, 'attribute:room', options).value).toBe('A1');
  });

  it('places a checker or server error at the criterion it names, also under a NOT', () => {
    const root = fromCriteria({
      and: [{ field: 'name', op: 'eq', value: 'a' }, { not: { or: [{ field: 'lastContact', op: 'withinLastDays', value: -1 }] } }],
    });
    const { criteria, paths } = toCriteria(root, 'body.criteria');
    const problem = checkViewCriteria(criteria, 'body.criteria')!;
    expect(problem.field).toBe('body.criteria.and.1.not.or.0.value');
    const target = ((root.children[1] as GroupNode).children[0] as CriterionNode).key;
    expect(locateError(problem.field, paths)).toEqual({ key: target, part: 'value' });
    expect(locateError('body.criteria.and.1.not.or', paths)).toEqual({ key: root.children[1]!.key, part: 'or' });
    expect(locateError('body.criteria', paths)).toEqual({ key: root.key, part: '' });
    expect(locateError('query.limit', paths)).toBeNull();
  });
});
