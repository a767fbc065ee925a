import { findParameter, validateSetting, type SettingValue } from '@openums/protocol';
import { loadAgentConfig } from '../identity/agent-config.js';
import { ensurePrivateDir } from '../lib/files.js';
import type { Logger } from '../lib/log.js';
import { changeLocally } from '../settings/local-change.js';
import { settingsPaths } from '../settings/paths.js';
import { MAX_REPORT_BYTES } from '../settings/queue.js';
import { changedKeys, SettingsStore } from '../settings/store.js';
import { isSecretKey, MASK, valueProblem, type SettingsChanges } from '../settings/values.js';
import type { SettingsArgs } from './args.js';

export interface SettingsCommandIo {
  log: Logger;
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A mistake in the value of `settings set` (exit 1, message names the key). */
export class SettingValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SettingValueError';
  }
}

/** The value of a `set`: wire shape, reportable size, and the catalogue's rules when it knows the key. */
export function checkLocalValue(key: string, value: unknown): SettingValue {
  if (value === null) throw new SettingValueError(`${key}: null is not a value; use "settings unset ${key}"`);
  const shape = valueProblem(value);
  if (shape) throw new SettingValueError(`${key}: ${shape}`);
  if (Buffer.byteLength(JSON.stringify(value)) > MAX_REPORT_BYTES - 1000)
    throw new SettingValueError(`${key}: value too large to report to the server`);
  if (findParameter(key)) {
    const invalid = validateSetting(key, value);
    if (invalid) throw new SettingValueError(invalid.message);
  }
  return value as SettingValue;
}

const show = (key: string, value: SettingValue, showSecrets: boolean) =>
  !showSecrets && value !== '' && isSecretKey(key) ? JSON.stringify(MASK) : JSON.stringify(value);

/**
 * `openums-agent settings …` on the same state directory as the running agent: read the store,
 * or change it locally (store, hooks, and a queued report the agent sends when connected).
 * Resolves to the exit code.
 */
export async function runSettingsCommand(args: SettingsArgs, io: SettingsCommandIo): Promise<number> {
  const config = loadAgentConfig(args.stateDir, args.config);
  const paths = settingsPaths(args.stateDir, { hooksDir: args.hooksDir ?? config.hooksDir, configFile: args.config });

  if (args.action === 'list' || (args.action === 'get' && args.key === undefined)) {
    const store = SettingsStore.load(paths.store, io.log);
    if (args.action === 'list') {
      for (const [k, v] of store.entries()) io.out(`${k} = ${show(k, v, args.showSecrets)}\n`);
      return 0;
    }
    const settings: Record<string, unknown> = {};
    for (const [k, v] of store.entries()) settings[k] = JSON.parse(show(k, v, args.showSecrets));
    io.out(`${JSON.stringify({ revision: store.revision, hash: store.hash(), settings }, null, 2)}\n`);
    return 0;
  }

  const key = args.key!;
  if (args.action === 'get') {
    const value = SettingsStore.load(paths.store, io.log).get(key);
    if (value !== undefined) {
      io.out(`${show(key, value, args.showSecrets)}\n`);
      return 0;
    }
    const param = findParameter(key);
    if (!param) {
      io.err(`${key} is not set\n`);
      return 1;
    }
    io.out(`${show(key, param.default, args.showSecrets)}\n`);
    io.err(`(${key} is not set: the catalogue default)\n`);
    return 0;
  }

  let changes: SettingsChanges;
  try {
    changes = { [key]: args.action === 'set' ? checkLocalValue(key, args.value) : null };
  } catch (err) {
    if (err instanceof SettingValueError) {
      io.err(`openums-agent: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  ensurePrivateDir(args.stateDir);
  const result = await changeLocally(paths, changes, { log: io.log, hookTimeoutMs: config.hookTimeoutSeconds * 1000 });
  const changed = changedKeys(result.diff).length > 0;
  const what = args.action === 'set' ? `set ${key}` : `unset ${key}`;
  io.out(`${what}${changed ? '' : ' (no change on this device)'}; queued for the server\n`);
  const failed = result.hooks.filter((h) => !h.ok);
  for (const h of result.hooks) if (h.ok) io.out(`hook ${h.hook}: ok\n`);
  for (const h of failed) io.err(`${h.message}\n`);
  if (failed.length > 0) {
    io.err('the setting is stored and will be reported; the hook runs again with the next change in its group\n');
    return 1;
  }
  return 0;
}
