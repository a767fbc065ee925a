import type { SettingsAppliedMessage, SettingsMessage } from '@openums/protocol';
import { EMPTY_SETTINGS_HASH, settingsHash } from '../settings/hash.js';
import { checkSettingsMap, sameSettings, type SettingsMap } from '../settings/values.js';

/** A virtual device's settings store: what `run` keeps in settings.json, in memory. */
export interface SimSettings {
  revision: number;
  hash: string;
  values: SettingsMap;
}

export interface SimApplyResult {
  answer: SettingsAppliedMessage;
  /** The store after the apply (the same object when nothing changed). */
  store: SimSettings | null;
  changed: boolean;
}

/**
 * `settings` for a virtual device: the same decisions as the agent's applier (already in effect →
 * answer at once; hash verified against the map; otherwise replace), without files or hooks.
 * Thousands of devices receive the same map, so equal maps are shared (`intern`) instead of kept
 * once per device.
 */
export function applySimSettings(store: SimSettings | null, msg: SettingsMessage, intern: Map<string, SettingsMap>): SimApplyResult {
  const current = store?.hash ?? EMPTY_SETTINGS_HASH;
  const answer = (hash: string, ok: boolean, message?: string): SettingsAppliedMessage => ({
    t: 'settings-applied',
    revision: msg.revision,
    hash,
    ok,
    ...(message ? { message } : {}),
  });
  if (msg.hash === current) {
    const next = store && store.revision !== msg.revision ? { ...store, revision: msg.revision } : store;
    return { answer: answer(current, true), store: next, changed: next !== store };
  }
  // Every device verifies the map against the hash. A map equal to one already verified for this
  // hash needs no hashing (comparing is several times cheaper than sorting, serialising, hashing).
  let values = intern.get(msg.hash);
  if (values && !sameSettings(values, msg.settings)) values = undefined;
  if (!values && settingsHash(msg.settings) !== msg.hash) return { answer: answer(current, false, 'hash mismatch'), store, changed: false };
  if (!values) {
    // Bounded: devices keep their own references, the table only saves duplicates.
    if (intern.size >= 1000) intern.clear();
    values = msg.settings;
    intern.set(msg.hash, values);
  }
  return { answer: answer(msg.hash, true), store: { revision: msg.revision, hash: msg.hash, values }, changed: true };
}

/** A stored virtual device's settings, checked like any input; the hash is recomputed, not trusted. */
export function loadSimSettings(raw: unknown): SimSettings | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { revision, values } = raw as Record<string, unknown>;
  if (typeof revision !== 'number' || !Number.isSafeInteger(revision) || revision < 0) return null;
  const checked = checkSettingsMap(values);
  if (!checked.ok) return null;
  return { revision, hash: settingsHash(checked.settings), values: checked.settings };
}
