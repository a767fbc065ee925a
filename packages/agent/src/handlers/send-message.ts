import type { CommandHandler } from './types.js';

export const sendMessage: CommandHandler = async (cmd, ctx) => {
  const text = cmd.text ?? '';
  if (!text) return { ok: false, message: 'send-message needs a text' };
  await ctx.platform.showMessage(text);
  return { ok: true, message: 'message shown' };
};
