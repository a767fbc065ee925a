/**
 * The portable profile file (import/export). Line-based so errors can name a line:
 *
 *   openums-profiles 1
 *   # comments and blank lines are ignored
 *   [profile]
 *   name = Office RDP
 *   type = standard
 *   basedOn = 12.1
 *   folder = /Berlin/Office
 *   userinterface.screensaver.timeout = 5
 *   network.dns.domain = "example.com"
 *
 * Attributes (name, type, basedOn, folder) take the rest of the line as text; parameters
 * (dotted keys) take a JSON value. Several `[profile]` sections may follow each other.
 */
import { findParameter, validateSetting, type SettingValue } from '@openums/protocol';

export const FILE_HEADER = 'openums-profiles 1';

export interface FileProfile {
  readonly line: number;
  readonly name: string;
  readonly type: 'standard' | 'priority';
  readonly basedOn: string | null;
  /** Folder names from the top; empty = top level. */
  readonly folderPath: readonly string[];
  readonly settings: Record<string, SettingValue>;
}

export interface FileError {
  readonly line: number;
  readonly field?: string;
  readonly message: string;
}

export interface ExportProfile {
  readonly name: string;
  readonly type: string;
  readonly basedOn: string;
  readonly folderPath: readonly string[];
  readonly settings: Readonly<Record<string, SettingValue>>;
}

const MAX_PROFILES = 1000;
const ATTRIBUTES = new Set(['name', 'type', 'basedOn', 'folder']);

export function formatProfileFile(profiles: readonly ExportProfile[], opts: { includeSecrets: boolean; exportedAt: string }): string {
  const out = [FILE_HEADER, `# exported ${opts.exportedAt}; values are JSON`];
  for (const p of profiles) {
    out.push('', '[profile]', `name = ${p.name}`, `type = ${p.type}`, `basedOn = ${p.basedOn}`);
    if (p.folderPath.length) out.push(`folder = /${p.folderPath.join('/')}`);
    for (const key of Object.keys(p.settings).sort()) {
      if (!opts.includeSecrets && findParameter(key)?.type === 'secret') out.push(`# ${key}: secret not exported`);
      else out.push(`${key} = ${JSON.stringify(p.settings[key])}`);
    }
  }
  return `${out.join('\n')}\n`;
}

export function parseProfileFile(text: string): { profiles: FileProfile[]; errors: FileError[] } {
  const errors: FileError[] = [];
  const profiles: FileProfile[] = [];
  let current: { line: number; attrs: Map<string, string>; settings: Record<string, SettingValue> } | null = null;
  let headerSeen = false;

  const finish = () => {
    if (!current) return;
    const { line, attrs, settings } = current;
    const name = attrs.get('name')?.trim() ?? '';
    if (!name) errors.push({ line, field: 'name', message: 'the profile has no name' });
    else if (name.length > 128) errors.push({ line, field: 'name', message: 'name is longer than 128 characters' });
    const type = attrs.get('type')?.trim() ?? 'standard';
    if (type !== 'standard' && type !== 'priority')
      errors.push({ line, field: 'type', message: `type must be standard or priority, not "${type}"` });
    const basedOn = attrs.get('basedOn')?.trim() || null;
    if (basedOn !== null && !/^\d+(\.\d+)*$/.test(basedOn))
      errors.push({ line, field: 'basedOn', message: `basedOn "${basedOn}" is not a version like 12.1` });
    const folder = attrs.get('folder')?.trim() ?? '';
    const folderPath = folder
      .split('/')
      .map((s) => s.trim())
      .filter(Boolean);
    if (folderPath.some((s) => s.length > 100))
      errors.push({ line, field: 'folder', message: 'a folder name is longer than 100 characters' });
    profiles.push({ line, name, type: type as FileProfile['type'], basedOn, folderPath, settings });
    current = null;
  };

  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    const s = raw.trim();
    if (!s || s.startsWith('#')) return;
    if (!headerSeen) {
      headerSeen = true;
      if (s !== FILE_HEADER) errors.push({ line, message: `the file must start with "${FILE_HEADER}"` });
      if (s === FILE_HEADER) return;
    }
    if (s === '[profile]') {
      finish();
      if (profiles.length >= MAX_PROFILES) {
        errors.push({ line, message: `at most ${MAX_PROFILES} profiles per file` });
        return;
      }
      current = { line, attrs: new Map(), settings: {} };
      return;
    }
    const eq = s.indexOf('=');
    if (eq <= 0) {
      errors.push({ line, message: 'expected "key = value", "[profile]" or a # comment' });
      return;
    }
    const key = s.slice(0, eq).trim();
    const rawValue = s.slice(eq + 1).trim();
    if (!current) {
      errors.push({ line, field: key, message: 'a setting before the first [profile] line' });
      return;
    }
    if (ATTRIBUTES.has(key)) {
      if (current.attrs.has(key)) errors.push({ line, field: key, message: `${key} is given twice` });
      current.attrs.set(key, rawValue);
      return;
    }
    if (!key.includes('.')) {
      errors.push({ line, field: key, message: `unknown attribute "${key}" (name, type, basedOn, folder or a parameter key)` });
      return;
    }
    if (key in current.settings) {
      errors.push({ line, field: key, message: `${key} is given twice in this profile` });
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(rawValue);
    } catch {
      errors.push({ line, field: key, message: `${key}: the value is not JSON (strings need quotes): ${rawValue.slice(0, 60)}` });
      return;
    }
    const problem = validateSetting(key, value);
    if (problem) {
      errors.push({ line, field: key, message: problem.message });
      return;
    }
    current.settings[key] = value as SettingValue;
  });
  finish();
  if (!headerSeen) errors.push({ line: 1, message: `the file is empty; it must start with "${FILE_HEADER}"` });
  else if (!profiles.length && !errors.length) errors.push({ line: lines.length, message: 'the file holds no [profile]' });
  return { profiles, errors };
}
