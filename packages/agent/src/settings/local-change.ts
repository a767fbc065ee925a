import type { Logger } from '../lib/log.js';
import { runHooks, type HookRun } from './hooks.js';
import { withSettingsLock } from './lock.js';
import type { SettingsPaths } from './paths.js';
import { enqueueChanges } from './queue.js';
import { changedKeys, SettingsStore, type SettingsDiff } from './store.js';
import type { SettingsChanges } from './values.js';

export interface LocalChangeResult {
  diff: SettingsDiff;
  hooks: HookRun[];
  hash: string;
}

/**
 * A change made on the device (`openums-agent settings set/unset`): under the settings lock,
 * write the store, queue the change for the server, then run the hooks of the changed groups.
 * Queued before the hooks run, so a crash in a hook does not lose the report. The change is
 * queued even when the store already held the value: the administrator made it the device's own.
 * `changes` must be checked (keys, values) by the caller.
 */
export function changeLocally(
  paths: SettingsPaths,
  changes: SettingsChanges,
  opts: { log: Logger; hookTimeoutMs?: number; lockTimeoutMs?: number },
): Promise<LocalChangeResult> {
  return withSettingsLock(
    paths.lock,
    async () => {
      const store = SettingsStore.load(paths.store, opts.log);
      const diff = store.change(changes);
      enqueueChanges(paths.stateDir, changes);
      const hooks = await runHooks({
        dir: paths.hooksDir,
        changes: store.valuesOf(changedKeys(diff)),
        revision: store.revision,
        source: 'local',
        storePath: paths.store,
        log: opts.log,
        timeoutMs: opts.hookTimeoutMs,
      });
      return { diff, hooks, hash: store.hash() };
    },
    { timeoutMs: opts.lockTimeoutMs },
  );
}
