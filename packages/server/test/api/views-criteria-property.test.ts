import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import {
  checkViewCriteria,
  VIEW_DEVICE_FIELDS,
  viewFieldDef,
  type ViewAttributeDef,
  type ViewCriteria,
  type ViewDeviceField,
} from '@openums/protocol';
import type { DatabaseHandle } from '../../src/db/database.js';
import { DEVICE_COLUMNS, devicesWithPresence, newDeviceRow, type DeviceRow } from '../../src/modules/devices/devices.repository.js';
import { criteriaSql } from '../../src/modules/views/criteria-sql.js';
import { readCriteriaSubtrees } from '../../src/modules/views/criteria-condition.js';
import { matchesCriteria } from '../../src/modules/views/criteria-memory.js';
import { createTestDb, DIALECTS, type TestDb } from '../helpers/db.js';
import { setPresence } from '../helpers/presence.js';

/**
 * Issue 12 item 11: for seeded random devices and seeded random criteria trees, the database's
 * answer (criteria-sql.ts) equals the in-memory evaluation (criteria-memory.ts), on both
 * databases. Values come from small vocabularies so that every operator both matches and misses.
 */

const SEEDS = [1, 7, 2026];
const DEVICES = 300;
const TREES_PER_SEED = 150;
const NOW = Date.UTC(2026, 11, 2, 12);
const DAY = 86_400_000;

function mulberry32(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['Reception', 'reception-2', 'LAB', 'lab-10', 'Kiosk', 'aug', 'Augsburg', 'b', 'x-1', 'Zed', 'a.b', '', '42'];
const VERSIONS = [
  '11.9.0',
  '11.10.100',
  '12.3',
  '12.3.1',
  '12.03.1',
  '11.10.100-beta',
  '',
  'v12',
  '9',
  '0.0',
  '12345678901.2',
  '1.0000000002',
];
const IPS = ['10.1.2.3', '10.1.200.7', '10.2.0.1', '192.168.0.10', '10.1.2.30', 'fe80::1', '', '010.1.2.3', '255.255.255.255'];
const NUMBERS = ['-12', '0', '3.5', '10', '100', '2.25', '7', '007'];
const RANGE = ['gold', 'silver', 'bronze', 'Gold'];
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const PATTERNS = ['^re', 'ab', '[0-9]$', '^(re|la)', 'e.*1', 'B', '^$', '\\d+', '[a-c]', 'o{2}', '(?:x|z)-?1', '\\.', '^.{3}$', 's'];

describe.each(DIALECTS)('views: criteria in the database = criteria in memory (%s)', (dialect) => {
  let testDb: TestDb;
  let db: DatabaseHandle;
  let rows: DeviceRow[];
  const parents = new Map<number, number | null>();
  const folderIds: number[] = [];
  // Device attributes of each type, profiles assigned to devices and folders.
  const attributes = new Map<string, ViewAttributeDef>();
  const values = new Map<string, string>(); // `${deviceId}:${attributeId}` → value
  const profileIds: number[] = [];
  const deviceProfiles = new Map<number, number[]>();
  const folderProfiles = new Map<number, number[]>();
  const memoryContext = () => ({
    now: NOW,
    parentOf: (id: number) => parents.get(id),
    attributes,
    attributeValue: (d: number, a: number) => values.get(`${d}:${a}`),
    deviceProfiles: (d: number) => deviceProfiles.get(d) ?? [],
    folderProfiles: (f: number) => folderProfiles.get(f) ?? [],
  });

  beforeAll(async () => {
    testDb = await createTestDb(dialect);
    db = testDb.open();
    await db.migrate();
    // A folder tree four levels deep.
    for (let i = 0; i < 12; i++) {
      const parent = i < 3 ? null : folderIds[Math.floor((i - 3) / 3)]!;
      const r = await db.db
        .insertInto('device_folders')
        .values({ name: `f${i}`, parent_id: parent, created_at: 1 } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      folderIds.push(Number(r.id));
      parents.set(Number(r.id), parent);
    }
    const rnd = mulberry32(99);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    const maybe = <T>(v: T) => (rnd() < 0.15 ? null : v);
    const time = () => NOW - Math.floor(rnd() * 20 * DAY);
    for (let i = 0; i < DEVICES; i++) {
      const name = `${pick(WORDS) || 'n'}-${i}`;
      const row = newDeviceRow({
        mac: `02${(i * 7919).toString(16).toUpperCase().padStart(10, '0')}`,
        name,
        folderId: rnd() < 0.2 ? null : pick(folderIds),
        now: time(),
        site: maybe(pick(WORDS)),
        comment: maybe(`${pick(WORDS)} ${pick(WORDS)}`),
        product: maybe(pick(WORDS)),
        network_name: maybe(pick(WORDS)),
        unit_id: maybe(`${pick(WORDS)}#${i}`),
        version: maybe(pick(VERSIONS)),
        last_ip: maybe(pick(IPS)),
        last_boot: rnd() < 0.3 ? null : time(),
        structure_tag: maybe(pick(WORDS)),
        config_state: pick([null, 'PENDING', 'APPLIED'] as const),
      });
      const presence = { last_contact: rnd() < 0.2 ? 0 : time(), online: rnd() < 0.5 ? 1 : 0 };
      const inserted = await db.db.insertInto('devices').values(row).returning('id').executeTakeFirstOrThrow();
      await setPresence(db.db, Number(inserted.id), presence);
    }
    const types = [
      ['location', 'string', null],
      ['seats', 'number', null],
      ['installed', 'date', null],
      ['tier', 'range', RANGE],
    ] as const;
    for (const [identifier, type, range] of types) {
      const r = await db.db
        .insertInto('device_attributes')
        .values({
          identifier,
          name: identifier,
          type,
          range_json: range && JSON.stringify(range),
          overwrite: 'all',
          created_at: 1,
          updated_at: 1,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      attributes.set(identifier, { id: Number(r.id), identifier, type, range });
    }
    for (let i = 0; i < 4; i++) {
      const r = await db.db
        .insertInto('profiles')
        .values({ name: `p${i}`, name_lc: `p${i}`, type: 'standard', based_on: 'x', settings: '{}', created_at: 1, updated_at: 1 } as never)
        .returning('id')
        .executeTakeFirstOrThrow();
      profileIds.push(Number(r.id));
    }
    const assign = async (profileId: number, type: 'device' | 'folder', id: number, into: Map<number, number[]>) => {
      if ((into.get(id) ?? []).includes(profileId)) return;
      await db.db
        .insertInto('profile_assignments')
        .values({ profile_id: profileId, target_type: type, target_id: id, created_at: 1 })
        .execute();
      into.set(id, [...(into.get(id) ?? []), profileId]);
    };
    for (let i = 0; i < 4; i++) await assign(pick(profileIds), 'folder', pick(folderIds), folderProfiles);
    const deviceIds = (await db.db.selectFrom('devices').select('id').orderBy('id').execute()).map((r) => Number(r.id));
    for (const id of deviceIds) {
      if (rnd() < 0.15) await assign(pick(profileIds), 'device', id, deviceProfiles);
      const set: Array<{ device_id: number; attribute_id: number; value: string; updated_at: number; set_by: string }> = [];
      for (const a of attributes.values()) {
        if (rnd() < 0.3) continue;
        const value =
          a.type === 'string'
            ? pick(WORDS.filter(Boolean))
            : a.type === 'number'
              ? pick(NUMBERS)
              : a.type === 'date'
                ? dayOf(time())
                : pick(RANGE);
        set.push({ device_id: id, attribute_id: a.id, value, updated_at: 1, set_by: 'server' });
        values.set(`${id}:${a.id}`, value);
      }
      if (set.length) await db.db.insertInto('device_attribute_values').values(set).execute();
    }
    rows = (await devicesWithPresence(db.db).select(DEVICE_COLUMNS).orderBy('id').execute()).map(
      (r) => ({ ...r, id: Number(r.id), folder_id: r.folder_id === null ? null : Number(r.folder_id) }) as DeviceRow,
    );
    for (const r of rows) {
      r.last_contact = Number(r.last_contact);
      r.registered_at = Number(r.registered_at);
      if (r.last_boot !== null) r.last_boot = Number(r.last_boot);
    }
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await testDb?.drop();
  });

  function randomCriteria(rnd: () => number): ViewCriteria {
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
    // Some bare days (midnight UTC): the boundaries of date attributes.
    const iso = () => (rnd() < 0.3 ? dayOf : (t: number) => new Date(t).toISOString())(NOW - Math.floor(rnd() * 20 * DAY));
    const days = () => Math.floor(rnd() * 15);
    const leaf = (): ViewCriteria => {
      const field = pick([...Object.keys(VIEW_DEVICE_FIELDS), ...[...attributes.keys()].map((a) => `attribute:${a}`)]) as ViewDeviceField;
      const kind = viewFieldDef(field, attributes)!.kind;
      const cs = rnd() < 0.3 ? { caseSensitive: true } : {};
      const word = () => pick(WORDS.filter(Boolean));
      switch (kind) {
        case 'number': {
          const op = pick(['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between', 'isEmpty'] as const);
          const n = () => pick([-12, 0, 3.5, 10, 7, 50, 2.25, 100]);
          if (op === 'isEmpty') return { field, op, ...(rnd() < 0.3 ? { value: false } : {}) };
          if (op === 'between') return { field, op, value: [n(), n()].sort((a, b) => a - b) };
          return { field, op, value: n() };
        }
        case 'range': {
          const op = pick(['eq', 'ne', 'isEmpty'] as const);
          return op === 'isEmpty' ? { field, op } : { field, op, value: pick(RANGE) };
        }
        case 'profile': {
          const op = pick(['eq', 'ne', 'isEmpty'] as const);
          return op === 'isEmpty' ? { field, op, ...(rnd() < 0.3 ? { value: false } : {}) } : { field, op, value: pick(profileIds) };
        }
        case 'boolean':
          return { field, op: pick(['eq', 'ne'] as const), value: rnd() < 0.5 };
        case 'folder': {
          const op = pick(['eq', 'ne', 'isEmpty', 'inFolder'] as const);
          if (op === 'isEmpty') return { field, op };
          if (op === 'inFolder') return { field, op, value: { id: pick(folderIds), recursive: rnd() < 0.6 } };
          return { field, op, value: pick(folderIds) };
        }
        case 'date': {
          const op = pick(['lt', 'lte', 'gt', 'gte', 'between', 'isEmpty', 'withinLastDays', 'moreThanDaysAgo', 'betweenDaysAgo'] as const);
          if (op === 'isEmpty') return { field, op, ...(rnd() < 0.3 ? { value: false } : {}) };
          if (op === 'withinLastDays' || op === 'moreThanDaysAgo') return { field, op, value: days() };
          if (op === 'betweenDaysAgo') return { field, op, value: [days(), days()].sort((a, b) => a - b) };
          if (op === 'between') return { field, op, value: [iso(), iso()].sort() };
          return { field, op, value: iso() };
        }
        default: {
          const ops = ['eq', 'ne', 'contains', 'startsWith', 'endsWith', 'regex', 'lt', 'lte', 'gt', 'gte', 'between', 'isEmpty'] as const;
          const op = kind === 'ip' && rnd() < 0.25 ? 'inCidr' : pick(ops);
          const value =
            kind === 'version'
              ? () => pick(VERSIONS.filter(Boolean))
              : kind === 'ip'
                ? () => pick(IPS.filter((x) => /^[1-9]/.test(x)))
                : word;
          if (op === 'inCidr')
            return { field, op, value: `${pick(['10.1.0.0', '10.0.0.0', '192.168.0.0', '10.1.2.0'])}/${pick([8, 16, 24, 27, 32])}` };
          if (op === 'isEmpty') return { field, op };
          if (op === 'regex') return { field, op, value: pick(PATTERNS), ...cs };
          if (op === 'between') return { field, op, value: [value(), value()].sort(), ...cs };
          if (kind === 'ip' && ['lt', 'lte', 'gt', 'gte'].includes(op)) return { field, op, value: value() };
          if (kind === 'mac') return { field, op, value: pick(['02', '02:00', 'a', '0F', '7']), ...cs };
          return {
            field,
            op,
            value: kind === 'ip' && (op === 'contains' || op === 'endsWith') ? pick(['.1', '10.', '3']) : value(),
            ...cs,
          };
        }
      }
    };
    const node = (depth: number): ViewCriteria => {
      if (depth >= 4 || rnd() < 0.35) return leaf();
      const r = rnd();
      if (r < 0.2) return { not: node(depth + 1) };
      const items = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => node(depth + 1));
      return r < 0.6 ? { and: items } : { or: items };
    };
    return node(1);
  }

  it.each(SEEDS)(
    'agrees on random criteria trees (seed %i)',
    async (seed) => {
      const rnd = mulberry32(seed);
      let matchedSome = 0;
      for (let n = 0; n < TREES_PER_SEED; n++) {
        const criteria = randomCriteria(rnd);
        expect(checkViewCriteria(criteria, 'criteria', attributes), JSON.stringify(criteria)).toBeNull();
        // Folder subtrees as the routes evaluate them (read beforehand) on odd trees, walked in the statement on even ones.
        const subtrees = n % 2 ? await readCriteriaSubtrees(db.db, criteria) : undefined;
        const cond = criteriaSql(criteria, { dialect, now: NOW, attributes, subtrees });
        const fromDb = (await devicesWithPresence(db.db).select('id').where(cond).orderBy('id').execute()).map((r) => Number(r.id));
        const inMemory = rows.filter((r) => matchesCriteria(criteria, r, memoryContext())).map((r) => r.id);
        expect(fromDb, JSON.stringify(criteria)).toEqual(inMemory);
        if (inMemory.length > 0 && inMemory.length < rows.length) matchedSome++;
        // The count the route answers with agrees too.
        if (n % 25 === 0) {
          const c = await devicesWithPresence(db.db)
            .select(sql<number>`count(*)`.as('n'))
            .where(cond)
            .executeTakeFirstOrThrow();
          expect(Number(c.n)).toBe(inMemory.length);
        }
      }
      // Most trees select a proper subset: the test says something.
      expect(matchedSome).toBeGreaterThan(TREES_PER_SEED / 3);
    },
    60_000,
  );
});
