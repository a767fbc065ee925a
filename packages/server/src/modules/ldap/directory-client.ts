import type { ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import { Client, FilterParser, InvalidCredentialsError, NoSuchObjectError, type Entry } from 'ldapts';

/** How to reach a directory (one domain's connection settings, the bind password opened). */
export interface DirectoryTarget {
  hosts: string[];
  port: number;
  security: 'none' | 'ldaps' | 'starttls';
  caPem: string | null;
  verifyHostName: boolean;
}

/** Why a directory operation failed; the service turns these into API error codes. */
export class DirectoryError extends Error {
  constructor(
    readonly kind: 'connection' | 'certificate' | 'credentials' | 'no-such-object' | 'search',
    /** A short reason without secrets: a Node/TLS error code or an LDAP result name. */
    readonly reason: string,
    readonly host: string | null,
  ) {
    super(`${kind}: ${reason}${host ? ` (${host})` : ''}`);
    this.name = 'DirectoryError';
  }
}

export type DirectoryEntry = Entry;

const CONNECT_TIMEOUT_MS = 5_000;
const OPERATION_TIMEOUT_MS = 15_000;
/** Node's and OpenSSL's names for a certificate the client does not accept. */
const CERT_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|INVALID_CA|HOSTNAME|ALTNAME/i;

/** RFC 4515: a value inside a filter (a user name, a DN) with its special characters escaped. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** Whether an LDAP filter (RFC 4515) parses, its parentheses balanced (ldapts forgives a missing last one). */
export function isValidFilter(filter: string): boolean {
  let depth = 0;
  for (const c of filter) {
    // Parentheses inside values are escaped (\28, \29): every literal one is structure.
    depth += c === '(' ? 1 : c === ')' ? -1 : 0;
    if (depth < 0) return false;
  }
  if (depth !== 0) return false;
  try {
    FilterParser.parseString(filter);
    return true;
  } catch {
    return false;
  }
}

function classify(err: unknown, host: string): DirectoryError {
  if (err instanceof DirectoryError) return err;
  if (err instanceof InvalidCredentialsError) return new DirectoryError('credentials', 'invalidCredentials', host);
  if (err instanceof NoSuchObjectError) return new DirectoryError('no-such-object', 'noSuchObject', host);
  const e = err as { code?: unknown; name?: string; message?: string } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (code && CERT_ERROR.test(code)) return new DirectoryError('certificate', code, host);
  if (code) return new DirectoryError('connection', code, host);
  const message = e?.message ?? '';
  if (/timeout|timed out|socket|connection|closed/i.test(message))
    return new DirectoryError('connection', message.split('\n')[0]!.slice(0, 120), host);
  // Other LDAP result codes (ldapts errors carry a numeric `code` and a class name).
  return new DirectoryError('search', e?.name ?? 'error', host);
}

function tlsOptions(t: DirectoryTarget, host: string): ConnectionOptions {
  return {
    host,
    // SNI takes host names only.
    ...(isIP(host) ? {} : { servername: host }),
    minVersion: 'TLSv1.2',
    ...(t.caPem ? { ca: t.caPem } : {}),
    // The chain is always verified; only the name check can be turned off (documented).
    ...(t.verifyHostName ? {} : { checkServerIdentity: () => undefined }),
  };
}

/**
 * One bound connection to a directory. Hosts are tried in order: a host that cannot be reached
 * (or whose certificate is refused) passes to the next; wrong credentials stop at once.
 */
export class DirectoryConnection {
  private constructor(
    private readonly client: Client,
    readonly host: string,
  ) {}

  static async open(t: DirectoryTarget, bindDn: string, password: string): Promise<DirectoryConnection> {
    let last: DirectoryError | null = null;
    let certificate: DirectoryError | null = null;
    for (const host of t.hosts) {
      const url = `${t.security === 'ldaps' ? 'ldaps' : 'ldap'}://${isIP(host) === 6 ? `[${host}]` : host}:${t.port}`;
      const client = new Client({
        url,
        connectTimeout: CONNECT_TIMEOUT_MS,
        timeout: OPERATION_TIMEOUT_MS,
        strictDN: false,
        ...(t.security === 'ldaps' ? { tlsOptions: tlsOptions(t, host) } : {}),
      });
      try {
        if (t.security === 'starttls') await client.startTLS(tlsOptions(t, host));
        await client.bind(bindDn, password);
        return new DirectoryConnection(client, host);
      } catch (err) {
        await closeQuietly(client);
        const e = classify(err, host);
        if (e.kind !== 'connection' && e.kind !== 'certificate') throw e;
        if (e.kind === 'certificate') certificate = e;
        last = e;
      }
    }
    // Reported as a certificate problem when any host's certificate was the reason.
    throw certificate ?? last ?? new DirectoryError('connection', 'no host', null);
  }

  /**
   * Subtree (or base) search; paged with `pageSize` when more than one page may come back. With
   * `sizeLimit`, reaching it is not an error (ldapts returns what came).
   */
  async search(
    base: string,
    o: { filter: string; attributes: string[]; scope?: 'base' | 'sub'; sizeLimit?: number; pageSize: number },
  ): Promise<DirectoryEntry[]> {
    try {
      const paged = !o.sizeLimit || o.sizeLimit > o.pageSize;
      const r = await this.client.search(base, {
        scope: o.scope ?? 'sub',
        filter: o.filter,
        attributes: o.attributes,
        ...(o.sizeLimit ? { sizeLimit: o.sizeLimit } : {}),
        ...(paged && (o.scope ?? 'sub') !== 'base' ? { paged: { pageSize: o.pageSize } } : {}),
      });
      return r.searchEntries;
    } catch (err) {
      throw classify(err, this.host);
    }
  }

  async close(): Promise<void> {
    await closeQuietly(this.client);
  }
}

/** Unbinds, but waits at most a second: after a failed handshake the server may never answer. */
async function closeQuietly(client: Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.unbind().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 1_000);
    }),
  ]);
  clearTimeout(timer);
}

/** The values of an attribute as strings (attribute names are matched without case). */
export function values(entry: DirectoryEntry, attribute: string): string[] {
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  if (!key) return [];
  const v = entry[key];
  const list = Array.isArray(v) ? v : [v];
  return list.map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));
}

export const first = (entry: DirectoryEntry, attribute: string): string | null => values(entry, attribute)[0] ?? null;
