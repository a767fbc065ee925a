import { describe, expect, it } from 'vitest';
import type { AccessNodeRef, ObjectRight, ObjectRights, RightValue } from '@openums/protocol';
import { evaluateAccess, type AclEntry, type AclNode, type AdminPrincipals, type EffectiveRights } from './evaluate.js';

/*
 * The rules of evaluate.ts (R1–R7 and the reporting order), one case each or more. The admin is
 * id 1, directly in groups 10 and 20, and through group 10 in group 30 (nesting resolved by the
 * caller). Admin 2 and group 99 are strangers. A path is folders F1, F2, … then the object D;
 * `below` chains are folders B1, B2, … or a device E under the evaluated object.
 * Expectations read "allow:direct", "deny:inherited@F1:g20", "allow:implied@B2", "deny:not-set".
 */
const ME = 1;
const admin: AdminPrincipals = { adminId: ME, superuser: false, groupIds: new Set([10, 20, 30]) };
const superuser: AdminPrincipals = { ...admin, superuser: true };

const set = (value: RightValue, rights: ObjectRight[]): ObjectRights => Object.fromEntries(rights.map((r) => [r, value]));
const allow = (...rights: ObjectRight[]) => set('allow', rights);
const deny = (...rights: ObjectRight[]) => set('deny', rights);
const me = (rights: ObjectRights): AclEntry => ({ principal: { type: 'admin', id: ME }, rights });
const g = (id: number, rights: ObjectRights): AclEntry => ({ principal: { type: 'group', id }, rights });
const stranger = (rights: ObjectRights): AclEntry => ({ principal: { type: 'admin', id: 2 }, rights });

type Entries = AclEntry[];
interface Case {
  name: string;
  /** Entries per node: folders F1… then the object D. */
  path: Entries[];
  /** Chains below the object, nodes B1, B2, … ('E' = a device as the last node). */
  below?: Array<Array<Entries | ['E', Entries]>>;
  who?: AdminPrincipals;
  expect: Partial<Record<ObjectRight, string>>;
}

const cases: Case[] = [
  // R1 superuser
  {
    name: 'R1 the superuser has every right with no entries',
    who: superuser,
    path: [[], []],
    expect: { browse: 'allow:superuser', firmwareControl: 'allow:superuser' },
  },
  {
    name: 'R1 the superuser is not bound by a deny',
    who: superuser,
    path: [[me(deny('read'))], [g(10, deny('read'))]],
    expect: { read: 'allow:superuser' },
  },
  // R2 relevance
  { name: "R2 another admin's entries do not count", path: [[stranger(allow('read'))]], expect: { read: 'deny:not-set' } },
  { name: "R2 a stranger group's entries do not count", path: [[g(99, allow('read'))]], expect: { read: 'deny:not-set' } },
  {
    name: "R2 another admin's deny does not affect this admin",
    path: [[stranger(deny('read'))], [me(allow('read'))]],
    expect: { read: 'allow:direct' },
  },
  { name: 'R2 a group the admin is in counts', path: [[g(10, allow('read'))]], expect: { read: 'allow:group:g10' } },
  { name: 'R2 a group reached through nesting counts', path: [[g(30, allow('read'))]], expect: { read: 'allow:group:g30' } },
  // R6 not set
  {
    name: 'R6 no entries at all: every right is refused as not set',
    path: [[], []],
    expect: { browse: 'deny:not-set', read: 'deny:not-set', write: 'deny:not-set' },
  },
  {
    name: 'R6 a right left out of an entry is not set although others are allowed',
    path: [[me(allow('read'))]],
    expect: { write: 'deny:not-set', read: 'allow:direct' },
  },
  // R3 inheritance
  {
    name: 'R3 an allow on the top folder reaches the object three levels down',
    path: [[me(allow('read'))], [], [], []],
    expect: { read: 'allow:inherited@F1' },
  },
  {
    name: 'R3 a group allow on a folder reaches the object',
    path: [[], [g(10, allow('write'))], []],
    expect: { write: 'allow:inherited@F2:g10' },
  },
  {
    name: 'R3 folders without entries change nothing',
    path: [[], [], [], [me(allow('move'))]],
    expect: { move: 'allow:direct', read: 'deny:not-set' },
  },
  // R4 deny wins
  {
    name: 'R4 a deny on a folder cannot be overridden by an allow on the object below it',
    path: [[me(deny('read'))], [], [me(allow('read'))]],
    expect: { read: 'deny:inherited@F1' },
  },
  {
    name: 'R4 a deny on a folder cannot be overridden by an allow on a subfolder',
    path: [[g(10, deny('write'))], [me(allow('write'))], []],
    expect: { write: 'deny:inherited@F1:g10' },
  },
  {
    name: 'R4 a deny on the object beats an allow inherited from a folder',
    path: [[me(allow('read'))], [me(deny('read'))]],
    expect: { read: 'deny:direct' },
  },
  {
    name: 'R4 a direct deny beats a group allow on the same node',
    path: [[me(deny('assign')), g(10, allow('assign'))]],
    expect: { assign: 'deny:direct' },
  },
  {
    name: 'R4 a group deny beats a direct allow on the same node (deny always beats allow)',
    path: [[me(allow('assign')), g(20, deny('assign'))]],
    expect: { assign: 'deny:group:g20' },
  },
  {
    name: 'R4 a deny through one group beats an allow through another',
    path: [[g(10, allow('read')), g(20, deny('read'))]],
    expect: { read: 'deny:group:g20' },
  },
  {
    name: 'R4 a deny through a nested group beats a direct allow',
    path: [[], [me(allow('powerControl')), g(30, deny('powerControl'))]],
    expect: { powerControl: 'deny:group:g30' },
  },
  {
    name: 'R4 a direct allow on a folder loses to a group deny on a subfolder',
    path: [[me(allow('read'))], [g(20, deny('read'))], []],
    expect: { read: 'deny:inherited@F2:g20' },
  },
  {
    name: 'R4 a group allow on the object loses to a direct deny on an ancestor',
    path: [[me(deny('remoteAccess'))], [], [g(10, allow('remoteAccess'))]],
    expect: { remoteAccess: 'deny:inherited@F1' },
  },
  {
    name: 'R4 a deny through any number of allowing groups still wins',
    path: [[g(10, allow('sendMessage')), g(30, allow('sendMessage')), me(allow('sendMessage'))], [g(20, deny('sendMessage'))]],
    expect: { sendMessage: 'deny:group:g20' },
  },
  {
    name: 'R4 a deny of one right leaves the others alone',
    path: [[me({ read: 'deny', write: 'allow' })], []],
    expect: { write: 'allow:inherited@F1', read: 'deny:inherited@F1' },
  },
  {
    name: 'R4 a deny of an unrelated right on the path does not stop an allow',
    path: [[me(deny('firmwareControl'))], [me(allow('editConfiguration'))]],
    expect: { editConfiguration: 'allow:direct', firmwareControl: 'deny:inherited@F1' },
  },
  {
    name: 'R4 a deny on the object itself is reported on the object',
    path: [[], [g(20, deny('editSystemInformation'))]],
    expect: { editSystemInformation: 'deny:group:g20' },
  },
  // Reporting order
  {
    name: 'report: the topmost deny is the reason (it cannot be withdrawn below)',
    path: [[g(20, deny('read'))], [], [me(deny('read'))]],
    expect: { read: 'deny:inherited@F1:g20' },
  },
  {
    name: "report: on one node the admin's own deny comes before a group's",
    path: [[], [g(10, deny('read')), me(deny('read'))], []],
    expect: { read: 'deny:inherited@F2' },
  },
  {
    name: 'report: among denying groups the lowest id',
    path: [[g(20, deny('move')), g(10, deny('move'))], []],
    expect: { move: 'deny:inherited@F1:g10' },
  },
  {
    name: "report: on one node the admin's own allow comes before a group's",
    path: [[g(10, allow('read')), me(allow('read'))]],
    expect: { read: 'allow:direct' },
  },
  {
    name: 'report: among allowing groups the lowest id',
    path: [[g(30, allow('read')), g(20, allow('read'))]],
    expect: { read: 'allow:group:g20' },
  },
  {
    name: 'report: the nearest allow is the reason (F1 and F3 allow)',
    path: [[me(allow('read'))], [], [me(allow('read'))], []],
    expect: { read: 'allow:inherited@F3' },
  },
  {
    name: 'report: a group allow on the object comes before a direct allow on a folder',
    path: [[me(allow('read'))], [g(10, allow('read'))]],
    expect: { read: 'allow:group:g10' },
  },
  {
    name: 'report: an allow on the object is direct although folders allow too',
    path: [[g(10, allow('write'))], [me(allow('write'))]],
    expect: { write: 'allow:direct' },
  },
  // R7 implied Browse
  {
    name: 'R7 Browse is implied on a folder when a node below grants a right',
    path: [[]],
    below: [[[], [me(allow('read'))]]],
    expect: { browse: 'allow:implied@B2' },
  },
  {
    name: 'R7 a grant on a device implies Browse on its folder',
    path: [[], []],
    below: [[['E', [me(allow('sendMessage'))]]]],
    expect: { browse: 'allow:implied@E' },
  },
  {
    name: 'R7 a group grant below implies Browse',
    path: [[]],
    below: [[[g(30, allow('assign'))]]],
    expect: { browse: 'allow:implied@B1' },
  },
  {
    name: 'R7 only Browse is implied, never Read',
    path: [[]],
    below: [[[me(allow('read', 'write'))]]],
    expect: { read: 'deny:not-set', write: 'deny:not-set', browse: 'allow:implied@B1' },
  },
  {
    name: "R7 another admin's grant below implies nothing",
    path: [[]],
    below: [[[stranger(allow('read'))]]],
    expect: { browse: 'deny:not-set' },
  },
  {
    name: 'R7 a grant below cancelled by a deny between implies nothing',
    path: [[]],
    below: [[[me(deny('read'))], [me(allow('read'))]]],
    expect: { browse: 'deny:not-set' },
  },
  {
    name: 'R7 a grant below cancelled by a deny on the object implies nothing',
    path: [[g(10, deny('read'))]],
    below: [[[me(allow('read'))]]],
    expect: { browse: 'deny:not-set', read: 'deny:group:g10' },
  },
  {
    name: 'R7 a grant below cancelled by a deny above the object implies nothing',
    path: [[me(deny('write'))], []],
    below: [[[me(allow('write'))]]],
    expect: { browse: 'deny:not-set' },
  },
  {
    name: 'R7 a direct Browse deny on the folder is not lifted by a grant below',
    path: [[me(deny('browse'))]],
    below: [[[me(allow('read'))]]],
    expect: { browse: 'deny:direct' },
  },
  {
    name: 'R7 an inherited Browse deny is not lifted by a grant below',
    path: [[g(20, deny('browse'))], []],
    below: [[[me(allow('read'))]]],
    expect: { browse: 'deny:inherited@F1:g20' },
  },
  {
    name: 'R7 an explicit Browse allow is reported as such, not as implied',
    path: [[me(allow('browse'))]],
    below: [[[me(allow('read'))]]],
    expect: { browse: 'allow:direct' },
  },
  {
    name: "R7 a node's own grants do not imply Browse on itself",
    path: [[], [me(allow('read'))]],
    expect: { browse: 'deny:not-set', read: 'allow:direct' },
  },
  {
    name: 'R7 rights only inherited below imply nothing (the result does not depend on what a folder holds)',
    path: [[me(allow('read'))]],
    below: [[[]]],
    expect: { browse: 'deny:not-set' },
  },
  {
    name: 'R7 a Browse deny on the granting node does not stop it implying Browse above (rights are independent)',
    path: [[]],
    below: [[[me({ browse: 'deny', read: 'allow' })]]],
    expect: { browse: 'allow:implied@B1' },
  },
  { name: 'R7 a deny-only entry below implies nothing', path: [[]], below: [[[me(deny('read'))]]], expect: { browse: 'deny:not-set' } },
  // Independence of rights
  {
    name: 'rights are independent: Read without Browse stays allowed',
    path: [[], [me(allow('read'))]],
    expect: { read: 'allow:direct', browse: 'deny:not-set' },
  },
  {
    name: 'rights are independent: Write does not need Read',
    path: [[me(allow('write'))]],
    expect: { write: 'allow:direct', read: 'deny:not-set' },
  },
];

function nodeName(ref: AccessNodeRef): string {
  if (ref.type === 'device') return ref.id === 100 ? 'D' : 'E';
  return ref.id >= 50 ? `B${ref.id - 50}` : `F${ref.id}`;
}

function show(r: EffectiveRights[ObjectRight]): string {
  const where = r.reason.kind === 'inherited' || r.reason.kind === 'implied-browse' ? `@${nodeName(r.reason.node)}` : '';
  const kind = r.reason.kind === 'implied-browse' ? 'implied' : r.reason.kind;
  const group = r.reason.groupId === undefined ? '' : `:g${r.reason.groupId}`;
  return `${r.allowed ? 'allow' : 'deny'}:${kind}${where}${group}`;
}

function buildPath(entries: Entries[]): AclNode[] {
  return entries.map((e, i) => ({
    ref: i === entries.length - 1 ? { type: 'device', id: 100 } : { type: 'device-folder', id: i + 1 },
    entries: e,
  }));
}

const isDevice = (n: Entries | ['E', Entries]): n is ['E', Entries] => n[0] === 'E';

function buildBelow(chains: NonNullable<Case['below']>): AclNode[][] {
  return chains.map((chain) =>
    chain.map((n, i): AclNode =>
      isDevice(n) ? { ref: { type: 'device', id: 200 }, entries: n[1] } : { ref: { type: 'device-folder', id: 51 + i }, entries: n },
    ),
  );
}

describe('evaluateAccess: the rules', () => {
  it('has at least 40 cases with distinct names', () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
    expect(new Set(cases.map((c) => c.name)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const path = buildPath(c.path);
    // An evaluated folder (the object when `below` is given) is a folder, not device D.
    if (c.below) path[path.length - 1]!.ref = { type: 'device-folder', id: path.length };
    const result = evaluateAccess(c.who ?? admin, path, c.below ? buildBelow(c.below) : []);
    const got = Object.fromEntries(Object.keys(c.expect).map((r) => [r, show(result[r as ObjectRight])]));
    expect(got).toEqual(c.expect);
  });
});

describe('evaluateAccess: shape', () => {
  it('answers every right, and names the object for not-set and superuser', () => {
    const path = buildPath([[], []]);
    const r = evaluateAccess(admin, path);
    expect(Object.keys(r)).toHaveLength(12);
    expect(r.read.reason.node).toEqual({ type: 'device', id: 100 });
    expect(evaluateAccess(superuser, path).firmwareControl.reason).toEqual({ kind: 'superuser', node: { type: 'device', id: 100 } });
  });

  it('refuses an empty path', () => {
    expect(() => evaluateAccess(admin, [])).toThrow(/path/);
  });
});
