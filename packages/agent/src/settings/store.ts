import { renameSync } from 'node:fs';
import type { SettingValue } from '@openums/protocol';
import { readTextIfExists, writeDurableFile } from '../lib/files.js';
import type { Logger } from '../lib/log.js';
import { settingsHash } from './hash.js';
import { checkSettingsMap, sameValue, type SettingsChanges, type SettingsMap } from './values.js';

const FORMAT = 1;

/** What an apply changed; each list sorted. */
export interface SettingsDiff {
  added: string[];
  changed: string[];
  removed: string[];
}

export const changedKeys = (d: SettingsDiff): string[] => [...d.added, ...d.changed, ...d.removed].sort();

/**
 * The device's effective configuration as last applied: the server's complete map, plus values
 * set on the device itself (`openums-agent settings set`) until the server sends a map again.
 * One JSON file, replaced atomically and durably on every change, so the hash the agent reports
 * in `hello` is always the hash of what is on disk. Keys the catalogue does not know are kept as
 * given (a newer server may know more parameters than this agent).
 *
 * Not safe for concurrent writers on its own: callers hold the settings lock (lock.ts) from
 * load to save.
 */
export class SettingsStore {
  private values: SettingsMap;
  private cachedHash: string | null = null;

  private constructor(
    readonly path: string,
    private rev: number,
    values: SettingsMap,
  ) {
    this.values = values;
  }

  /** A missing file is an empty store; a corrupt one is set aside and the store starts empty (the server then sends everything again). */
  static load(path: string, log?: Logger): SettingsStore {
    const text = readTextIfExists(path);
    if (text === null) return new SettingsStore(path, 0, Object.create(null) as SettingsMap);
    const parsed = parseStoreFile(text);
    if (parsed.ok) return new SettingsStore(path, parsed.revision, parsed.settings);
    const aside = `${path}.corrupt-${Date.now()}`;
    renameSync(path, aside);
    log?.warn(`settings store ${path} is unreadable (${parsed.error}); moved to ${aside}, starting empty`);
    return new SettingsStore(path, 0, Object.create(null) as SettingsMap);
  }

  /** Revision of the last configuration received from the server (0: none yet). */
  get revision(): number {
    return this.rev;
  }

  get size(): number {
    return Object.keys(this.values).length;
  }

  get(key: string): SettingValue | undefined {
    return Object.hasOwn(this.values, key) ? this.values[key] : undefined;
  }

  /** A copy, keys sorted. */
  entries(): Array<[string, SettingValue]> {
    return Object.keys(this.values)
      .sort()
      .map((k) => [k, this.values[k]!]);
  }

  hash(): string {
    return (this.cachedHash ??= settingsHash(this.values));
  }

  /**
   * Replaces the whole map with a configuration from the server and saves it. `settings` must
   * already be checked (checkSettingsMap).
   */
  replace(settings: SettingsMap, revision: number): SettingsDiff {
    const diff: SettingsDiff = { added: [], changed: [], removed: [] };
    for (const [k, v] of Object.entries(settings)) {
      if (!Object.hasOwn(this.values, k)) diff.added.push(k);
      else if (!sameValue(this.values[k], v)) diff.changed.push(k);
    }
    for (const k of Object.keys(this.values)) if (!Object.hasOwn(settings, k)) diff.removed.push(k);
    const next = Object.create(null) as SettingsMap;
    Object.assign(next, settings);
    this.values = next;
    this.rev = revision;
    this.cachedHash = null;
    this.save();
    return sortDiff(diff);
  }

  /** Local changes (null removes a key); saves only when something changed. */
  change(changes: SettingsChanges): SettingsDiff {
    const diff: SettingsDiff = { added: [], changed: [], removed: [] };
    for (const [k, v] of Object.entries(changes)) {
      const had = Object.hasOwn(this.values, k);
      if (v === null) {
        if (!had) continue;
        delete this.values[k];
        diff.removed.push(k);
      } else {
        if (had && sameValue(this.values[k], v)) continue;
        (had ? diff.changed : diff.added).push(k);
        this.values[k] = v;
      }
    }
    if (diff.added.length + diff.changed.length + diff.removed.length > 0) {
      this.cachedHash = null;
      this.save();
    }
    return sortDiff(diff);
  }

  /** Records a revision whose map equals the stored one (nothing else changes). */
  setRevision(revision: number): void {
    if (revision === this.rev) return;
    this.rev = revision;
    this.save();
  }

  /** The current value of each given key, null for absent ones: what hooks receive. */
  valuesOf(keys: readonly string[]): SettingsChanges {
    const out: SettingsChanges = {};
    for (const k of keys) out[k] = this.get(k) ?? null;
    return out;
  }

  private save(): void {
    const settings: Record<string, SettingValue> = {};
    for (const [k, v] of this.entries()) settings[k] = v;
    const file = { format: FORMAT, revision: this.rev, updatedAt: new Date().toISOString(), settings };
    writeDurableFile(this.path, `${JSON.stringify(file, null, 2)}\n`);
  }
}

function sortDiff(d: SettingsDiff): SettingsDiff {
  d.added.sort();
  d.changed.sort();
  d.removed.sort();
  return d;
}

type ParsedStore = { ok: true; revision: number; settings: SettingsMap } | { ok: false; error: string };

/** The file is ours, but it is read back as input all the same (hand edits, disk faults). */
function parseStoreFile(text: string): ParsedStore {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'not an object' };
  const { format, revision, settings } = raw as Record<string, unknown>;
  if (format !== FORMAT) return { ok: false, error: `unknown format ${JSON.stringify(format)}` };
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) return { ok: false, error: 'bad revision' };
  const checked = checkSettingsMap(settings);
  if (!checked.ok) return { ok: false, error: checked.error };
  return { ok: true, revision, settings: checked.settings };
}
