import type { CommandMessage, SettingValue, SystemInfo } from '@openums/protocol';
import type { Logger } from '../lib/log.js';
import type { Platform } from '../platform/platform.js';

export interface CommandOutcome {
  ok: boolean;
  message?: string;
  system?: SystemInfo;
  /** What the agent does once the result is on the wire. */
  then?: 'factory-reset';
}

export interface HandlerContext {
  platform: Platform;
  log: Logger;
  /**
   * Record the outcome as final BEFORE an action that may end this process (reboot, shutdown):
   * the command is then never executed twice, and its result is sent after the reboot.
   */
  recordBefore(outcome: { ok: boolean; message?: string }): void;
  /** The device's current value of a setting (its settings store); undefined when not set. */
  setting(key: string): SettingValue | undefined;
}

export type CommandHandler = (cmd: CommandMessage, ctx: HandlerContext) => Promise<CommandOutcome>;
