import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalSettingsJson } from '@openums/protocol';
import { silentLogger } from '../lib/log.js';
import { EMPTY_SETTINGS_HASH, settingsHash } from './hash.js';
import { changedKeys, SettingsStore } from './store.js';
import { checkSettingsMap, type SettingsMap } from './values.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'settings-store-'));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const map = (o: Record<string, unknown>): SettingsMap => {
  const c = checkSettingsMap(o);
  if (!c.ok) throw new Error(c.error);
  return c.settings;
};

describe('settings hash', () => {
  it('is SHA-256 hex of the protocol canonical form: entries sorted by key, as JSON', () => {
    const s = {
      'userinterface.screensaver.timeout': 5,
      'a.list': ['x', 'y'],
      'sessions.rdp[profile:12:1].server': 'rdp.example',
      'b.flag': true,
    };
    // Pinned literally, so a change of the canonical form on either side breaks this test.
    const text =
      '[["a.list",["x","y"]],["b.flag",true],["sessions.rdp[profile:12:1].server","rdp.example"],["userinterface.screensaver.timeout",5]]';
    expect(canonicalSettingsJson(s)).toBe(text);
    expect(settingsHash(s)).toBe(sha256(text));
    expect(EMPTY_SETTINGS_HASH).toBe(sha256('[]'));
  });

  it('does not depend on insertion order', () => {
    expect(settingsHash({ b: 1, a: 2 })).toBe(settingsHash({ a: 2, b: 1 }));
    expect(settingsHash({ a: 1 })).not.toBe(settingsHash({ a: '1' }));
  });
});

describe('SettingsStore', () => {
  it('starts empty, replaces the whole map with a diff, and survives a reload', () => {
    const path = join(tmp(), 'settings.json');
    const store = SettingsStore.load(path);
    expect(store.revision).toBe(0);
    expect(store.hash()).toBe(EMPTY_SETTINGS_HASH);
    expect(existsSync(path)).toBe(false);

    const first = store.replace(map({ 'a.x': 1, 'a.y': true, 'b.list': ['p'], 'future.param.unknown': 'kept' }), 3);
    expect(first).toEqual({ added: ['a.x', 'a.y', 'b.list', 'future.param.unknown'], changed: [], removed: [] });

    const second = store.replace(map({ 'a.x': 2, 'b.list': ['p'], 'c.new': 'n', 'future.param.unknown': 'kept' }), 4);
    expect(second).toEqual({ added: ['c.new'], changed: ['a.x'], removed: ['a.y'] });
    expect(changedKeys(second)).toEqual(['a.x', 'a.y', 'c.new']);
    // A list with the same items is unchanged; with other items it is changed.
    expect(store.replace(map({ 'a.x': 2, 'b.list': ['p', 'q'], 'c.new': 'n', 'future.param.unknown': 'kept' }), 5).changed).toEqual([
      'b.list',
    ]);

    const again = SettingsStore.load(path);
    expect(again.revision).toBe(5);
    expect(again.hash()).toBe(store.hash());
    expect(again.hash()).toBe(settingsHash({ 'a.x': 2, 'b.list': ['p', 'q'], 'c.new': 'n', 'future.param.unknown': 'kept' }));
    expect(again.get('future.param.unknown')).toBe('kept');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(path, 'utf8'));
    expect(file).toMatchObject({ format: 1, revision: 5, settings: { 'a.x': 2, 'c.new': 'n' } });
  });

  it('writes by rename (a new file each time, no temp files left), so a reader never sees half a store', () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    const store = SettingsStore.load(path);
    store.replace(map({ k: 1 }), 1);
    const inode = statSync(path).ino;
    store.replace(map({ k: 2 }), 2);
    expect(statSync(path).ino).not.toBe(inode);
    expect(readdirSync(dir)).toEqual(['settings.json']);
  });

  it('applies local changes: set, unset (null), and reports only real changes', () => {
    const path = join(tmp(), 'settings.json');
    const store = SettingsStore.load(path);
    store.replace(map({ 'a.x': 1, 'a.y': 'y' }), 7);
    expect(store.change({ 'a.x': 1, 'a.z': [] })).toEqual({ added: ['a.z'], changed: [], removed: [] });
    expect(store.change({ 'a.x': 9, 'a.y': null, 'a.none': null })).toEqual({ added: [], changed: ['a.x'], removed: ['a.y'] });
    const mtime = statSync(path).mtimeMs;
    expect(changedKeys(store.change({ 'a.x': 9 }))).toEqual([]);
    expect(statSync(path).mtimeMs).toBe(mtime);
    const again = SettingsStore.load(path);
    // Local changes keep the server's revision.
    expect(again.revision).toBe(7);
    expect(again.entries()).toEqual([
      ['a.x', 9],
      ['a.z', []],
    ]);
    expect(again.valuesOf(['a.x', 'a.y'])).toEqual({ 'a.x': 9, 'a.y': null });
  });

  it('sets a corrupt or invalid file aside and starts empty', () => {
    const dir = tmp();
    const path = join(dir, 'settings.json');
    for (const bad of [
      '{not json',
      JSON.stringify({ format: 1, revision: 1, settings: { 'bad key!': 1 } }),
      JSON.stringify({ format: 1, revision: 1, settings: { k: 1.5 } }),
      JSON.stringify({ format: 9, revision: 1, settings: {} }),
    ]) {
      writeFileSync(path, bad);
      const warnings: string[] = [];
      const store = SettingsStore.load(path, { ...silentLogger, warn: (m) => warnings.push(m) });
      expect(store.size).toBe(0);
      expect(store.hash()).toBe(EMPTY_SETTINGS_HASH);
      expect(existsSync(path)).toBe(false);
      expect(warnings.join()).toContain('moved to');
    }
    expect(readdirSync(dir).filter((n) => n.startsWith('settings.json.corrupt-')).length).toBeGreaterThanOrEqual(1);
  });
});

describe('checkSettingsMap', () => {
  it('accepts the wire types and refuses anything else, naming the key', () => {
    expect(checkSettingsMap({ 'a.b': true, 'a.c': 3, 'a.d': 's', 'a.e': ['x'] }).ok).toBe(true);
    const bad: Array<[Record<string, unknown> | unknown, string]> = [
      [{ 'a.b': 1.5 }, 'a.b: numbers must be whole'],
      [{ 'a.b': null }, 'a.b: expected'],
      [{ 'a.b': { x: 1 } }, 'a.b: expected'],
      [{ 'a.b': [1] }, 'a.b: list entries must be strings'],
      [{ 'a.b': 'x'.repeat(4097) }, 'a.b: text longer than 4096'],
      [{ 'a b': 1 }, 'may only contain'],
      [{ ['k'.repeat(201)]: 1 }, '1-200 characters'],
      [[], 'settings must be an object'],
    ];
    for (const [input, message] of bad) {
      const r = checkSettingsMap(input);
      expect(r.ok).toBe(false);
      expect(r.ok ? '' : r.error).toContain(message);
    }
    // Would change the prototype of the plain objects settings travel in.
    expect(checkSettingsMap(JSON.parse('{"__proto__": 1}'))).toEqual({
      ok: false,
      error: '__proto__: setting key "__proto__" is reserved',
    });
  });
});
