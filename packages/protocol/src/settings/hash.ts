import type { SettingValue } from './catalogue-types.js';

/**
 * The text both sides hash (SHA-256, hex) to compare a device's settings store with the server's
 * effective configuration: entries sorted by key, as JSON. Kept free of node:crypto so the web
 * app can import the protocol package; the server and the agent hash it with node:crypto.
 */
export function canonicalSettingsJson(settings: Readonly<Record<string, SettingValue>>): string {
  const keys = Object.keys(settings).sort();
  return JSON.stringify(keys.map((k) => [k, settings[k]]));
}
