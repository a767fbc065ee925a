import type { SystemInfo } from '@openums/protocol';

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
}

export const POWER_ACTIONS_DISABLED = 'power actions disabled in agent config';
