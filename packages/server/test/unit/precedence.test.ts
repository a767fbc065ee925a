import {
  findParameter,
  isFreeInstanceGroup,
  PARAMETER_CATALOGUE,
  parseInstanceKey,
  TIME_ZONES,
  validateSetting,
  validateValue,
  type CatalogueParameter,
  type SettingValue,
} from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import {
  computeEffectiveConfiguration,
  listAssignedObjects,
  type ProfileAssignmentInput,
  type ProfileInput,
  type SettingSource,
  type Settings,
} from '../../src/modules/profiles/precedence.js';

// ---- builders ---------------------------------------------------------------------------------

const DEVICE = { id: 500, name: 'TC-0500' };
/** Folder ids encode the distance so expectations can name them: distance d → folder 100 + d. */
const assign =
  (priority: boolean) =>
  (id: number, distance: number, settings: Settings, extra: Partial<ProfileInput> = {}): ProfileAssignmentInput => ({
    profile: { id, name: `${priority ? 'Priority' : 'Standard'} ${id}`, priority, settings, ...extra },
    distance,
    ...(distance > 0 ? { folderId: 100 + distance, folderName: `Folder ${100 + distance}` } : {}),
  });
const std = assign(false);
const prio = assign(true);

type Tag = string; // 'device' | 'std:<id>' | 'prio:<id>'
const tag = (s: SettingSource): Tag => (s.type === 'device' ? 'device' : `${s.priority ? 'prio' : 'std'}:${s.id}`);

const K = 'userinterface.screensaver.timeout';
const WOL = 'system.remotemanager.wol_proxy.enabled';
const DOMAIN = 'network.dns.domain';
const NTP = 'system.time.ntp.servers';
const RDP = 'sessions.rdp[1].server';

interface Expectation {
  key: string;
  value: SettingValue;
  from: Tag;
  overridden: Tag[];
  via?: 'direct' | 'folder';
  folderId?: number;
}
interface Case {
  name: string;
  device?: Settings;
  assignments: ProfileAssignmentInput[];
  expect: Expectation[];
  absent?: string[];
}

// ---- the precedence table ---------------------------------------------------------------------

const cases: Case[] = [
  // Device < standard < priority
  {
    name: 'device only: its own configuration applies',
    device: { [K]: 10 },
    assignments: [],
    expect: [{ key: K, value: 10, from: 'device', overridden: [], via: 'direct' }],
  },
  {
    name: 'a direct standard profile overrides the device',
    device: { [K]: 10 },
    assignments: [std(1, 0, { [K]: 5 })],
    expect: [{ key: K, value: 5, from: 'std:1', overridden: ['device'], via: 'direct' }],
  },
  {
    name: 'a standard profile inherited from the folder overrides the device',
    device: { [K]: 10 },
    assignments: [std(1, 1, { [K]: 5 })],
    expect: [{ key: K, value: 5, from: 'std:1', overridden: ['device'], via: 'folder', folderId: 101 }],
  },
  {
    name: 'a priority profile overrides the device',
    device: { [K]: 10 },
    assignments: [prio(1, 0, { [K]: 7 })],
    expect: [{ key: K, value: 7, from: 'prio:1', overridden: ['device'] }],
  },

  // Standard profiles: closest wins, then higher id
  {
    name: 'standard: direct beats the folder, even with a lower id',
    device: { [K]: 10 },
    assignments: [std(9, 1, { [K]: 15 }), std(2, 0, { [K]: 5 })],
    expect: [{ key: K, value: 5, from: 'std:2', overridden: ['std:9', 'device'] }],
  },
  {
    name: "standard: the device's folder beats the parent folder",
    assignments: [std(8, 2, { [K]: 15 }), std(4, 1, { [K]: 20 })],
    expect: [{ key: K, value: 20, from: 'std:4', overridden: ['std:8'], via: 'folder', folderId: 101 }],
  },
  {
    name: 'standard: distance outweighs a much higher id',
    assignments: [std(99, 3, { [K]: 30 }), std(1, 1, { [K]: 3 })],
    expect: [{ key: K, value: 3, from: 'std:1', overridden: ['std:99'] }],
  },
  {
    name: 'standard: same distance (direct), higher id wins',
    device: { [K]: 10 },
    assignments: [std(10, 0, { [K]: 5 }), std(20, 0, { [K]: 6 })],
    expect: [{ key: K, value: 6, from: 'std:20', overridden: ['std:10', 'device'] }],
  },
  {
    name: 'standard: same folder distance, higher id wins whatever the input order',
    assignments: [std(30, 2, { [K]: 8 }), std(12, 2, { [K]: 9 })],
    expect: [{ key: K, value: 8, from: 'std:30', overridden: ['std:12'] }],
  },
  {
    name: 'standard: three at one distance are ranked by id, highest first',
    device: { [K]: 10 },
    assignments: [std(5, 1, { [K]: 1 }), std(7, 1, { [K]: 2 }), std(6, 1, { [K]: 3 })],
    expect: [{ key: K, value: 2, from: 'std:7', overridden: ['std:6', 'std:5', 'device'] }],
  },

  // Priority profiles override every standard profile
  {
    name: 'priority: a far priority profile beats a direct standard profile',
    device: { [K]: 10 },
    assignments: [std(50, 0, { [K]: 5 }), prio(2, 3, { [K]: 9 })],
    expect: [{ key: K, value: 9, from: 'prio:2', overridden: ['std:50', 'device'] }],
  },
  {
    name: 'priority: a direct priority profile beats a direct standard profile with a higher id',
    assignments: [std(90, 0, { [K]: 5 }), prio(1, 0, { [K]: 9 })],
    expect: [{ key: K, value: 9, from: 'prio:1', overridden: ['std:90'] }],
  },

  // Priority profiles: closer = LOWER priority, then higher id
  {
    name: "priority: the parent folder beats the device's folder (farther wins)",
    assignments: [prio(9, 1, { [K]: 1 }), prio(4, 2, { [K]: 2 })],
    expect: [{ key: K, value: 2, from: 'prio:4', overridden: ['prio:9'], via: 'folder', folderId: 102 }],
  },
  {
    name: 'priority: a folder assignment beats a direct one',
    assignments: [prio(9, 0, { [K]: 1 }), prio(2, 1, { [K]: 2 })],
    expect: [{ key: K, value: 2, from: 'prio:2', overridden: ['prio:9'] }],
  },
  {
    name: 'priority: of three, the farthest wins and the rest follow farther-first',
    device: { [K]: 10 },
    assignments: [prio(1, 0, { [K]: 1 }), prio(2, 3, { [K]: 2 }), prio(3, 1, { [K]: 3 })],
    expect: [{ key: K, value: 2, from: 'prio:2', overridden: ['prio:3', 'prio:1', 'device'] }],
  },
  {
    name: 'priority: same folder distance, higher id wins',
    assignments: [prio(11, 1, { [K]: 1 }), prio(12, 1, { [K]: 2 })],
    expect: [{ key: K, value: 2, from: 'prio:12', overridden: ['prio:11'] }],
  },
  {
    name: 'priority: same distance (direct), higher id wins',
    assignments: [prio(21, 0, { [K]: 1 }), prio(20, 0, { [K]: 2 })],
    expect: [{ key: K, value: 1, from: 'prio:21', overridden: ['prio:20'] }],
  },
  {
    name: 'full chain: far priority > near priority > near standard > far standard > device',
    device: { [K]: 10 },
    assignments: [std(1, 2, { [K]: 1 }), std(2, 0, { [K]: 2 }), prio(3, 0, { [K]: 3 }), prio(4, 2, { [K]: 4 })],
    expect: [{ key: K, value: 4, from: 'prio:4', overridden: ['prio:3', 'std:2', 'std:1', 'device'] }],
  },

  // A setting specified in one profile only is never overridden
  {
    name: 'only a far standard profile sets it: a nearer one that lacks it changes nothing',
    device: { [K]: 10 },
    assignments: [std(1, 2, { [K]: 15 }), std(2, 0, { [DOMAIN]: 'corp.example' })],
    expect: [
      { key: K, value: 15, from: 'std:1', overridden: ['device'] },
      { key: DOMAIN, value: 'corp.example', from: 'std:2', overridden: [] },
    ],
  },
  {
    name: 'only a near priority profile sets it: a farther one that lacks it changes nothing',
    assignments: [prio(1, 0, { [K]: 3 }), prio(2, 3, { [DOMAIN]: 'corp.example' })],
    expect: [{ key: K, value: 3, from: 'prio:1', overridden: [] }],
  },
  {
    name: 'only a standard profile sets it: priority profiles without it leave it alone',
    assignments: [std(1, 0, { [K]: 3 }), prio(2, 2, { [DOMAIN]: 'corp.example' })],
    expect: [
      { key: K, value: 3, from: 'std:1', overridden: [] },
      { key: DOMAIN, value: 'corp.example', from: 'prio:2', overridden: [] },
    ],
  },
  {
    name: 'a single far profile with no competitor',
    assignments: [std(1, 4, { [K]: 3 })],
    expect: [{ key: K, value: 3, from: 'std:1', overridden: [], via: 'folder', folderId: 104 }],
  },

  // Only activated parameters apply
  {
    name: 'a parameter not activated in the stronger profile does not apply',
    device: { [K]: 10 },
    assignments: [std(1, 1, { [K]: 15 }), std(2, 0, { [K]: 5 }, { activated: [] })],
    expect: [{ key: K, value: 15, from: 'std:1', overridden: ['device'] }],
  },
  {
    name: 'not activated anywhere: the device value stays',
    device: { [K]: 10 },
    assignments: [std(1, 0, { [K]: 5, [DOMAIN]: 'a.example' }, { activated: [DOMAIN] })],
    expect: [
      { key: K, value: 10, from: 'device', overridden: [] },
      { key: DOMAIN, value: 'a.example', from: 'std:1', overridden: [] },
    ],
  },
  {
    name: 'a priority profile applies only its activated parameters',
    assignments: [prio(2, 1, { [K]: 1, [DOMAIN]: 'p.example' }, { activated: [DOMAIN] }), std(1, 0, { [K]: 5 })],
    expect: [
      { key: K, value: 5, from: 'std:1', overridden: [] },
      { key: DOMAIN, value: 'p.example', from: 'prio:2', overridden: [] },
    ],
  },

  // Values are compared as set, never by truthiness; lists are replaced whole
  {
    name: 'false in the stronger profile overrides true',
    assignments: [std(1, 0, { [WOL]: true }), std(2, 0, { [WOL]: false })],
    expect: [{ key: WOL, value: false, from: 'std:2', overridden: ['std:1'] }],
  },
  {
    name: 'an empty string is a value and overrides the device',
    device: { [DOMAIN]: 'corp.example' },
    assignments: [std(1, 0, { [DOMAIN]: '' })],
    expect: [{ key: DOMAIN, value: '', from: 'std:1', overridden: ['device'] }],
  },
  {
    name: 'a list replaces a weaker list instead of merging with it',
    assignments: [std(1, 1, { [NTP]: ['ntp1.example'] }), std(2, 0, { [NTP]: ['ntp2.example', 'ntp3.example'] })],
    expect: [{ key: NTP, value: ['ntp2.example', 'ntp3.example'], from: 'std:2', overridden: ['std:1'] }],
  },

  // One profile reached along several paths counts once, with its strongest path
  {
    name: 'standard profile assigned directly and via a folder counts once, as direct',
    device: { [K]: 10 },
    assignments: [std(1, 2, { [K]: 5 }), std(2, 1, { [K]: 9 }), std(1, 0, { [K]: 5 })],
    expect: [{ key: K, value: 5, from: 'std:1', overridden: ['std:2', 'device'], via: 'direct' }],
  },
  {
    name: 'priority profile assigned directly and via a folder counts once, via the farther folder',
    device: { [K]: 10 },
    assignments: [prio(1, 0, { [K]: 5 }), prio(2, 1, { [K]: 9 }), prio(1, 2, { [K]: 5 })],
    expect: [{ key: K, value: 5, from: 'prio:1', overridden: ['prio:2', 'device'], via: 'folder', folderId: 102 }],
  },

  // Parameters outside the catalogue and fixed instances
  {
    name: 'a parameter the catalogue does not know still takes part',
    device: { 'vendor.custom.flag': 'a' },
    assignments: [std(1, 0, { 'vendor.custom.flag': 'b' })],
    expect: [{ key: 'vendor.custom.flag', value: 'b', from: 'std:1', overridden: ['device'] }],
  },
  {
    name: 'fixed instances (monitor 1) follow the priority rule',
    device: { 'userinterface.display.monitor[1].resolution': 'auto' },
    assignments: [
      std(1, 1, { 'userinterface.display.monitor[1].resolution': '1920x1080' }),
      std(2, 0, { 'userinterface.display.monitor[1].resolution': '2560x1440' }),
    ],
    expect: [{ key: 'userinterface.display.monitor[1].resolution', value: '2560x1440', from: 'std:2', overridden: ['std:1', 'device'] }],
  },

  // Free instances co-exist, keyed by source and instance
  {
    name: 'free instances from two standard profiles co-exist',
    assignments: [std(1, 0, { [RDP]: 'ts1.example' }), std(2, 1, { [RDP]: 'ts2.example' })],
    expect: [
      { key: 'sessions.rdp[profile:1:1].server', value: 'ts1.example', from: 'std:1', overridden: [] },
      { key: 'sessions.rdp[profile:2:1].server', value: 'ts2.example', from: 'std:2', overridden: [] },
    ],
  },
  {
    name: 'free instances from a priority and a standard profile co-exist',
    assignments: [prio(3, 0, { [RDP]: 'ts3.example' }), std(4, 0, { [RDP]: 'ts4.example' })],
    expect: [
      { key: 'sessions.rdp[profile:3:1].server', value: 'ts3.example', from: 'prio:3', overridden: [] },
      { key: 'sessions.rdp[profile:4:1].server', value: 'ts4.example', from: 'std:4', overridden: [] },
    ],
  },
  {
    name: "the device's own free instances are kept next to profile instances",
    device: { [RDP]: 'local.example' },
    assignments: [std(1, 0, { [RDP]: 'ts1.example' })],
    expect: [
      { key: 'sessions.rdp[device:1].server', value: 'local.example', from: 'device', overridden: [] },
      { key: 'sessions.rdp[profile:1:1].server', value: 'ts1.example', from: 'std:1', overridden: [] },
    ],
  },
  {
    name: 'the fields of one free instance stay together under one instance key',
    assignments: [std(1, 0, { 'sessions.rdp[a].server': 'ts.example', 'sessions.rdp[a].port': 3390 })],
    expect: [
      { key: 'sessions.rdp[profile:1:a].port', value: 3390, from: 'std:1', overridden: [] },
      { key: 'sessions.rdp[profile:1:a].server', value: 'ts.example', from: 'std:1', overridden: [] },
    ],
  },
  {
    name: 'a free instance does not compete with general settings of its session type',
    assignments: [
      std(1, 0, { 'sessions.rdp_global.performance.h264': false, [RDP]: 'a.example' }),
      prio(2, 0, { 'sessions.rdp_global.performance.h264': true }),
    ],
    expect: [
      { key: 'sessions.rdp_global.performance.h264', value: true, from: 'prio:2', overridden: ['std:1'] },
      { key: 'sessions.rdp[profile:1:1].server', value: 'a.example', from: 'std:1', overridden: [] },
    ],
  },

  // Nothing sets it
  {
    name: 'a parameter nobody sets is absent',
    assignments: [std(1, 0, { [DOMAIN]: 'x.example' })],
    expect: [{ key: DOMAIN, value: 'x.example', from: 'std:1', overridden: [] }],
    absent: [K],
  },
];

describe('effective configuration precedence', () => {
  it('states at least 30 rules', () => expect(cases.length).toBeGreaterThanOrEqual(30));

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const result = computeEffectiveConfiguration({ device: { ...DEVICE, settings: c.device ?? {} }, assignments: c.assignments });
    const byKey = new Map(result.map((p) => [p.key, p]));
    for (const e of c.expect) {
      const p = byKey.get(e.key);
      expect(p, `effective ${e.key}`).toBeDefined();
      if (!p) continue;
      expect({ value: p.value, from: tag(p.source), overridden: p.overridden.map((o) => tag(o.source)) }).toEqual({
        value: e.value,
        from: e.from,
        overridden: e.overridden,
      });
      if (e.via) expect(p.source.via).toBe(e.via);
      if (e.folderId !== undefined) expect(p.source.folderId).toBe(e.folderId);
    }
    for (const key of c.absent ?? []) expect(byKey.has(key), `${key} absent`).toBe(false);
  });

  it('reports provenance in full: values of the overridden candidates, names and folders', () => {
    const [p] = computeEffectiveConfiguration({
      device: { ...DEVICE, settings: { [K]: 10 } },
      assignments: [std(7, 2, { [K]: 5 })],
    });
    expect(p).toEqual({
      key: K,
      sourceKey: K,
      value: 5,
      source: { type: 'profile', id: 7, name: 'Standard 7', priority: false, via: 'folder', folderId: 102, folderName: 'Folder 102' },
      overridden: [{ value: 10, source: { type: 'device', id: 500, name: 'TC-0500', priority: false, via: 'direct' } }],
    });
  });

  it('lists parameters sorted by key and keeps the source key of free instances', () => {
    const result = computeEffectiveConfiguration({
      device: { ...DEVICE, settings: { [WOL]: true, [K]: 5 } },
      assignments: [std(3, 0, { [RDP]: 'ts.example' })],
    });
    expect(result.map((p) => p.key)).toEqual([WOL, 'sessions.rdp[profile:3:1].server', K].sort());
    expect(result.find((p) => p.key.startsWith('sessions.rdp'))?.sourceKey).toBe(RDP);
  });

  it('lets the caller decide which groups are free', () => {
    const result = computeEffectiveConfiguration({
      device: { ...DEVICE, settings: {} },
      assignments: [std(1, 0, { [RDP]: 'a' }), std(2, 0, { [RDP]: 'b' })],
      isFreeInstanceGroup: () => false,
    });
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ key: RDP, value: 'b', overridden: [{ value: 'a' }] });
  });

  it('refuses a negative distance and a folder assignment without its folder', () => {
    const device = { ...DEVICE, settings: {} };
    expect(() => computeEffectiveConfiguration({ device, assignments: [std(1, -1, {})] })).toThrow(/profile 1: distance/);
    const noFolder: ProfileAssignmentInput = { profile: { id: 2, name: 'x', priority: false, settings: {} }, distance: 1 };
    expect(() => listAssignedObjects([noFolder])).toThrow(/profile 2: .*folderId/);
  });
});

// ---- assigned objects -------------------------------------------------------------------------

const assignedCases: { name: string; assignments: ProfileAssignmentInput[]; order: Tag[] }[] = [
  {
    name: 'priority first (farthest first), then standard (nearest first), ties by higher id',
    assignments: [std(1, 2, {}), std(2, 0, {}), std(3, 0, {}), prio(4, 0, {}), prio(5, 1, {}), prio(6, 1, {})],
    order: ['prio:6', 'prio:5', 'prio:4', 'std:3', 'std:2', 'std:1'],
  },
  { name: 'a profile reached twice is listed once', assignments: [std(1, 0, {}), std(1, 2, {}), std(2, 1, {})], order: ['std:1', 'std:2'] },
  { name: 'nothing assigned', assignments: [], order: [] },
];

describe('assigned objects', () => {
  it.each(assignedCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    expect(listAssignedObjects(c.assignments).map(tag)).toEqual(c.order);
  });

  it('names the source of each entry: direct or inherited from a folder', () => {
    expect(listAssignedObjects([std(1, 0, {}), prio(2, 3, {}), std(1, 2, {})])).toEqual([
      { type: 'profile', id: 2, name: 'Priority 2', priority: true, via: 'folder', distance: 3, folderId: 103, folderName: 'Folder 103' },
      { type: 'profile', id: 1, name: 'Standard 1', priority: false, via: 'direct', distance: 0 },
    ]);
  });
});

// ---- the parameter catalogue ------------------------------------------------------------------

const param = (key: string): CatalogueParameter => {
  const p = findParameter(key);
  if (!p) throw new Error(`${key} missing from the catalogue`);
  return p;
};

describe('parameter catalogue', () => {
  const { parameters } = PARAMETER_CATALOGUE;

  it('is based on an OS version and holds at least 150 parameters', () => {
    expect(PARAMETER_CATALOGUE.basedOn).toMatch(/^\d+\.\d+/);
    expect(parameters.length).toBeGreaterThanOrEqual(150);
  });

  it('has unique, dotted, lower-case keys with a group path and a description', () => {
    const keys = parameters.map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const p of parameters) {
      expect(p.key).toMatch(/^[a-z][a-z0-9_]*(\[\])?(\.[a-z0-9_]+(\[\])?)+$/);
      expect(p.group.length, p.key).toBeGreaterThan(0);
      expect(p.description.length, p.key).toBeGreaterThan(5);
    }
  });

  it.each([
    ['system.remotemanager.wol_proxy.enabled', 'bool'],
    ['userinterface.screensaver.timeout', 'integer'],
    ['network.dns.domain', 'string'],
    ['system.time.timezone', 'enum'],
    ['update.firmware.password', 'secret'],
    ['network.dns.servers', 'list'],
  ])('has %s as %s', (key, type) => expect(param(key).type).toBe(type));

  it('measures the screensaver timeout in minutes and offers IANA time zones', () => {
    expect(param(K)).toMatchObject({ unit: 'minutes' });
    const tz = param('system.time.timezone');
    expect(tz.type === 'enum' && tz.values).toEqual(TIME_ZONES);
    expect(TIME_ZONES).toContain('Europe/Berlin');
    expect(new Set(TIME_ZONES).size).toBe(TIME_ZONES.length);
    expect(TIME_ZONES.length).toBeGreaterThanOrEqual(50);
    for (const zone of TIME_ZONES) expect(() => new Intl.DateTimeFormat('en', { timeZone: zone })).not.toThrow();
  });

  it('accepts every default', () => {
    for (const p of parameters) expect(validateValue(p, p.default)).toBeNull();
  });

  it('declares every repeatable group it uses, and uses every group it declares', () => {
    const used = new Set(parameters.filter((p) => p.key.includes('[]')).map((p) => p.key.slice(0, p.key.indexOf('[]'))));
    expect([...used].sort()).toEqual(PARAMETER_CATALOGUE.instanceGroups.map((g) => g.key).sort());
    expect(isFreeInstanceGroup('sessions.rdp')).toBe(true);
    expect(isFreeInstanceGroup('userinterface.display.monitor')).toBe(false);
  });

  it('finds parameters by catalogue key and by instance key', () => {
    expect(findParameter('sessions.rdp[7].server')?.key).toBe('sessions.rdp[].server');
    expect(findParameter('no.such.parameter')).toBeUndefined();
    expect(parseInstanceKey('sessions.rdp[7].server')).toEqual({
      group: 'sessions.rdp',
      instanceId: '7',
      field: 'server',
      template: 'sessions.rdp[].server',
    });
    expect(parseInstanceKey(K)).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    [WOL, 'yes', /true or false/],
    [K, 1.5, /integer from 1 to 720 \(minutes\)/],
    [K, 0, /from 1 to 720/],
    [K, 721, /from 1 to 720/],
    [K, '5', /integer/],
    [DOMAIN, 42, /a string/],
    [DOMAIN, 'a'.repeat(254), /at most 253 characters/],
    [DOMAIN, 'not a domain!', /format/],
    ['system.time.timezone', 'Mars/Olympus_Mons', /allowed values/],
    ['update.firmware.protocol', 'gopher', /one of http, https/],
    ['update.firmware.password', 1234, /secret/],
    ['network.dns.servers', '10.0.0.1', /a list/],
    ['network.dns.servers', ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'], /at most 3 entries/],
    ['network.dns.servers', [1], /entry 1 must be a string/],
    ['security.usb.allowed_devices', ['not-an-id'], /entry 1 .* format/],
  ])('rejects %s = %j, naming the parameter', (key, value, reason) => {
    const error = validateValue(param(key), value);
    expect(error?.key).toBe(key);
    expect(error?.message.startsWith(`${key}: `)).toBe(true);
    expect(error?.message).toMatch(reason);
  });

  it.each<[string, unknown]>([
    [WOL, true],
    [K, 1],
    [K, 720],
    [DOMAIN, 'corp.example.com'],
    [DOMAIN, ''],
    ['system.time.timezone', 'Europe/Berlin'],
    ['update.firmware.password', 's3cret'],
    ['network.dns.servers', ['10.0.0.1', 'dns.example']],
  ])('accepts %s = %j', (key, value) => expect(validateValue(param(key), value)).toBeNull());

  it('validates settings by key: unknown keys, missing or non-existent instances', () => {
    expect(validateSetting('no.such.parameter', 1)?.message).toMatch(/^no\.such\.parameter: unknown parameter/);
    expect(validateSetting('sessions.rdp[].server', 'a')?.message).toMatch(/name an instance/);
    expect(validateSetting('userinterface.display.monitor[9].rotation', 'left')?.message).toMatch(/monitor 9 does not exist/);
    expect(validateSetting('sessions.rdp[3].port', 70000)?.message).toMatch(/^sessions\.rdp\[3\]\.port: expected an integer/);
    expect(validateSetting('userinterface.display.monitor[2].rotation', 'left')).toBeNull();
  });
});
