import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { magicPacket } from '@openums/protocol';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { TestDevice } from '../helpers/device.js';

/**
 * A scheduled `wakeup` job: offline devices are not skipped (waking them is the point), the
 * magic packet leaves the server for each, and a device's row turns `succeeded` when it connects.
 */
describe.each(DIALECTS)('wake-up jobs (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, onlineDevice, waitFor } = s;
  let udp: { socket: Socket; port: number; got: Buffer[] };
  beforeAll(async () => {
    const socket = createSocket('udp4');
    const got: Buffer[] = [];
    socket.on('message', (m) => got.push(m));
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
    udp = { socket, port: socket.address().port, got };
  });
  afterAll(() => udp.socket.close());

  /** As if the device had last connected from 127.0.0.1; set again until no late presence write undoes it. */
  const lastIpLoopback = async (id: number) => {
    const h = s.testDb().open();
    try {
      for (let i = 0; i < 20; i++) {
        await h.db.updateTable('devices').set({ last_ip: '127.0.0.1' }).where('id', '=', id).execute();
        await new Promise((r) => setTimeout(r, 250));
        if ((await api('GET', `/api/v1/devices/${id}`)).body.lastIp === '127.0.0.1') return;
      }
      throw new Error(`last IP of device ${id} did not stay 127.0.0.1`);
    } finally {
      await h.close();
    }
  };

  it('wakes offline devices of a folder: packets out, each device succeeded when it connects', async () => {
    const wol = await api('PUT', '/api/v1/settings/wake-on-lan', {
      port: udp.port,
      broadcast: false,
      lastKnownIp: true,
      subnets: [],
      networkMasks: [],
      dedicatedProxies: false,
      dedicatedProxyIds: [],
      automaticProxy: false,
      automaticProxyMask: '24',
    });
    expect(wol.status, JSON.stringify(wol.body)).toBe(200);
    const folder = (await api('POST', '/api/v1/device-folders', { name: `wake-${dialect}` })).body;
    const sleeping = [await onlineDevice(), await onlineDevice()];
    expect((await api('POST', '/api/v1/devices/move', { deviceIds: sleeping.map((d) => d.id), folderId: folder.id })).status).toBeLessThan(
      300,
    );
    for (const d of sleeping) {
      // Online in the database first (the welcome precedes the presence write), then offline.
      await waitFor(async () => (await api('GET', `/api/v1/devices/${d.id}`)).body.online === true);
      d.dev.close();
      await waitFor(async () => (await api('GET', `/api/v1/devices/${d.id}`)).body.online === false);
      await lastIpLoopback(d.id);
    }
    udp.got.length = 0;

    // retryNextBoot off: for any other command these offline devices would be `skipped`.
    const job = await api('POST', '/api/v1/jobs', {
      name: `wake the shift ${dialect}`,
      command: 'wakeup',
      targets: [{ type: 'folder', id: folder.id }],
      schedule: { startAt: new Date(Date.now() + 3_600_000).toISOString() },
      options: { retryNextBoot: false, expiryMinutes: 5 },
    });
    expect(job.status, JSON.stringify(job.body)).toBe(201);
    const started = await api('POST', `/api/v1/jobs/${job.body.id}/run`);
    expect(started.status, JSON.stringify(started.body)).toBeLessThan(300);
    const runId = started.body.runId as number;
    const rows = async () =>
      (await api('GET', `/api/v1/job-runs/${runId}/devices`)).body.items as Array<{ deviceId: number; state: string }>;

    // Both packets leave the server; nobody is skipped for being offline.
    await waitFor(async () => udp.got.length >= 2);
    const expected = sleeping.map((d) => Buffer.from(magicPacket(d.mac)).toString('hex')).sort();
    expect([...new Set(udp.got.map((b) => b.toString('hex')))].sort()).toEqual(expected);
    await waitFor(async () => (await rows()).every((r) => r.state === 'sent'));
    expect((await rows()).map((r) => r.state)).toEqual(['sent', 'sent']);

    // The first device comes up: its row succeeds, the other keeps waiting, the run keeps running.
    const first = (await TestDevice.connect(s.t, sleeping[0]!.creds)) as TestDevice;
    first.hello(sleeping[0]!.mac);
    await waitFor(async () => (await rows()).find((r) => r.deviceId === sleeping[0]!.id)?.state === 'succeeded');
    expect((await rows()).find((r) => r.deviceId === sleeping[1]!.id)?.state).toBe('sent');
    expect((await api('GET', `/api/v1/job-runs/${runId}`)).body.state).toBe('running');

    // The second comes up: the run finishes with both succeeded.
    const second = (await TestDevice.connect(s.t, sleeping[1]!.creds)) as TestDevice;
    second.hello(sleeping[1]!.mac);
    await waitFor(async () => (await api('GET', `/api/v1/job-runs/${runId}`)).body.state !== 'running');
    const run = (await api('GET', `/api/v1/job-runs/${runId}`)).body;
    expect(run.state, JSON.stringify(run)).toBe('finished');
    expect((await rows()).map((r) => r.state)).toEqual(['succeeded', 'succeeded']);
    first.close();
    second.close();
  });
});
