import { X509Certificate } from 'node:crypto';
import type { Db } from '../db/database.js';
import type { SettingsRepository } from '../db/settings.repository.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { SecretBox } from '../lib/secret-box.js';
import { issueServerCert, summarize, type KeyAndCert } from './pki.js';
import { coversNames, type CertNames } from './web-cert-names.js';
import { RENEW_BEFORE_MS, WEB_CERT_DAYS } from './web-identity.js';

const KEY = 'tls_web_cert';

interface Stored extends KeyAndCert {
  /** Counts up with every certificate issued for the installation. */
  generation: number;
  issuedAt: number;
}

/**
 * The installation's one web certificate, sealed in the database: every process and host
 * presents it, and it names every server's host name, addresses and `tls.extraNames` and the
 * cluster address. A process whose names are not covered yet, a new cluster address or a near
 * expiry makes one process issue the next generation (same web CA, so pinned clients keep
 * working) under a row lock; the others adopt it on a bus message or in their catch-up.
 */
export class SharedWebCert {
  private sealed = '';
  private current: Stored | null = null;

  constructor(
    private readonly settings: SettingsRepository,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    /** The web CA of the data directory (shared through the join token). */
    private readonly ca: KeyAndCert,
    /** The names the installation needs now, read with `db` (the lock's transaction) when given. */
    private readonly wanted: (db?: Db) => Promise<CertNames>,
    private readonly apply: (web: KeyAndCert, generation: number) => void,
    private readonly log: Logger | null,
  ) {}

  /** The generation in use here (0 before start). */
  get generation(): number {
    return this.current?.generation ?? 0;
  }

  /**
   * At start, after this process registered its names: seeds the installation's certificate
   * with this host's one when there is none, then makes sure it covers every name. True when
   * this process issued a new generation (the others must be told).
   */
  async start(local: KeyAndCert): Promise<boolean> {
    const seed: Stored = { ...local, generation: 1, issuedAt: this.clock.now() };
    await this.settings.insertSettingIfAbsent(KEY, this.box.seal(JSON.stringify(seed)));
    return this.ensureCovers();
  }

  /**
   * Issues the next generation when the stored certificate lacks a wanted name or nears expiry;
   * otherwise only adopts it. Concurrent callers on any process issue once: the check is
   * repeated under the setting's lock. True when this call issued.
   */
  async ensureCovers(): Promise<boolean> {
    const sealed = await this.settings.findSetting(KEY);
    // Covered (the usual case): no lock, no write.
    if (sealed && this.fits(this.open(sealed), await this.wanted())) {
      this.use(sealed);
      return false;
    }
    const issued = await this.settings.changeSettingLocked(KEY, async (current, trx) => {
      const stored = current ? this.open(current) : null;
      const want = await this.wanted(trx);
      if (stored && this.fits(stored, want)) return { value: null, result: null };
      const names = want.dnsNames.length || want.ipAddresses.length ? want : { dnsNames: ['localhost'], ipAddresses: [] };
      const now = this.clock.now();
      const web = await issueServerCert({ ca: this.ca, commonName: 'OpenUMS', ...names, days: WEB_CERT_DAYS, now });
      const next: Stored = { ...web, generation: (stored?.generation ?? 0) + 1, issuedAt: now };
      return { value: this.box.seal(JSON.stringify(next)), result: { next, names } };
    });
    if (issued) {
      this.log?.info(
        { generation: issued.next.generation, dnsNames: issued.names.dnsNames, ipAddresses: issued.names.ipAddresses },
        'web certificate issued for the cluster',
      );
    }
    await this.reload();
    return issued !== null;
  }

  /** Re-reads the stored certificate (bus message, catch-up); true when a newer one was applied. */
  async reload(): Promise<boolean> {
    const sealed = await this.settings.findSetting(KEY);
    return sealed ? this.use(sealed) : false;
  }

  private fits(stored: Stored, want: CertNames): boolean {
    const s = summarize(stored.certPem);
    return coversNames(s, want) && s.validTo - this.clock.now() > RENEW_BEFORE_MS;
  }

  private open(sealed: string): Stored {
    return JSON.parse(this.box.open(sealed)) as Stored;
  }

  private use(sealed: string): boolean {
    if (sealed === this.sealed) return false;
    const stored = this.open(sealed);
    // Two reloads may finish out of order: never step back to an older generation.
    if (this.current && stored.generation <= this.current.generation) return false;
    if (!issuedBy(stored.certPem, this.ca.certPem)) {
      this.log?.error(
        { generation: stored.generation },
        "the cluster's web certificate is not issued by this server's web CA (tls/web-ca.crt); join this server with a join token",
      );
      return false;
    }
    this.sealed = sealed;
    this.current = stored;
    this.apply({ certPem: stored.certPem, keyPem: stored.keyPem }, stored.generation);
    return true;
  }
}

function issuedBy(certPem: string, caPem: string): boolean {
  try {
    const ca = new X509Certificate(caPem);
    return new X509Certificate(certPem).verify(ca.publicKey);
  } catch {
    return false;
  }
}
