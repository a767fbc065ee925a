import type { AddressInfo } from 'node:net';
import { NOTIFICATION_KINDS } from '@openums/protocol';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Mailer } from '../../src/modules/mail/mailer.js';
import { createCa } from '../../src/tls/pki.js';
import { DEFAULT_CHECK_OPTIONS, NotificationChecks, type CheckSources } from '../../src/modules/notifications/notification-checks.js';
import { NotificationsRepository } from '../../src/modules/notifications/notifications.repository.js';
import { NotificationsService } from '../../src/modules/notifications/notifications.service.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { DIALECTS } from '../helpers/db.js';
import { setDeviceFields } from '../helpers/presence.js';

const DAY = 86_400_000;

/**
 * The notification centre on both databases: the checks raise, update and resolve conditions;
 * every administrator reads, marks and filters their own; a raised condition is mailed (real
 * SMTP server) to an administrator who asked for its kind by mail.
 */
describe.each(DIALECTS)('notifications (%s)', (dialect) => {
  let t: TestApp;
  let smtp: SMTPServer;
  let smtpPort = 0;
  const received: { to: string[]; text: string }[] = [];
  let skew: string[] = [];
  let service: NotificationsService;
  let checks: (opts?: Partial<typeof DEFAULT_CHECK_OPTIONS>) => NotificationChecks;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    smtp = new SMTPServer({
      logger: false,
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      onData(stream, session, cb) {
        let text = '';
        stream.on('data', (c: Buffer) => (text += c.toString()));
        stream.on('end', () => {
          received.push({ to: session.envelope.rcptTo.map((r) => r.address), text });
          cb();
        });
      },
    });
    await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
    smtpPort = (smtp.server.address() as AddressInfo).port;
    const mailer = new Mailer(
      async () => ({
        host: '127.0.0.1',
        port: smtpPort,
        security: 'none',
        user: null,
        password: null,
        sender: 'ums@example.test',
        recipients: [],
        caCertificate: null,
        verifyHostName: false,
      }),
      null,
    );
    service = new NotificationsService(new NotificationsRepository(t.database.db), t.clock, () => mailer, null);
    // The device CA of a real installation (the test app runs without HTTPS, so without web certificates).
    const deviceCa = (await createCa('Notifications test device CA')).certPem;
    const sources: CheckSources = { dataDir: t.testDb.dataDir, deviceCaPem: () => deviceCa, skewWarnings: async () => skew };
    checks = (opts = {}) => new NotificationChecks(t.database.db, service, sources, t.clock, { ...DEFAULT_CHECK_OPTIONS, ...opts });
  });
  afterAll(async () => {
    await t?.close();
    if (smtp) await new Promise<void>((r) => smtp.close(() => r()));
  });

  const list = async (q = '') => (await t.api('GET', `/api/v1/notifications${q}`)).body;
  const count = async () => (await t.api('GET', '/api/v1/notifications/count')).body;
  const device = async (mac: string) => (await t.api('POST', '/api/v1/devices', { mac })).body.id as number;
  const setDevice = (id: number, values: Record<string, unknown>) => setDeviceFields(t.database.db, id, values);

  it('raises a condition once, updates it, resolves it, and raises it again unread', async () => {
    // The app's own checks and reminders run too (a low disk, a missing backup task on SQLite):
    // this test looks at one kind only.
    const only = Object.fromEntries(NOTIFICATION_KINDS.map((k) => [k, { show: k === 'deviceCertificateExpiry', mail: false }]));
    expect((await t.api('PUT', '/api/v1/notifications/preferences', { mailTo: null, kinds: only })).status).toBe(200);
    const now = t.clock.now();
    const a = await device('02CC00000001');
    const b = await device('02CC00000002');
    await setDevice(a, { cert_expires_at: now + 10 * DAY });
    await setDevice(b, { cert_expires_at: now + 400 * DAY });
    await checks().frequent();
    await checks().frequent();
    let items = (await list()).items;
    expect(items.map((n: any) => n.kind)).toEqual(['deviceCertificateExpiry']);
    expect(items[0]).toMatchObject({
      severity: 'warning',
      title: '1 device certificate expires within 30 days',
      read: false,
      resolvedAt: null,
    });
    expect(await count()).toEqual({ unread: 1, current: 1 });

    // Two devices now: the same notification, updated in place.
    await setDevice(b, { cert_expires_at: now + 20 * DAY });
    await checks().frequent();
    items = (await list()).items;
    expect(items).toHaveLength(1);
    expect(items[0].title).toBe('2 device certificates expire within 30 days');
    const id = items[0].id;

    expect((await t.api('POST', `/api/v1/notifications/${id}/read`)).status).toBe(204);
    expect(await count()).toEqual({ unread: 0, current: 1 });
    expect((await list('?unread=true')).items).toEqual([]);
    expect((await t.api('POST', '/api/v1/notifications/987654/read')).body.error.code).toBe('NOTIFICATION_NOT_FOUND');

    // Renewed: resolved, gone from the current list, kept among the resolved.
    await setDevice(a, { cert_expires_at: now + 400 * DAY });
    await setDevice(b, { cert_expires_at: now + 400 * DAY });
    await checks().frequent();
    expect((await list()).items).toEqual([]);
    const resolved = (await list('?resolved=true')).items;
    expect(resolved[0]).toMatchObject({ id, resolvedAt: expect.any(String) });
    expect(await count()).toEqual({ unread: 0, current: 0 });

    // Back again: unread again.
    await setDevice(a, { cert_expires_at: now + 3 * DAY });
    await checks().frequent();
    expect((await list()).items[0]).toMatchObject({ id, read: false, title: '1 device certificate expires within 30 days' });
    expect((await t.api('POST', '/api/v1/notifications/read-all')).body).toEqual({ unread: 0, current: 1 });
    await setDevice(a, { cert_expires_at: now + 400 * DAY });
    await checks().frequent();
  });

  it('reports server certificates, disk space, clock skew and silent devices', async () => {
    expect((await t.api('PUT', '/api/v1/notifications/preferences', { mailTo: null, kinds: {} })).status).toBe(200);
    // A window longer than the certificate lives: the device CA is "expiring".
    await checks({ certificateDays: 100_000 }).frequent();
    let kinds = (await list()).items.map((n: any) => `${n.kind}:${n.title}`);
    expect(kinds.some((k: string) => /^certificateExpiry:The device CA certificate expires in \d+ days$/.test(k))).toBe(true);
    await checks().frequent();
    expect((await list()).items.filter((n: any) => n.kind === 'certificateExpiry')).toEqual([]);

    await checks({ diskMinFreeRatio: 1.01 }).disk();
    expect((await list()).items.find((n: any) => n.kind === 'diskSpace')?.message).toContain(t.testDb.dataDir);
    await checks({ diskMinFreeRatio: 0, diskMinFreeBytes: 0 }).disk();
    expect((await list()).items.find((n: any) => n.kind === 'diskSpace')).toBeUndefined();

    skew = ['server clocks differ by up to 90 s (worst: host-b worker 0); synchronise them with NTP'];
    await checks().frequent();
    expect((await list()).items.find((n: any) => n.kind === 'serverSkew')?.message).toBe(skew[0]);
    skew = [];

    const silent = await device('02CC00000003');
    await setDevice(silent, { last_contact: t.clock.now() - 10 * 60_000 });
    await checks().frequent();
    const lost = (await list()).items.find((n: any) => n.kind === 'missedHeartbeats');
    expect(lost?.title).toBe('1 device stopped reporting');
    await setDevice(silent, { last_contact: t.clock.now() });
    await checks().frequent();
    kinds = (await list()).items.map((n: any) => n.kind);
    expect(kinds).not.toContain('missedHeartbeats');
    expect(kinds).not.toContain('serverSkew');
  });

  it('shows and mails the kinds each administrator chose; bad preferences change nothing', async () => {
    const bad = [
      { mailTo: 'not an address', kinds: {} },
      { mailTo: null, kinds: { bogus: { show: true, mail: false } } },
      { mailTo: null, kinds: { diskSpace: { show: 'yes', mail: false } } },
      { kinds: {} },
    ];
    for (const body of bad) expect((await t.api('PUT', '/api/v1/notifications/preferences', body)).status).toBe(400);
    expect((await t.api('GET', '/api/v1/notifications/preferences')).body).toEqual({ mailTo: null, kinds: {} });

    const prefs = {
      mailTo: 'admin@example.test',
      kinds: { diskSpace: { show: true, mail: true }, serverSkew: { show: false, mail: false } },
    };
    expect((await t.api('PUT', '/api/v1/notifications/preferences', prefs)).body).toEqual(prefs);
    received.length = 0;
    await checks({ diskMinFreeRatio: 1.01 }).disk();
    await checks({ diskMinFreeRatio: 1.01 }).disk(); // still low: not mailed twice
    expect(received).toHaveLength(1);
    expect(received[0]!.to).toEqual(['admin@example.test']);
    expect(received[0]!.text).toContain('Little disk space left for the data directory');

    skew = ['servers run different versions (1.0.0, 1.1.0); update every server to the same version'];
    await checks().frequent();
    // Hidden for this administrator, and not mailed (its kind is not chosen for mail).
    expect((await list()).items.map((n: any) => n.kind)).not.toContain('serverSkew');
    expect(received).toHaveLength(1);
    skew = [];
    await checks().frequent();
    await checks({ diskMinFreeRatio: 0, diskMinFreeBytes: 0 }).disk();
  });
});
