import { randomBytes } from 'node:crypto';
import type { SettingsRepository } from '../db/settings.repository.js';
import type { Clock } from '../lib/clock.js';
import type { Logger } from '../lib/logger.js';
import type { SecretBox } from '../lib/secret-box.js';

const KEY = 'tls_ticket_keys';
export const TICKET_KEYS_MAX_AGE_MS = 7 * 24 * 3600_000;

interface Stored {
  keys: string;
  createdAt: number;
}

/**
 * The TLS session-ticket keys of the installation, sealed in the database, so a device's
 * resumed TLS session is accepted by every process and host, and a rotation reaches them all.
 * The first server seeds them with the keys of its data directory; a rotation (singleton work,
 * weekly) writes new keys and tells the other processes, which reload them.
 */
export class SharedTicketKeys {
  private current = '';

  constructor(
    private readonly settings: SettingsRepository,
    private readonly box: SecretBox,
    private readonly clock: Clock,
    private readonly apply: (keys: Buffer) => void,
    private readonly log: Logger | null,
  ) {}

  /** Adopts the installation's keys (seeding them with `seed` when there are none yet). */
  async load(seed: Buffer): Promise<void> {
    const sealed = await this.settings.insertSettingIfAbsent(
      KEY,
      this.box.seal(JSON.stringify({ keys: seed.toString('base64'), createdAt: this.clock.now() } satisfies Stored)),
    );
    this.use(sealed);
  }

  /** Re-reads the keys (after a rotation elsewhere); true when they changed. */
  async reload(): Promise<boolean> {
    const sealed = await this.settings.findSetting(KEY);
    return sealed ? this.use(sealed) : false;
  }

  /** Singleton work: new keys when the current ones are older than a week. True when rotated. */
  async rotateIfOld(maxAgeMs = TICKET_KEYS_MAX_AGE_MS): Promise<boolean> {
    const sealed = await this.settings.findSetting(KEY);
    if (!sealed) return false;
    const stored = JSON.parse(this.box.open(sealed)) as Stored;
    if (this.clock.now() - stored.createdAt < maxAgeMs) return false;
    const next = this.box.seal(JSON.stringify({ keys: randomBytes(48).toString('base64'), createdAt: this.clock.now() } satisfies Stored));
    await this.settings.putSetting(KEY, next);
    this.use(next);
    this.log?.info('TLS session ticket keys rotated for the cluster');
    return true;
  }

  private use(sealed: string): boolean {
    const { keys } = JSON.parse(this.box.open(sealed)) as Stored;
    if (keys === this.current) return false;
    const buf = Buffer.from(keys, 'base64');
    if (buf.length !== 48) throw new Error('stored TLS ticket keys are not 48 bytes');
    this.current = keys;
    this.apply(buf);
    return true;
  }
}
