import type { CommandHandler } from './types.js';

export const refreshSysinfo: CommandHandler = async (_cmd, ctx) => ({ ok: true, system: await ctx.platform.systemInfo() });
