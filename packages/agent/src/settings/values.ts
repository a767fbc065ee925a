import { findParameter, type SettingValue } from '@openums/protocol';

/**
 * What the device channel accepts for settings (the protocol's SettingKey / WireSettingValue):
 * checked on everything the agent receives from the server, reads from its own files, or is
 * given on the command line, so that nothing it later sends is refused by the server.
 */
export const KEY_PATTERN = /^[A-Za-z0-9_.:[\]-]+$/;
export const MAX_KEY_LENGTH = 200;
export const MAX_STRING_LENGTH = 4096;
export const MAX_LIST_ITEMS = 256;
export const MAX_ITEM_LENGTH = 1024;
/** More entries than any real configuration has; a 64 KiB message cannot carry more anyway. */
export const MAX_SETTINGS = 5000;

export type SettingsMap = Record<string, SettingValue>;
/** A change: the new value, or null when the setting was removed (back to its default). */
export type SettingsChanges = Record<string, SettingValue | null>;

export function keyProblem(key: string): string | null {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) return `setting key must have 1-${MAX_KEY_LENGTH} characters`;
  if (!KEY_PATTERN.test(key)) return `setting key "${key.slice(0, 60)}" may only contain A-Z a-z 0-9 _ . : [ ] -`;
  // Plain objects carry settings around (messages, hook input): this one name would set their prototype.
  if (key === '__proto__') return 'setting key "__proto__" is reserved';
  return null;
}

/** Null when `value` is a valid wire value; otherwise why not (without echoing the value: it may be a secret). */
export function valueProblem(value: unknown): string | null {
  switch (typeof value) {
    case 'boolean':
      return null;
    case 'number':
      return Number.isSafeInteger(value) ? null : 'numbers must be whole (safe) integers';
    case 'string':
      return value.length <= MAX_STRING_LENGTH ? null : `text longer than ${MAX_STRING_LENGTH} characters`;
    case 'object':
      if (!Array.isArray(value)) return 'expected true/false, an integer, a string or a list of strings';
      if (value.length > MAX_LIST_ITEMS) return `list longer than ${MAX_LIST_ITEMS} entries`;
      for (const item of value) {
        if (typeof item !== 'string') return 'list entries must be strings';
        if (item.length > MAX_ITEM_LENGTH) return `list entry longer than ${MAX_ITEM_LENGTH} characters`;
      }
      return null;
    default:
      return 'expected true/false, an integer, a string or a list of strings';
  }
}

/**
 * Checks a whole map (a received configuration or the stored one): own enumerable properties,
 * each key and value valid. The object itself is returned, not a copy — cheap for thousands of
 * simulated devices, and safe because `__proto__` is refused as a key (JSON.parse makes it an own
 * property, but code copying the map into a plain object would change a prototype instead).
 */
export function checkSettingsMap(raw: unknown): { ok: true; settings: SettingsMap } | { ok: false; error: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return { ok: false, error: 'settings must be an object' };
  let n = 0;
  for (const key in raw) {
    if (!Object.hasOwn(raw, key)) continue;
    if (++n > MAX_SETTINGS) return { ok: false, error: `more than ${MAX_SETTINGS} settings` };
    const problem = keyProblem(key) ?? valueProblem((raw as Record<string, unknown>)[key]);
    if (problem) return { ok: false, error: `${key.slice(0, MAX_KEY_LENGTH)}: ${problem}` };
  }
  return { ok: true, settings: raw as SettingsMap };
}

/** Same keys, same values. */
export function sameSettings(a: Readonly<SettingsMap>, b: Readonly<SettingsMap>): boolean {
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const k of keys) if (!Object.hasOwn(b, k) || !sameValue(a[k], b[k])) return false;
  return true;
}

export function sameValue(a: SettingValue | undefined, b: SettingValue | undefined): boolean {
  if (a === b) return true;
  if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
  return a.every((v, i) => v === b[i]);
}

/**
 * Whether a value must never appear in logs or recordings: catalogue secrets, and — for keys
 * the catalogue does not know — anything whose name says it is one.
 */
export function isSecretKey(key: string): boolean {
  const param = findParameter(key);
  if (param) return param.type === 'secret';
  return /pass(word|phrase)?|secret|token|credential|private[_-]?key/i.test(key.slice(key.lastIndexOf('.') + 1));
}

export const MASK = '********';

/** A copy of `changes` safe to log or record. */
export function masked<T extends SettingValue | null>(changes: Record<string, T>): Record<string, T | string> {
  const out: Record<string, T | string> = {};
  for (const [k, v] of Object.entries(changes)) out[k] = v !== null && v !== '' && isSecretKey(k) ? MASK : v;
  return out;
}
