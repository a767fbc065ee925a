import type { CommandName } from '@openums/protocol';
import { powerHandler } from './power.js';
import { refreshSysinfo } from './refresh-sysinfo.js';
import { resetFactoryDefaults } from './reset-factory-defaults.js';
import { sendMessage } from './send-message.js';
import type { CommandHandler } from './types.js';
import { wakeup } from './wakeup.js';

/** One handler per command name; a name missing here is answered "unknown command". */
export const COMMAND_HANDLERS: Readonly<Record<CommandName, CommandHandler>> = Object.freeze({
  reboot: powerHandler('reboot'),
  shutdown: powerHandler('shutdown'),
  suspend: powerHandler('suspend'),
  wakeup,
  'refresh-sysinfo': refreshSysinfo,
  'send-message': sendMessage,
  'reset-factory-defaults': resetFactoryDefaults,
});

export type { CommandHandler, CommandOutcome, HandlerContext } from './types.js';
