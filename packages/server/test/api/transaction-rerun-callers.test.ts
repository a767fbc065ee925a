import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { channelServer } from '../helpers/channel-server.js';
import { enroll, TestDevice } from '../helpers/device.js';
import { bareJobRunner } from '../helpers/job-runner.js';
import { JobsRepository } from '../../src/modules/jobs/jobs.repository.js';

/** The next `times` updates of `table` matching `when` fail as a deadlock victim would. */
async function cancelFirstUpdates(db: Kysely<any>, name: string, table: string, when: string, times = 1) {
  await sql.raw(`create sequence ${name}_tries`).execute(db);
  await sql
    .raw(
      `create function ${name}() returns trigger language plpgsql as $$
       begin
         if nextval('${name}_tries') <= ${times} then
           raise exception 'test: cancelled as a deadlock victim' using errcode = '40P01';
         end if;
         return new;
       end $$`,
    )
    .execute(db);
  await sql.raw(`create trigger ${name} before update on ${table} for each row when (${when}) execute function ${name}()`).execute(db);
  return async () => Number((await sql.raw<{ n: string }>(`select last_value as n from ${name}_tries`).execute(db)).rows[0]!.n);
}

/**
 * Callers of `transaction()` (db/transaction.ts) must be safe to run again: PostgreSQL cancels one
 * transaction of a lock cycle (40P01) and the helper runs its work once more (ADR 0013). A real
 * deadlock inside a given caller cannot be timed deterministically, so a trigger cancels that
 * caller's first try with the very error code PostgreSQL gives a deadlock victim; a sequence
 * counts the tries, because it is not rolled back with the cancelled transaction.
 * PostgreSQL only: SQLite has one writer and never runs a transaction again.
 */
describe('transaction callers run again after a deadlock (postgres)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp('postgres');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a job run whose resolution is cancelled once resolves as if it had not been: one gone target is not counted twice', async () => {
    const db = t.database.db;
    const device = async (mac: string) =>
      Number(
        (
          await db
            .insertInto('devices')
            .values({ mac, unit_id: mac, name: mac, name_lc: mac.toLowerCase(), registered_at: t.clock.now() })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id,
      );
    const kept = await device('02DD00000001');
    const deleted = await device('02DD00000002');
    const job = await t.api('POST', '/api/v1/jobs', {
      name: 'rerun-resolve',
      command: 'send-message',
      text: 'hello',
      targets: [
        { type: 'device', id: kept },
        { type: 'device', id: deleted },
      ],
      schedule: { startAt: new Date(t.clock.now() + 3_600_000).toISOString() },
      options: { retryNextBoot: true },
    });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    expect((await t.api('DELETE', `/api/v1/devices/${deleted}`)).status).toBe(204);
    const { runId } = (await t.api('POST', `/api/v1/jobs/${job.body.id}/run`)).body;

    // resolve() ends by marking the run resolved: its first try is cancelled there, after it has
    // looked at both targets and found one gone.
    const tries = await cancelFirstUpdates(db, 'cancel_resolve', 'job_runs', 'old.resolved = 0 and new.resolved = 1');
    const repo = new JobsRepository(db);
    const runner = bareJobRunner({ repo, db, dialect: t.database.dialect, clock: t.clock, commands: t.commands });
    await runner.advance((await repo.findRun(runId))!);
    expect(await tries()).toBe(2); // cancelled once, then run again

    const run = (await repo.findRun(runId))!;
    expect(run.resolved).toBe(1);
    // Counted twice, the one gone target would equal the two targets: the run "target gone".
    expect(run.state).not.toBe('targetGone');
    expect(run.message).toBe(`target gone: device ${deleted}`);
    const rows = await db.selectFrom('job_run_devices').select(['device_id']).where('run_id', '=', runId).execute();
    expect(rows.map((r) => Number(r.device_id))).toEqual([kept]);
  });
});

describe('enrollment runs again after a deadlock (postgres)', () => {
  const s = channelServer('postgres');

  it('an enrollment whose transaction is cancelled once answers 200 with the certificate it stored, and uses its one-time key once', async () => {
    const db = s.testDb().open().db;
    try {
      // The enrollment's transaction ends by storing the device's certificate: cancelled there once.
      const tries = await cancelFirstUpdates(db, 'cancel_enroll', 'devices', 'new.cert_serial is distinct from old.cert_serial');
      const [key] = await s.newKey({ type: 'one-time' });
      const mac = s.nextMac();
      const e = await enroll(s.t, key!.secret, { unitId: mac, mac });
      expect(e.status, e.body).toBe(200);
      expect(await tries()).toBe(2);
      const rows = await db.selectFrom('devices').select(['id']).where('unit_id', '=', mac).execute();
      expect(rows).toHaveLength(1);
      // The certificate answered is the one the second run stored: the device channel accepts it.
      const dev = (await TestDevice.connect(s.t, e)) as TestDevice;
      dev.hello(mac);
      expect((await dev.next((m) => m.t === 'welcome')).deviceId).toBe(Number(rows[0]!.id));
      dev.close();
      // The cancelled run's use of the one-time key was rolled back with it: used once, now spent.
      const keys = (await s.api('GET', '/api/v1/enrollment-keys?limit=100')).body.items as Array<{
        id: number;
        uses: number;
        status: string;
      }>;
      expect(keys.find((k) => k.id === key!.id)).toMatchObject({ uses: 1, status: 'used' });
      const other = s.nextMac();
      expect((await enroll(s.t, key!.secret, { unitId: other, mac: other })).status).toBe(401);
    } finally {
      await db.destroy();
    }
  });
});
