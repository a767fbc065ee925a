import { describe, expect, it } from 'vitest';
import type { SettingsMessage } from '@openums/protocol';
import { EMPTY_SETTINGS_HASH, settingsHash } from '../settings/hash.js';
import type { SettingsMap } from '../settings/values.js';
import { applySimSettings, loadSimSettings } from './sim-settings.js';
import { addStats, emptyStats } from './stats.js';

const msg = (revision: number, settings: Record<string, number | string>, hash = settingsHash(settings)): SettingsMessage => ({
  t: 'settings',
  revision,
  hash,
  settings,
});

describe('virtual device settings', () => {
  it('applies a verified map, answers with its hash, and shares equal maps between devices', () => {
    const intern = new Map<string, SettingsMap>();
    const m = msg(1, { 'a.b': 1 });
    const a = applySimSettings(null, m, intern);
    expect(a).toMatchObject({ changed: true, answer: { t: 'settings-applied', revision: 1, hash: m.hash, ok: true } });
    const b = applySimSettings(null, msg(1, { 'a.b': 1 }), intern);
    expect(b.store!.values).toBe(a.store!.values);
    // A known hash does not vouch for a different map.
    const forged = applySimSettings(null, msg(2, { 'a.b': 2 }, m.hash), intern);
    expect(forged).toMatchObject({ changed: false, store: null, answer: { ok: false, message: 'hash mismatch' } });
  });

  it('answers at once when already in effect (only the revision moves) and refuses a wrong hash', () => {
    const intern = new Map<string, SettingsMap>();
    const first = applySimSettings(null, msg(1, { 'a.b': 1 }), intern).store;
    const same = applySimSettings(first, msg(2, { 'a.b': 1 }), intern);
    expect(same).toMatchObject({ changed: true, answer: { ok: true, revision: 2 }, store: { revision: 2, hash: first!.hash } });
    const empty = applySimSettings(null, msg(3, {}), intern);
    expect(empty).toMatchObject({ changed: false, store: null, answer: { ok: true, hash: EMPTY_SETTINGS_HASH } });
    const bad = applySimSettings(first, msg(4, { 'a.b': 2 }, settingsHash({ 'a.b': 3 })), intern);
    expect(bad).toMatchObject({
      changed: false,
      store: first,
      answer: { ok: false, message: 'hash mismatch', hash: first!.hash, revision: 4 },
    });
  });

  it('loads a stored store only when valid, recomputing its hash', () => {
    expect(loadSimSettings({ revision: 2, hash: 'forged', values: { 'a.b': 1 } })).toEqual({
      revision: 2,
      hash: settingsHash({ 'a.b': 1 }),
      values: { 'a.b': 1 },
    });
    expect(loadSimSettings({ revision: -1, values: {} })).toBeNull();
    expect(loadSimSettings({ revision: 1, values: { 'a.b': 1.5 } })).toBeNull();
    expect(loadSimSettings('x')).toBeNull();
  });
});

describe('simulator stats', () => {
  it('sums counters over processes, but takes the latest settings time', () => {
    const a = { ...emptyStats(), settingsApplied: 3, settingsReceived: 4, lastSettingsAppliedAt: 1000 };
    const b = { ...emptyStats(), settingsApplied: 2, settingsReceived: 2, lastSettingsAppliedAt: 5000 };
    expect(addStats([a, b])).toMatchObject({ settingsApplied: 5, settingsReceived: 6, lastSettingsAppliedAt: 5000 });
  });
});
