import type { AckMessage, CommandMessage, ResultMessage, SettingValue } from '@openums/protocol';
import { errorMessage, type Logger } from '../lib/log.js';
import type { Platform } from '../platform/platform.js';
import type { CommandStore, StoredResult } from './command-store.js';
import { COMMAND_HANDLERS } from './index.js';
import type { CommandOutcome } from './types.js';

export interface RunnerDeps {
  platform: Platform;
  log: Logger;
  store: () => CommandStore;
  /** Sends on the current connection; resolves false when there is none (redelivery covers it). */
  send: (msg: AckMessage | ResultMessage) => Promise<boolean>;
  onExecuted?: (cmd: CommandMessage, outcome: CommandOutcome) => void;
  onFactoryReset: () => void;
  /** The device's current value of a setting; none known when absent. */
  setting?: (key: string) => SettingValue | undefined;
}

const MAX_MESSAGE = 2000;
const clip = (m: string | undefined) => (m && m.length > MAX_MESSAGE ? `${m.slice(0, MAX_MESSAGE - 1)}…` : m);

/**
 * ack at once, execute once, answer with result. A redelivered id is acked and answered from
 * the store; an id still running is only acked (its result follows).
 */
export class CommandRunner {
  private inflight: Set<number> | null = null;

  constructor(private readonly deps: RunnerDeps) {}

  async handle(cmd: CommandMessage): Promise<void> {
    const { deps } = this;
    await deps.send({ t: 'ack', id: cmd.id });

    const stored = deps.store().get(cmd.id);
    if (stored) {
      deps.log.info(`command ${cmd.id} (${cmd.command}) was already executed; sending its result again`);
      // System facts are not kept in the record (size): a re-sent refresh-sysinfo carries fresh ones.
      const system = cmd.command === 'refresh-sysinfo' && stored.ok ? await deps.platform.systemInfo().catch(() => undefined) : undefined;
      await deps.send(resultMessage(cmd.id, { ok: stored.ok, message: stored.message, system }));
      // The wipe may not have happened (crash right after the result was recorded).
      if (cmd.command === 'reset-factory-defaults' && stored.ok) deps.onFactoryReset();
      return;
    }
    if (this.inflight?.has(cmd.id)) return;
    (this.inflight ??= new Set()).add(cmd.id);

    let outcome: CommandOutcome;
    try {
      const handler = Object.hasOwn(COMMAND_HANDLERS, cmd.command) ? COMMAND_HANDLERS[cmd.command] : undefined;
      if (!handler) {
        outcome = { ok: false, message: `unknown command "${String(cmd.command).slice(0, 100)}"` };
      } else {
        outcome = await handler(cmd, {
          platform: deps.platform,
          log: deps.log,
          setting: (key) => deps.setting?.(key),
          recordBefore: (o) => deps.store().put(cmd.id, record(cmd, o)),
        });
      }
    } catch (err) {
      outcome = { ok: false, message: errorMessage(err) };
    } finally {
      this.inflight.delete(cmd.id);
      if (this.inflight.size === 0) this.inflight = null;
    }
    deps.store().put(cmd.id, record(cmd, outcome));
    deps.log.info(`command ${cmd.id} ${cmd.command}: ${outcome.ok ? 'ok' : 'failed'}${outcome.message ? ` (${outcome.message})` : ''}`);
    deps.onExecuted?.(cmd, outcome);
    await deps.send(resultMessage(cmd.id, outcome));
    if (outcome.then === 'factory-reset') deps.onFactoryReset();
  }
}

function record(cmd: CommandMessage, o: { ok: boolean; message?: string }): StoredResult {
  const r: StoredResult = { command: cmd.command, ok: o.ok, at: Date.now() };
  if (o.message) r.message = clip(o.message);
  return r;
}

function resultMessage(id: number, o: { ok: boolean; message?: string; system?: CommandOutcome['system'] }): ResultMessage {
  const msg: ResultMessage = { t: 'result', id, ok: o.ok };
  const message = clip(o.message);
  if (message) msg.message = message;
  if (o.system) msg.system = o.system;
  return msg;
}
