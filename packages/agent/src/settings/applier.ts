import type { SettingsAppliedMessage, SettingsMessage, SettingValue } from '@openums/protocol';
import { errorMessage, type Logger } from '../lib/log.js';
import type { Platform } from '../platform/platform.js';
import { settingsHash } from './hash.js';
import { runHooks, type HookRun } from './hooks.js';
import { withSettingsLock } from './lock.js';
import type { SettingsPaths } from './paths.js';
import { changedKeys, SettingsStore, type SettingsDiff } from './store.js';
import type { SettingsChanges } from './values.js';

export interface SettingsApplierOptions {
  paths: SettingsPaths;
  log: Logger;
  platform?: Platform;
  hookTimeoutMs?: number;
  lockTimeoutMs?: number;
}

const MAX_MESSAGE = 2000;
const clip = (m: string) => (m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE - 1)}…` : m);

/**
 * The `run` daemon's side of settings delivery: one apply at a time; a configuration arriving
 * during an apply waits, and only the newest waiting one is applied (each `settings` message is
 * complete, so an intermediate one has nothing the newest lacks).
 *
 * A failing hook does not undo the store: the store holds the desired state, the answer says
 * ok=false naming the hook, and the hook runs again when a later change touches its group.
 */
/**
 * Sends the answer on the connection the configuration came on; false when that one is gone
 * (the server forgets what it sent on a closed channel; the next hello's hash tells it).
 */
export type Reply = (msg: SettingsAppliedMessage) => Promise<boolean>;

export class SettingsApplier {
  private pending: { msg: SettingsMessage; reply: Reply } | null = null;
  private running: Promise<void> | null = null;

  constructor(private readonly opts: SettingsApplierOptions) {}

  /** One value of the store on disk (read each time, like the hash); undefined when unset or unreadable. */
  currentValue(key: string): SettingValue | undefined {
    try {
      return SettingsStore.load(this.opts.paths.store, this.opts.log).get(key);
    } catch {
      return undefined;
    }
  }

  /** The hash of the store on disk — read each time, since `openums-agent settings set` may have changed it. */
  currentHash(): string | undefined {
    try {
      return SettingsStore.load(this.opts.paths.store, this.opts.log).hash();
    } catch (err) {
      this.opts.log.warn(`cannot read the settings store: ${errorMessage(err)}`);
      return undefined;
    }
  }

  /** `msg` has passed parseServerMessage (shape, keys, values). */
  receive(msg: SettingsMessage, reply: Reply): void {
    if (this.pending && this.pending.msg.revision > msg.revision) {
      this.opts.log.info(`settings revision ${msg.revision} ignored: revision ${this.pending.msg.revision} is already waiting`);
      return;
    }
    this.pending = { msg, reply };
    this.running ??= this.drain().finally(() => (this.running = null));
  }

  /** Resolves when nothing is being applied or waiting (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const { msg, reply } = this.pending;
      this.pending = null;
      await this.apply(msg, reply).catch((err) => this.opts.log.error(`settings revision ${msg.revision}: ${errorMessage(err)}`));
    }
  }

  private async apply(msg: SettingsMessage, reply: Reply): Promise<void> {
    const { opts } = this;
    const { revision } = msg;
    const answer = (hash: string, ok: boolean, message?: string) => {
      const m: SettingsAppliedMessage = { t: 'settings-applied', revision, hash, ok };
      if (message) m.message = clip(message);
      return reply(m);
    };

    const before = SettingsStore.load(opts.paths.store, opts.log);
    if (msg.hash === before.hash()) {
      await answer(msg.hash, true);
      opts.log.debug(`settings revision ${revision}: already in effect`);
      if (before.revision !== revision) await this.recordRevision(msg);
      return;
    }
    if (settingsHash(msg.settings) !== msg.hash) {
      opts.log.warn(`settings revision ${revision} refused: hash mismatch`);
      await answer(before.hash(), false, 'hash mismatch');
      return;
    }

    let diff: SettingsDiff;
    let hooks: HookRun[];
    let hash: string;
    let changes: SettingsChanges;
    try {
      ({ diff, hooks, hash, changes } = await withSettingsLock(
        opts.paths.lock,
        async () => {
          const store = SettingsStore.load(opts.paths.store, opts.log);
          const d = store.replace(msg.settings, revision);
          const changed = store.valuesOf(changedKeys(d));
          const runs = await runHooks({
            dir: opts.paths.hooksDir,
            changes: changed,
            revision,
            source: 'server',
            storePath: opts.paths.store,
            log: opts.log,
            timeoutMs: opts.hookTimeoutMs,
          });
          return { diff: d, hooks: runs, hash: store.hash(), changes: changed };
        },
        { timeoutMs: opts.lockTimeoutMs },
      ));
    } catch (err) {
      const why = `cannot apply: ${errorMessage(err)}`;
      opts.log.error(`settings revision ${revision}: ${why}`);
      await answer(this.currentHash() ?? before.hash(), false, why);
      return;
    }

    const failed = hooks.filter((h) => !h.ok);
    const message = failed.length ? failed.map((h) => h.message).join('; ') : undefined;
    // Keys only: values may be secrets.
    opts.log.info(
      `settings revision ${revision} applied: ${diff.added.length} added, ${diff.changed.length} changed, ${diff.removed.length} removed` +
        (hooks.length ? `; hooks ${hooks.map((h) => `${h.hook}=${h.ok ? 'ok' : 'failed'}`).join(' ')}` : ''),
    );
    opts.platform?.settingsApplied?.({
      revision,
      source: 'server',
      changes,
      hooks,
      ok: failed.length === 0,
      ...(message ? { message } : {}),
    });
    await answer(hash, failed.length === 0, message);
  }

  /** The map is already in effect (e.g. the server adopted a local change): only the revision is new. */
  private async recordRevision(msg: SettingsMessage): Promise<void> {
    try {
      await withSettingsLock(
        this.opts.paths.lock,
        () => {
          const store = SettingsStore.load(this.opts.paths.store, this.opts.log);
          if (store.hash() === msg.hash) store.setRevision(msg.revision);
        },
        { timeoutMs: this.opts.lockTimeoutMs },
      );
    } catch (err) {
      this.opts.log.warn(`cannot record settings revision ${msg.revision}: ${errorMessage(err)}`);
    }
  }
}
