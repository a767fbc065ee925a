import { createHash } from 'node:crypto';
import { canonicalSettingsJson, type SettingValue } from '@openums/protocol';

/** SHA-256 (hex) of a settings map in the protocol's canonical form; the agent computes the same. */
export const settingsHash = (settings: Readonly<Record<string, SettingValue>>): string =>
  createHash('sha256').update(canonicalSettingsJson(settings)).digest('hex');

/** The major OS version ("12" of "12.1.0"), or null when unknown. */
export function majorVersion(version: string | null | undefined): string | null {
  const m = version ? /^\s*(\d+)/.exec(version) : null;
  return m ? String(Number(m[1])) : null;
}
