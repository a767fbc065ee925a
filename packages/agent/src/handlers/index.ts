import { WOL_RELAY_COMMAND, type CommandName } from '@openums/protocol';
import { powerHandler } from './power.js';
import { refreshSysinfo } from './refresh-sysinfo.js';
import { resetFactoryDefaults } from './reset-factory-defaults.js';
import { sendMessage } from './send-message.js';
import type { CommandHandler } from './types.js';
import { wakeup } from './wakeup.js';
import { wolRelay } from './wol-relay.js';

/**
 * One handler per command name; a name missing here is answered "unknown command". `wol-relay`
 * is not an administrator's command: the server sends it to wake-on-LAN proxies.
 */
export const COMMAND_HANDLERS: Readonly<Record<CommandName | typeof WOL_RELAY_COMMAND, CommandHandler>> = Object.freeze({
  reboot: powerHandler('reboot'),
  shutdown: powerHandler('shutdown'),
  suspend: powerHandler('suspend'),
  wakeup,
  'refresh-sysinfo': refreshSysinfo,
  'send-message': sendMessage,
  'reset-factory-defaults': resetFactoryDefaults,
  [WOL_RELAY_COMMAND]: wolRelay,
});

export type { CommandHandler, CommandOutcome, HandlerContext } from './types.js';
