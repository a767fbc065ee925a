import { appendFile } from 'node:fs';
import { PARAMETER_CATALOGUE, type SystemInfo } from '@openums/protocol';
import { withStructureTag } from '../settings/structure-tag.js';
import { masked } from '../settings/values.js';
import { POWER_ACTIONS_DISABLED, type Platform, type SettingsApplyRecord } from './platform.js';

export interface RecordedAction {
  unitId: string;
  action: 'reboot' | 'shutdown' | 'suspend' | 'showMessage' | 'systemInfo' | 'settings' | 'hook';
  text?: string;
  /** settings: the revision and where it came from; the changed values with secrets masked. */
  revision?: number;
  source?: 'server' | 'local';
  settings?: Record<string, unknown>;
  /** hook: its name and the keys it was given. */
  hook?: string;
  keys?: string[];
  /** settings and hook: the outcome. */
  ok?: boolean;
  message?: string;
  at: number;
}

export interface RecordingOptions {
  unitId: string;
  mac: string;
  allowPowerActions?: boolean;
  /** Append every action as a JSON line (shared by all devices of a simulator process). */
  file?: string;
  /** Shared sink, e.g. the simulator's counter; the platform keeps its own list too unless keep=false. */
  onAction?: (a: RecordedAction) => void;
  keep?: boolean;
  bootTime?: number;
  /** The structure tag set on the device (reported in hello and refresh-sysinfo). */
  structureTag?: () => string | undefined;
}

/**
 * The OS version simulated devices report: of the catalogue's version, because the server
 * applies a profile only to devices of its based-on major version — a simulated fleet must take
 * the same profiles as a real one.
 */
export const SIMULATED_OS_VERSION = `${PARAMETER_CATALOGUE.basedOn}.0`;

/**
 * Deterministic device for tests and the simulator: records actions instead of doing them.
 * Small on purpose (one per virtual device).
 */
export class RecordingPlatform implements Platform {
  readonly actions: RecordedAction[] = [];
  private readonly bootTime: number;

  constructor(private readonly opts: RecordingOptions) {
    this.bootTime = opts.bootTime ?? Date.now();
  }

  get powerActionsAllowed(): boolean {
    return this.opts.allowPowerActions ?? true;
  }

  uptime(): number {
    return Math.max(0, Math.floor((Date.now() - this.bootTime) / 1000));
  }

  async systemInfo(): Promise<SystemInfo> {
    const n = Number.parseInt(this.opts.mac.slice(-6), 16) || 0;
    return withStructureTag(this.simulated(n), this.opts.structureTag?.());
  }

  private simulated(n: number): SystemInfo {
    return {
      hostname: `sim-${this.opts.unitId.toLowerCase()}`,
      macs: [this.opts.mac],
      ips: [`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`],
      product: 'OpenUMS simulated device',
      version: SIMULATED_OS_VERSION,
      serial: `SIM${this.opts.mac}`,
      bootTime: this.bootTime,
      uptime: this.uptime(),
      cpu: { model: 'Simulated CPU', cores: 2 },
      memory: { totalMb: 4096, freeMb: 2048 },
    };
  }

  reboot(): Promise<void> {
    return this.power('reboot');
  }

  shutdown(): Promise<void> {
    return this.power('shutdown');
  }

  suspend(): Promise<void> {
    return this.power('suspend');
  }

  async showMessage(text: string): Promise<void> {
    this.record({ unitId: this.opts.unitId, action: 'showMessage', text, at: Date.now() });
  }

  settingsApplied(r: SettingsApplyRecord): void {
    const at = Date.now();
    const unitId = this.opts.unitId;
    for (const h of r.hooks) {
      this.record({ unitId, action: 'hook', hook: h.hook, keys: h.keys, ok: h.ok, ...(h.message ? { message: h.message } : {}), at });
    }
    const rec: RecordedAction = {
      unitId,
      action: 'settings',
      revision: r.revision,
      source: r.source,
      settings: masked(r.changes),
      ok: r.ok,
      at,
    };
    if (r.message) rec.message = r.message;
    this.record(rec);
  }

  private async power(action: 'reboot' | 'shutdown' | 'suspend'): Promise<void> {
    if (!this.powerActionsAllowed) throw new Error(POWER_ACTIONS_DISABLED);
    this.record({ unitId: this.opts.unitId, action, at: Date.now() });
  }

  private record(a: RecordedAction): void {
    if (this.opts.keep !== false) this.actions.push(a);
    this.opts.onAction?.(a);
    if (this.opts.file) appendFile(this.opts.file, `${JSON.stringify(a)}\n`, { mode: 0o600 }, () => undefined);
  }
}
