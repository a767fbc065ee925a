import {
  AttributesMessage,
  ByeMessage,
  CommandMessage,
  ErrorMessage,
  ServerAddressMessage,
  SettingsMessage,
  WelcomeMessage,
  type ServerMessage,
} from '@openums/protocol';
import { compileChecker, type Checker } from '@openums/protocol/checker';
import { checkSettingsMap } from '../settings/values.js';

export type ParseResult = { ok: true; message: ServerMessage } | { ok: false; error: string };

/**
 * One compiled checker per server → device message type, chosen by the `t` tag: the schemas the
 * server's messages are typed with. Compiled once per process (the simulator runs thousands of
 * devices on them).
 */
export const serverMessageCheckers: { [T in ServerMessage['t']]: Checker<Extract<ServerMessage, { t: T }>> } = {
  welcome: compileChecker(WelcomeMessage),
  command: compileChecker(CommandMessage),
  error: compileChecker(ErrorMessage),
  bye: compileChecker(ByeMessage),
  settings: compileChecker(SettingsMessage),
  'server-address': compileChecker(ServerAddressMessage),
  attributes: compileChecker(AttributesMessage),
};

const isServerMessageType = (t: unknown): t is ServerMessage['t'] => typeof t === 'string' && Object.hasOwn(serverMessageCheckers, t);

/**
 * Checks a server → device frame against the protocol schemas. Unknown command names and error
 * codes pass (the schemas say so): the runner answers an unknown command ok:false.
 */
export function parseServerMessage(text: string): ParseResult {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return { ok: false, error: 'not an object' };
  const m = v as Record<string, unknown>;
  const t = m.t;
  if (!isServerMessageType(t)) return { ok: false, error: `unknown type ${JSON.stringify(t)?.slice(0, 40)}` };
  if (t === 'settings') {
    // The agent's own value checks first: they also refuse `__proto__` and name the bad key
    // without echoing its value (it may be a secret).
    const checked = checkSettingsMap(m.settings);
    if (!checked.ok) return { ok: false, error: `bad settings: ${checked.error}` };
  }
  const checker: Checker<ServerMessage> = serverMessageCheckers[t];
  if (!checker.check(m)) return { ok: false, error: `bad ${t}: ${checker.problem(m)}` };
  // A fresh object: fields a newer server may add do not travel on into the settings store.
  if (m.t === 'settings') return { ok: true, message: { t: 'settings', revision: m.revision, hash: m.hash, settings: m.settings } };
  return { ok: true, message: m };
}
