import { POWER_ACTIONS_DISABLED, type Platform } from '../platform/platform.js';
import type { CommandHandler } from './types.js';

const MESSAGES = { reboot: 'reboot started', shutdown: 'shutdown started', suspend: 'suspend started' } as const;

/** reboot, shutdown, suspend: refused unless the local agent config allows power actions. */
export function powerHandler(action: keyof typeof MESSAGES): CommandHandler {
  return async (_cmd, ctx) => {
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
