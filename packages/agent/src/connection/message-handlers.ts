import type { AttributesMessage, ByeMessage, ServerMessage, SettingsMessage, WelcomeMessage } from '@openums/protocol';
import type { CommandRunner } from '../handlers/command-runner.js';
import { errorMessage, type Logger } from '../lib/log.js';

/** What a handler may do with the client whose channel the message arrived on. */
export interface ServerMessageContext {
  readonly log: Logger;
  /** Hands a checked `settings` message to whoever applies settings; undefined when nobody does. */
  readonly settingsReceived: ((msg: SettingsMessage) => void) | undefined;
  readonly runner: CommandRunner;
  /** The channel is up: heartbeats start (a repeated welcome on the same connection is ignored). */
  goOnline(msg: WelcomeMessage): void;
  /** Kept until the channel closes: it decides whether and when to reconnect. */
  rememberBye(msg: ByeMessage): void;
  /** The server named the address to reconnect to (checked by the receiver); undefined when nobody keeps it. */
  readonly serverAddressReceived: ((address: string) => void) | undefined;
  /** Hands an `attributes` message to whoever keeps device attributes; undefined when nobody does. */
  readonly attributesReceived: ((msg: AttributesMessage) => void) | undefined;
}

type Handler<M> = (ctx: ServerMessageContext, msg: M) => void;

/** One handler per server → device message type (messages reach them checked, see server-messages.ts). */
export const serverMessageHandlers: { [T in ServerMessage['t']]: Handler<Extract<ServerMessage, { t: T }>> } = {
  welcome: (ctx, msg) => {
    ctx.goOnline(msg);
    if (msg.serverAddress !== undefined) ctx.serverAddressReceived?.(msg.serverAddress);
  },
  command: (ctx, msg) => {
    void ctx.runner.handle(msg).catch((err) => ctx.log.error(`command ${msg.id}: ${errorMessage(err)}`));
  },
  bye: (ctx, msg) => {
    ctx.rememberBye(msg);
    ctx.log.info(`server says bye: ${msg.code} ${msg.message}`);
  },
  error: (ctx, msg) => {
    ctx.log.warn(`server reports an error: ${msg.code} ${msg.message}`);
  },
  settings: (ctx, msg) => {
    if (ctx.settingsReceived) ctx.settingsReceived(msg);
    else ctx.log.warn('settings received but this agent has no settings handler');
  },
  'server-address': (ctx, msg) => {
    if (ctx.serverAddressReceived) ctx.serverAddressReceived(msg.address);
    else ctx.log.debug(`server address ${msg.address} received; this client keeps its own`);
  },
  attributes: (ctx, msg) => {
    if (ctx.attributesReceived) ctx.attributesReceived(msg);
    else ctx.log.debug('device attributes received; this client keeps none');
  },
};

export function handleServerMessage(ctx: ServerMessageContext, msg: ServerMessage): void {
  (serverMessageHandlers[msg.t] as Handler<ServerMessage>)(ctx, msg);
}
