import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

// The presence batch (presence.repository.ts) locks device_presence rows first and then updates the
// devices' reported facts. A deletion reaches device_presence through the foreign key's cascade, so
// it must lock the presence row before the device row, or the two deadlock (seen in CI: a device
// deleted while its hello was being written, DELETE answered 500). Only PostgreSQL has two writers.
describe('deleting a device while its presence is being written (postgres)', () => {
  let t: TestApp;
  let batch: pg.Client;
  beforeAll(async () => {
    t = await buildTestApp('postgres');
    batch = new pg.Client({ connectionString: t.testDb.databaseUrl! });
    await batch.connect();
    // The stand-in for the presence batch looks for a lock cycle only after 10 s: were there one,
    // the deletion's backend (1 s) would be the one aborted, and the DELETE would fail.
    await batch.query("set deadlock_timeout = '10s'");
  });
  afterAll(async () => {
    await batch?.end();
    await t?.close();
  });

  const create = async (mac: string): Promise<number> => {
    const r = await t.api('POST', '/api/v1/devices', { mac, name: `d-${mac}` });
    expect(r.status).toBe(201);
    return r.body.id;
  };

  /** Holds `ids`' presence rows as the batch does, then writes their facts while `run` waits. */
  async function duringPresenceBatch(ids: number[], run: () => Promise<{ status: number }>) {
    await batch.query('begin');
    await batch.query('select device_id from device_presence where device_id = any($1) order by device_id for update', [ids]);
    const pending = run();
    await new Promise((r) => setTimeout(r, 300));
    await batch.query("update devices set product = 'OS 12' where id = any($1)", [ids]);
    await batch.query('commit');
    return pending;
  }

  it('a single deletion waits for the batch and succeeds', async () => {
    const id = await create('02:DD:00:00:00:01');
    const r = await duringPresenceBatch([id], () => t.api('DELETE', `/api/v1/devices/${id}`));
    expect(r.status).toBe(204);
    expect((await t.api('GET', `/api/v1/devices/${id}`)).status).toBe(404);
  });

  it('a bulk deletion waits for the batch and deletes every device', async () => {
    const ids = [await create('02:DD:00:00:00:02'), await create('02:DD:00:00:00:03'), await create('02:DD:00:00:00:04')];
    // The batch holds the middle and last devices; the deletion names them in another order.
    const r = (await duringPresenceBatch(ids.slice(1), () =>
      t.api('POST', '/api/v1/devices/bulk/delete', { deviceIds: [ids[2], ids[0], ids[1]] }),
    )) as { status: number; body: any };
    expect(r.status).toBe(200);
    expect([...r.body.done].sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await t.api('GET', `/api/v1/devices/${id}`)).status).toBe(404);
  });
});
