import type { CommandHandler } from './types.js';

/** Answer first, then the agent wipes its identity and stops (see DeviceClient.factoryReset). */
export const resetFactoryDefaults: CommandHandler = async (_cmd, ctx) => {
  ctx.log.warn('factory reset requested by the server');
  return { ok: true, message: 'factory defaults restored; the device identity is removed', then: 'factory-reset' };
};
