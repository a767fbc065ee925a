import { X509Certificate } from 'node:crypto';
import { readFile, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { jobFailureConditions } from '../jobs/job-notifications.js';
import type { Condition } from './notifications.repository.js';
import type { NotificationsService } from './notifications.service.js';
import { devicesWithPresence } from '../devices/device-rows.js';

const DAY_MS = 86_400_000;

export interface CheckOptions {
  /** Certificates expiring within this many days are reported (critical within a quarter of it). */
  certificateDays: number;
  /** The data directory's file system: below this share or these bytes free is reported. */
  diskMinFreeRatio: number;
  diskMinFreeBytes: number;
  /** Devices silent for this many heartbeats (after contact within the last day). */
  missedHeartbeats: number;
  heartbeatIntervalMs: number;
}

export const DEFAULT_CHECK_OPTIONS: CheckOptions = {
  certificateDays: 30,
  diskMinFreeRatio: 0.1,
  diskMinFreeBytes: 1024 ** 3,
  missedHeartbeats: 3,
  heartbeatIntervalMs: 60_000,
};

export interface CheckSources {
  dataDir: string;
  /** The device CA's certificate, once loaded. */
  deviceCaPem(): string | null;
  /** Version or clock skew between the servers of the cluster (the health check's warnings). */
  skewWarnings(): Promise<string[]>;
}

const days = (ms: number) => Math.max(0, Math.floor(ms / DAY_MS));

/**
 * The conditions the centre reports, each check syncing its kind (raise, update, resolve).
 * Run as singleton work of the cluster: `frequent` every few minutes, `disk` every 6 hours.
 */
export class NotificationChecks {
  constructor(
    private readonly db: Db,
    private readonly notifications: Pick<NotificationsService, 'sync'>,
    private readonly sources: CheckSources,
    private readonly clock: Clock,
    private readonly opts: CheckOptions = DEFAULT_CHECK_OPTIONS,
  ) {}

  async frequent(): Promise<void> {
    await this.notifications.sync('certificateExpiry', await this.serverCertificates());
    await this.notifications.sync('deviceCertificateExpiry', await this.deviceCertificates());
    await this.notifications.sync(
      'serverSkew',
      (await this.sources.skewWarnings()).map((reason, i) => ({
        key: `server-skew-${i}`,
        severity: 'warning' as const,
        title: 'Servers of the cluster disagree',
        message: reason,
      })),
    );
    await this.notifications.sync('missedHeartbeats', await this.silentDevices());
    // One per job run that finished with failed, timed-out or expired devices (docs/jobs.md#notifications).
    await this.notifications.sync('jobFailures', await jobFailureConditions(this.db, this.clock.now()));
  }

  async disk(): Promise<void> {
    const s = await statfs(this.sources.dataDir);
    const free = Number(s.bavail) * Number(s.bsize);
    const total = Number(s.blocks) * Number(s.bsize);
    const low = free < this.opts.diskMinFreeBytes || (total > 0 && free / total < this.opts.diskMinFreeRatio);
    const gib = (b: number) => `${(b / 1024 ** 3).toFixed(1)} GiB`;
    await this.notifications.sync(
      'diskSpace',
      low
        ? [
            {
              key: 'disk-data-dir',
              severity: free / total < this.opts.diskMinFreeRatio / 2 ? 'critical' : 'warning',
              title: 'Little disk space left for the data directory',
              message: `${gib(free)} of ${gib(total)} free on the file system of ${this.sources.dataDir}; the embedded database, backups and logs live there.`,
            },
          ]
        : [],
    );
  }

  private async serverCertificates(): Promise<Condition[]> {
    const now = this.clock.now();
    const out: Condition[] = [];
    const check = (key: string, name: string, pem: string | null) => {
      if (!pem) return;
      const notAfter = Date.parse(new X509Certificate(pem).validTo);
      const left = notAfter - now;
      if (left > this.opts.certificateDays * DAY_MS) return;
      out.push({
        key,
        severity: left < (this.opts.certificateDays * DAY_MS) / 4 ? 'critical' : 'warning',
        title: left <= 0 ? `The ${name} has expired` : `The ${name} expires in ${days(left)} days`,
        message: `The ${name} is valid until ${new Date(notAfter).toISOString()}. Renew it before then (docs/install.md).`,
      });
    };
    const read = (file: string) => readFile(join(this.sources.dataDir, 'tls', file), 'utf8').catch(() => null);
    check('web-ca', 'web CA certificate', await read('web-ca.crt'));
    check('web-cert', 'web server certificate', await read('web.crt'));
    check('device-ca', 'device CA certificate', this.sources.deviceCaPem());
    return out;
  }

  /** Devices whose certificate runs out within the window: one notification with the count (index on cert_expires_at). */
  private async deviceCertificates(): Promise<Condition[]> {
    const now = this.clock.now();
    const r = await this.db
      .selectFrom('devices')
      .select([sql<number>`count(*)`.as('n'), sql<number>`min(cert_expires_at)`.as('first')])
      .where('cert_expires_at', 'is not', null)
      .where('cert_expires_at', '<=', now + this.opts.certificateDays * DAY_MS)
      .executeTakeFirstOrThrow();
    const n = Number(r.n);
    if (!n) return [];
    return [
      {
        key: 'device-certificates',
        severity: 'warning',
        title: `${n} device certificate${n === 1 ? '' : 's'} expire${n === 1 ? 's' : ''} within ${this.opts.certificateDays} days`,
        message: `The first on ${new Date(Number(r.first)).toISOString()}. Online agents renew their certificates themselves; devices that stay offline past the date must enroll again.`,
      },
    ];
  }

  /**
   * Devices heard from within the last day but silent for more than N heartbeats now. The server
   * cannot tell a device switched off from one that lost its network, so both count; the message
   * says how to list them.
   */
  private async silentDevices(): Promise<Condition[]> {
    const now = this.clock.now();
    const silentSince = now - this.opts.missedHeartbeats * this.opts.heartbeatIntervalMs;
    const base = devicesWithPresence(this.db)
      .where('last_contact', '>', now - DAY_MS)
      .where('last_contact', '<', silentSince);
    const n = Number((await base.select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow()).n);
    if (!n) return [];
    const names = (await base.select('name').orderBy('last_contact', 'desc').limit(5).execute()).map((d) => d.name);
    return [
      {
        key: 'missed-heartbeats',
        severity: 'warning',
        title: `${n} device${n === 1 ? '' : 's'} stopped reporting`,
        message: `No contact for more than ${this.opts.missedHeartbeats} heartbeats (${Math.round((this.opts.missedHeartbeats * this.opts.heartbeatIntervalMs) / 1000)} s) after contact within the last day: ${names.join(', ')}${n > names.length ? `, and ${n - names.length} more` : ''}. A view with lastContact withinLastDays 1 and online = false lists them.`,
      },
    ];
  }
}
