import type { CommandHandler } from './types.js';

/** Wake-on-LAN is sent by the server to a sleeping device; a running agent cannot wake itself. */
export const wakeup: CommandHandler = async () => ({ ok: false, message: 'wakeup is not supported on the device itself' });
