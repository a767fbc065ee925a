export const DEFAULT_STATE_DIR = '/var/lib/openums-agent';

/** The server address a device should use: this page's host, with the port spelled out. */
export function serverUrlFromLocation(location: Pick<Location, 'protocol' | 'hostname' | 'port'>): string {
  const port = location.port || (location.protocol === 'http:' ? '80' : '443');
  return `https://${location.hostname}:${port}`;
}

/** A configured address (`host[:port]` or an https URL) as a server URL, with the port spelled out. */
export function serverUrlFromAddress(address: string): string {
  const url = new URL(address.startsWith('https://') ? address : `https://${address}`);
  return `https://${url.hostname}:${url.port || '443'}`;
}

/**
 * Where devices enroll: the device enrollment address, else the cluster address (Administration ›
 * Servers), else this page's host.
 */
export function enrollServerUrl(
  addresses: { enrollmentAddress: string | null; clusterAddress: string | null } | undefined,
  location: Pick<Location, 'protocol' | 'hostname' | 'port'>,
): string {
  const configured = addresses?.enrollmentAddress ?? addresses?.clusterAddress;
  return configured ? serverUrlFromAddress(configured) : serverUrlFromLocation(location);
}

/** Quote a value for a POSIX shell only when it needs it. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./<>-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface EnrollCommandParts {
  serverUrl: string;
  key: string;
  caFingerprint: string | null;
  stateDir?: string;
}

/**
 * The command line; `multiline` puts each option on its own line (shell continuations), for
 * reading. The key goes in the agent's environment (OPENUMS_ENROLLMENT_KEY), not in an
 * argument, so other users of the device cannot read it in the process list (`ps`).
 */
export function enrollCommand(
  { serverUrl, key, caFingerprint, stateDir = DEFAULT_STATE_DIR }: EnrollCommandParts,
  multiline = false,
): string {
  const program = `OPENUMS_ENROLLMENT_KEY=${key === '<KEY>' ? key : shellQuote(key)} openums-agent enroll`;
  const options = [`--server ${shellQuote(serverUrl)}`];
  if (caFingerprint) options.push(`--ca-fingerprint ${shellQuote(caFingerprint)}`);
  options.push(`--state-dir ${shellQuote(stateDir)}`);
  return multiline ? [program, ...options].join(' \\\n  ') : [program, ...options].join(' ');
}

export function runCommand(stateDir = DEFAULT_STATE_DIR): string {
  return `openums-agent run --state-dir ${shellQuote(stateDir)}`;
}
