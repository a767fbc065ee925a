import { isIP } from 'node:net';
import type { Config } from './schema.js';

export interface ConfigWarning {
  setting: string;
  message: string;
}

/**
 * Valid but risky settings, logged as warnings at start-up (the logger exists only then;
 * loadConfig stays pure). Empty when there is nothing to say.
 */
export function configWarnings(config: Readonly<Config>): ConfigWarning[] {
  const out: ConfigWarning[] = [];
  const fwd = config.clientCertForwarding;
  const loopback = fwd.trustedProxies.filter(isLoopback);
  if (fwd.enabled && loopback.length) {
    out.push({
      setting: 'clientCertForwarding.trustedProxies',
      message:
        `Client certificate forwarding is on and loopback address(es) ${loopback.join(', ')} are trusted proxies` +
        `${loopback.length === fwd.trustedProxies.length ? ' (the default list)' : ''}: any process on this host can connect ` +
        `and claim the identity of any device whose certificate it has seen (certificates are not secret). ` +
        `Set clientCertForwarding.trustedProxies (OPENUMS_TRUSTED_PROXIES) to the address of your proxy only; ` +
        `keep loopback only if the proxy runs on this host and no untrusted local process does.`,
    });
  }
  return out;
}

function isLoopback(addr: string): boolean {
  const a = addr
    .trim()
    .toLowerCase()
    .replace(/^::ffff:/, '');
  if (isIP(a) === 4) return a.startsWith('127.');
  return a === '::1' || a === '0:0:0:0:0:0:0:1';
}
