import { dirname, join } from 'node:path';
import { STATE_FILES } from '../identity/state.js';
import { HOOKS_DIR_NAME } from './hooks.js';

/** Where the settings of one agent live; the `run` daemon and the `settings` command must agree. */
export interface SettingsPaths {
  stateDir: string;
  /** settings.json: the store. */
  store: string;
  /** settings.lock: held while the store is changed and hooks run. */
  lock: string;
  hooksDir: string;
}

/**
 * Hooks: `--hooks-dir`, else `hooksDir` of the agent config, else `hooks.d` next to the config
 * file given with `--config`, else `hooks.d` in the state directory.
 */
export function settingsPaths(stateDir: string, opts: { hooksDir?: string; configFile?: string } = {}): SettingsPaths {
  return {
    stateDir,
    store: join(stateDir, STATE_FILES.settings),
    lock: join(stateDir, STATE_FILES.settingsLock),
    hooksDir: opts.hooksDir ?? join(opts.configFile ? dirname(opts.configFile) : stateDir, HOOKS_DIR_NAME),
  };
}
