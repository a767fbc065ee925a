import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { createCa, issueServerCert, normalizeIp, summarize, type KeyAndCert } from './pki.js';

export const RENEW_BEFORE_MS = 30 * 24 * 60 * 60 * 1000;
export const WEB_CERT_DAYS = 397;

export interface WebTls {
  ca: KeyAndCert;
  web: KeyAndCert;
  /** True when this start created or re-issued something (worth a log line). */
  changed: string[];
}

/** The names the web certificate must cover on this host. */
export function desiredNames(extraNames: readonly string[]): { dnsNames: string[]; ipAddresses: string[] } {
  const dns = new Set<string>(['localhost']);
  const ips = new Set<string>(['127.0.0.1', '::1']);
  const host = hostname();
  if (host) dns.add(host.toLowerCase());
  for (const list of Object.values(networkInterfaces())) {
    for (const addr of list ?? []) {
      // Link-local IPv6 addresses carry a zone and cannot be a SAN.
      if (addr.family === 'IPv6' && addr.address.toLowerCase().startsWith('fe80')) continue;
      ips.add(normalizeIp(addr.address));
    }
  }
  for (const name of extraNames) {
    if (isIP(name)) ips.add(normalizeIp(name));
    else dns.add(name.toLowerCase());
  }
  return { dnsNames: [...dns].sort(), ipAddresses: [...ips].sort() };
}

/**
 * Loads the web CA and certificate from `<dataDir>/tls`, creating them on first start.
 * The certificate is re-issued (same CA, so pinned clients keep working) when it nears
 * expiry or no longer covers this host's names and addresses.
 */
export async function ensureWebTls(dataDir: string, extraNames: readonly string[], now = Date.now()): Promise<WebTls> {
  const dir = join(dataDir, 'tls');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const changed: string[] = [];
  const files = {
    caCert: join(dir, 'web-ca.crt'),
    caKey: join(dir, 'web-ca.key'),
    cert: join(dir, 'web.crt'),
    key: join(dir, 'web.key'),
  };

  let ca: KeyAndCert;
  if (existsSync(files.caCert) && existsSync(files.caKey)) {
    ca = { certPem: readFileSync(files.caCert, 'utf8'), keyPem: readFileSync(files.caKey, 'utf8') };
  } else {
    ca = await createCa('OpenUMS Web CA', 10, now);
    writeSecret(files.caKey, ca.keyPem);
    writeAtomic(files.caCert, ca.certPem, 0o644);
    changed.push('web CA created');
  }

  let want = desiredNames(extraNames);
  let web: KeyAndCert | null = null;
  if (existsSync(files.cert) && existsSync(files.key)) {
    const current = { certPem: readFileSync(files.cert, 'utf8'), keyPem: readFileSync(files.key, 'utf8') };
    const s = summarize(current.certPem);
    const covers = want.dnsNames.every((n) => s.dnsNames.includes(n)) && want.ipAddresses.every((ip) => s.ipAddresses.includes(ip));
    if (covers && s.validTo - now > RENEW_BEFORE_MS) web = current;
    else changed.push(covers ? 'web certificate renewed (near expiry)' : 'web certificate re-issued (host names changed)');
    // Keep the names it had (in a cluster: the other servers' and the cluster address) until the
    // installation's certificate from the database replaces it.
    if (!web) {
      want = {
        dnsNames: [...new Set([...want.dnsNames, ...s.dnsNames])].sort(),
        ipAddresses: [...new Set([...want.ipAddresses, ...s.ipAddresses])].sort(),
      };
    }
  } else {
    changed.push('web certificate created');
  }
  if (!web) {
    web = await issueServerCert({
      ca,
      commonName: want.dnsNames.includes(hostname().toLowerCase()) ? hostname() : 'localhost',
      ...want,
      days: WEB_CERT_DAYS,
      now,
    });
    writeSecret(files.key, web.keyPem);
    writeAtomic(files.cert, web.certPem, 0o644);
  }
  return { ca, web, changed };
}

/**
 * Writes the installation's certificate to `<dataDir>/tls/web.crt` and `web.key` when it differs
 * from what is there (the supervisor, the next start and the join token read these files).
 */
export function writeWebCertFiles(dataDir: string, web: KeyAndCert): void {
  const cert = join(dataDir, 'tls', 'web.crt');
  const key = join(dataDir, 'tls', 'web.key');
  if (existsSync(cert) && existsSync(key) && readFileSync(cert, 'utf8') === web.certPem && readFileSync(key, 'utf8') === web.keyPem) return;
  writeSecret(key, web.keyPem);
  writeAtomic(cert, web.certPem, 0o644);
}

export function writeSecret(file: string, content: string): void {
  writeAtomic(file, content, 0o600);
}

function writeAtomic(file: string, content: string, mode: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, file);
}
