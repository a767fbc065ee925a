import { WOL_PROXY_SETTING } from '../lib/wake-on-lan.js';
import { POWER_ACTIONS_DISABLED, type Platform } from '../platform/platform.js';
import type { CommandHandler } from './types.js';

const MESSAGES = { reboot: 'reboot started', shutdown: 'shutdown started', suspend: 'suspend started' } as const;

/** The reference's rule: a wake-on-LAN proxy never sleeps or powers off (a reboot is fine: it comes back). */
export const WOL_PROXY_LOCKED =
  'this device is a wake-on-LAN proxy: it refuses shutdown and standby while system.remotemanager.wol_proxy.enabled is on';

/** reboot, shutdown, suspend: refused unless the local agent config allows power actions. */
export function powerHandler(action: keyof typeof MESSAGES): CommandHandler {
  return async (_cmd, ctx) => {
    if (action !== 'reboot' && ctx.setting(WOL_PROXY_SETTING) === true) return { ok: false, message: WOL_PROXY_LOCKED };
    if (!ctx.platform.powerActionsAllowed) return { ok: false, message: POWER_ACTIONS_DISABLED };
    const message = MESSAGES[action];
    ctx.recordBefore({ ok: true, message });
    const act: Record<typeof action, (p: Platform) => Promise<void>> = {
      reboot: (p) => p.reboot(),
      shutdown: (p) => p.shutdown(),
      suspend: (p) => p.suspend(),
    };
    await act[action](ctx.platform);
    return { ok: true, message };
  };
}
