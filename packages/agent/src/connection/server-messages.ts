import type { ServerMessage } from '@openums/protocol';
import { checkSettingsMap } from '../settings/values.js';

export type ParseResult = { ok: true; message: ServerMessage } | { ok: false; error: string };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Checks a server → device frame against the protocol shapes (hand-written: the agent stays
 * free of a schema compiler). Unknown command names pass: the runner answers them ok:false.
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
  switch (m.t) {
    case 'welcome':
      if (isInt(m.deviceId) && isInt(m.heartbeatSeconds) && m.heartbeatSeconds >= 1 && isInt(m.heartbeatOffsetSeconds) && m.heartbeatOffsetSeconds >= 0) {
        return { ok: true, message: m as unknown as ServerMessage };
      }
      return { ok: false, error: 'bad welcome' };
    case 'command':
      if (isInt(m.id) && m.id >= 1 && isStr(m.command) && (m.text === undefined || isStr(m.text))) {
        return { ok: true, message: m as unknown as ServerMessage };
      }
      return { ok: false, error: 'bad command' };
    case 'bye':
      if (isStr(m.code) && isStr(m.message) && (m.retryAfterSeconds === undefined || (isInt(m.retryAfterSeconds) && m.retryAfterSeconds >= 0))) {
        return { ok: true, message: m as unknown as ServerMessage };
      }
      return { ok: false, error: 'bad bye' };
    case 'error':
      if (isStr(m.code) && isStr(m.message)) return { ok: true, message: m as unknown as ServerMessage };
      return { ok: false, error: 'bad error' };
    case 'settings': {
      if (!isInt(m.revision) || m.revision < 0) return { ok: false, error: 'bad settings: revision' };
      if (!isStr(m.hash) || !SHA256_HEX.test(m.hash)) return { ok: false, error: 'bad settings: hash' };
      const checked = checkSettingsMap(m.settings);
      if (!checked.ok) return { ok: false, error: `bad settings: ${checked.error}` };
      return { ok: true, message: { t: 'settings', revision: m.revision, hash: m.hash, settings: checked.settings } };
    }
    default:
      return { ok: false, error: `unknown type ${JSON.stringify(m.t)?.slice(0, 40)}` };
  }
}
