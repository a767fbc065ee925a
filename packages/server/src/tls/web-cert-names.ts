import { isIP } from 'node:net';
import { normalizeIp, type CertSummary } from './pki.js';

/** The subject alternative names of a certificate, split by kind, sorted, without duplicates. */
export interface CertNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/** What one registered server process asks the shared web certificate to cover. */
export interface ServerNames {
  host: string;
  /** Its network addresses (the registry's `addresses` column). */
  addresses: readonly string[];
  /** Its own certificate names: localhost, host name, every interface address, `tls.extraNames`. */
  tlsNames: readonly string[];
}

/**
 * The names the installation's one web certificate must cover: every registered server's host
 * name, addresses and own names (including its `tls.extraNames`), and the host part of the
 * cluster address. Pure, so the union is tested without a database.
 */
export function certificateNames(servers: readonly ServerNames[], clusterAddress: string | null): CertNames {
  const dns = new Set<string>();
  const ips = new Set<string>();
  const add = (name: string) => {
    const n = name.trim();
    if (!n) return;
    // A link-local IPv6 address carries a zone (fe80::1%eth0) and cannot be a SAN.
    if (n.includes('%')) return;
    if (isIP(n)) ips.add(normalizeIp(n));
    else if (isDnsName(n)) dns.add(n.toLowerCase().replace(/\.$/, ''));
  };
  for (const s of servers) {
    add(s.host);
    for (const a of s.addresses) add(a);
    for (const n of s.tlsNames) add(n);
  }
  const cluster = clusterAddress === null ? null : hostOfAddress(clusterAddress);
  if (cluster) add(cluster);
  return { dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}

/** The host of a cluster address (`host[:port]` or `https://host[:port]/`), without brackets. */
export function hostOfAddress(address: string): string | null {
  try {
    const url = new URL(/^https:\/\//i.test(address) ? address : `https://${address}`);
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return host || null;
  } catch {
    return null;
  }
}

/** True when the certificate names every wanted name (more names are fine). */
export function coversNames(cert: Pick<CertSummary, 'dnsNames' | 'ipAddresses'>, wanted: CertNames): boolean {
  const dns = new Set(cert.dnsNames.map((n) => n.toLowerCase()));
  const ips = new Set(cert.ipAddresses.map(normalizeIp));
  return wanted.dnsNames.every((n) => dns.has(n)) && wanted.ipAddresses.every((ip) => ips.has(ip));
}

/** Host names only (a registry row of an older version may hold anything). */
function isDnsName(n: string): boolean {
  // A wildcard (`*.example.com`) is a valid SAN too.
  const name = n.startsWith('*.') ? n.slice(2) : n;
  return (
    name.length <= 253 &&
    /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/.test(name)
  );
}
