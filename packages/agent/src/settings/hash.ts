import { createHash } from 'node:crypto';
import { canonicalSettingsJson, type SettingValue } from '@openums/protocol';

/** SHA-256 (hex) of the protocol's canonical form: the same text the server hashes. */
export function settingsHash(settings: Readonly<Record<string, SettingValue>>): string {
  return createHash('sha256').update(canonicalSettingsJson(settings)).digest('hex');
}

/** The hash of an empty store (a device nobody configured yet). */
export const EMPTY_SETTINGS_HASH = settingsHash({});
