import { execFile } from 'node:child_process';
import { uptime } from 'node:os';
import type { SystemInfo } from '@openums/protocol';
import { collectLinuxSystemInfo } from '../collectors/linux-sysinfo.js';
import type { Logger } from '../lib/log.js';
import { withStructureTag } from '../settings/structure-tag.js';
import { POWER_ACTIONS_DISABLED, type Platform } from './platform.js';

function run(cmd: string, args: string[], timeoutMs = 15_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, _stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${(stderr || err.message).toString().trim()}`));
      else resolve();
    });
  });
}

/** The real device: /proc for facts, systemctl for power actions (only when allowed). */
export class LinuxPlatform implements Platform {
  constructor(
    private readonly opts: {
      allowPowerActions: boolean;
      log: Logger;
      exec?: (cmd: string, args: string[]) => Promise<void>;
      /** The structure tag set on the device (reported in hello and refresh-sysinfo). */
      structureTag?: () => string | undefined;
    },
  ) {}

  get powerActionsAllowed(): boolean {
    return this.opts.allowPowerActions;
  }

  async systemInfo(): Promise<SystemInfo> {
    return withStructureTag(await collectLinuxSystemInfo(), this.opts.structureTag?.());
  }

  uptime(): number {
    return Math.floor(uptime());
  }

  reboot(): Promise<void> {
    return this.power('reboot');
  }

  shutdown(): Promise<void> {
    return this.power('poweroff');
  }

  suspend(): Promise<void> {
    return this.power('suspend');
  }

  async showMessage(text: string): Promise<void> {
    this.opts.log.info(`message from the administrator: ${text}`);
    const exec = this.opts.exec ?? run;
    // Best effort: a desktop notification or a terminal broadcast, whichever exists.
    await exec('notify-send', ['OpenUMS', text]).catch(() => exec('wall', [text]).catch(() => undefined));
  }

  private async power(verb: 'reboot' | 'poweroff' | 'suspend'): Promise<void> {
    if (!this.opts.allowPowerActions) throw new Error(POWER_ACTIONS_DISABLED);
    this.opts.log.warn(`power action: systemctl ${verb}`);
    await (this.opts.exec ?? run)('systemctl', [verb]);
  }
}
