import { beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/db.js';
import { channelServer } from '../helpers/channel-server.js';
import { sysinfo, TestDevice, type Target } from '../helpers/device.js';

describe.each(DIALECTS)('commands to devices over real mTLS (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, onlineDevice, waitFor } = s;
  let t: Target;
  beforeAll(() => {
    t = s.t;
  });

  it('delivers commands now or when the device comes online, and redelivers until finished', async () => {
    const { id, dev, mac, creds } = await onlineDevice();
    const sent = await api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [id], text: 'Hello there' });
    expect(sent.status).toBe(201);
    expect(sent.body.commands[0]).toMatchObject({ deviceId: id, state: 'sent' });
    const cmd = await dev.next((m) => m.t === 'command');
    expect(cmd).toMatchObject({ command: 'send-message', text: 'Hello there', id: sent.body.commands[0].id });
    dev.send({ t: 'ack', id: cmd.id });
    dev.send({ t: 'result', id: cmd.id, ok: true, message: 'shown' });
    await waitFor(async () => (await api('GET', `/api/v1/commands/${cmd.id}`)).body.state === 'succeeded');
    const done = (await api('GET', `/api/v1/commands/${cmd.id}`)).body;
    expect(done).toMatchObject({ state: 'succeeded', message: 'shown', createdBy: 'admin' });
    expect(done.sentAt && done.acknowledgedAt && done.finishedAt).toBeTruthy();

    // Offline: queued, delivered on the next hello; not acknowledged → sent again after a reconnect.
    dev.close();
    await waitFor(async () => (await api('GET', `/api/v1/devices/${id}`)).body.online === false);
    const queued = await api('POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [id] });
    expect(queued.body.commands[0].state).toBe('queued');
    const qid = queued.body.commands[0].id;
    const dev2 = (await TestDevice.connect(t, creds)) as TestDevice;
    dev2.hello(mac);
    expect((await dev2.next((m) => m.t === 'command')).id).toBe(qid);
    dev2.close();
    const dev3 = (await TestDevice.connect(t, creds)) as TestDevice;
    dev3.hello(mac);
    expect((await dev3.next((m) => m.t === 'command')).id).toBe(qid);
    dev3.send({ t: 'ack', id: qid });
    dev3.send({ t: 'result', id: qid, ok: false, message: 'power actions disabled' });
    await waitFor(async () => (await api('GET', `/api/v1/commands/${qid}`)).body.state === 'failed');
    const history = await api('GET', `/api/v1/devices/${id}/commands`);
    expect(history.body.items.map((c: any) => c.id)).toEqual([qid, cmd.id]);
    // A reply about a command that was not sent on this channel is refused.
    dev3.send({ t: 'ack', id: 999999 });
    expect((await dev3.next((m) => m.t === 'error')).code).toBe('UNKNOWN_COMMAND');
    dev3.close();
  });

  it('validates command requests', async () => {
    const { id, dev } = await onlineDevice();
    // wakeup exists now (wake-on-LAN, wake-on-lan.test.ts); text belongs to send-message only.
    expect((await api('POST', '/api/v1/devices/commands', { command: 'wakeup', deviceIds: [id], text: 'x' })).status).toBe(400);
    expect((await api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: [id] })).body.error.code).toBe(
      'VALIDATION_FAILED',
    );
    expect((await api('POST', '/api/v1/devices/commands', { command: 'reboot', deviceIds: [id, 987654] })).status).toBe(404);
    expect((await api('POST', '/api/v1/devices/commands', { command: 'explode', deviceIds: [id] })).status).toBe(400);
    expect((await api('GET', `/api/v1/devices/${id}/commands`)).body.items).toHaveLength(0);
    dev.close();
  });

  it('sends a command to every device of a folder', async () => {
    const folder = (await api('POST', '/api/v1/device-folders', { name: `fanout-${dialect}` })).body;
    const devs = [await onlineDevice(), await onlineDevice(), await onlineDevice()];
    await api('POST', '/api/v1/devices/move', { deviceIds: devs.map((d) => d.id), folderId: folder.id });
    const r = await api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', folderId: folder.id });
    expect(r.body.commands).toHaveLength(3);
    for (const d of devs) {
      const c = await d.dev.next((m) => m.t === 'command');
      d.dev.send({ t: 'ack', id: c.id });
      d.dev.send({ t: 'result', id: c.id, ok: true, system: sysinfo({ hostname: `refreshed-${d.id}` }) });
    }
    await waitFor(
      async () => (await api('GET', `/api/v1/devices/${devs[2]!.id}/system-info`)).body.system?.hostname === `refreshed-${devs[2]!.id}`,
    );
    devs.forEach((d) => d.dev.close());
  });

  it('revokes the certificate after a factory reset', async () => {
    const { id, dev, creds, mac } = await onlineDevice();
    const r = await api('POST', '/api/v1/devices/commands', { command: 'reset-factory-defaults', deviceIds: [id] });
    const c = await dev.next((m) => m.t === 'command');
    dev.send({ t: 'ack', id: c.id });
    dev.send({ t: 'result', id: c.id, ok: true });
    await waitFor(async () => (await api('GET', `/api/v1/commands/${r.body.commands[0].id}`)).body.state === 'succeeded');
    dev.close();
    const again = (await TestDevice.connect(t, creds)) as TestDevice;
    expect((await again.waitClosed()).code).toBe(4001);
    expect((await api('GET', `/api/v1/devices/${id}`)).status).toBe(200); // the inventory record stays
    void mac;
  });
});
