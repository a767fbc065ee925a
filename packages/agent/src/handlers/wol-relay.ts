import { WolRelayRequest } from '@openums/protocol';
import { compileChecker } from '@openums/protocol/checker';
import { relayMagicPackets } from '../lib/wake-on-lan.js';
import type { CommandHandler } from './types.js';

/**
 * The server asks this device, a wake-on-LAN proxy, to wake devices in its own network: the
 * command's text is a WolRelayRequest. Only while the device is a proxy (dedicated proxies get
 * the setting from the server; automatic detection picks any online device, which relays once).
 */
const relayRequest = compileChecker(WolRelayRequest);

export const wolRelay: CommandHandler = async (cmd) => {
  let req: unknown;
  try {
    req = JSON.parse(cmd.text ?? '');
  } catch {
    return { ok: false, message: 'wol-relay: the request is not JSON' };
  }
  if (!relayRequest.check(req)) return { ok: false, message: `wol-relay: ${relayRequest.problem(req)}` };
  const r = await relayMagicPackets(req);
  if (r.sent === 0) {
    return {
      ok: false,
      message: `wol-relay: no packet could be sent${r.failed.length ? ` (${r.failed.slice(0, 5).join('; ')})` : ' (no IPv4 network)'}`,
    };
  }
  return { ok: true, message: `relayed ${req.devices.length} magic packet(s) to ${r.targets.slice(0, 8).join(', ')}` };
};
