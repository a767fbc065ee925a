import type { SystemInfo } from '@openums/protocol';
import type { HookRun } from '../settings/hooks.js';
import type { SettingsChanges } from '../settings/values.js';

/** One apply of settings, as the recording platform records it. */
export interface SettingsApplyRecord {
  revision: number;
  source: 'server' | 'local';
  /** Changed keys with their new values (null = removed); secrets included — recorders mask them. */
  changes: SettingsChanges;
  hooks: HookRun[];
  ok: boolean;
  message?: string;
}

/** What a command may do to the device; one real (Linux) and one recording implementation. */
export interface Platform {
  /** False when the local agent config forbids reboot/shutdown/suspend. */
  readonly powerActionsAllowed: boolean;
  systemInfo(): Promise<SystemInfo>;
  /** Seconds since boot, for heartbeats (cheap, synchronous). */
  uptime(): number;
  reboot(): Promise<void>;
  shutdown(): Promise<void>;
  suspend(): Promise<void>;
  showMessage(text: string): Promise<void>;
  /** Told after settings were applied (store written, hooks run); the Linux platform has nothing to add. */
  settingsApplied?(record: SettingsApplyRecord): void;
}

export const POWER_ACTIONS_DISABLED = 'power actions disabled in agent config';
