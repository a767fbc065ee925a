import { PROTOCOL_VERSION } from '@openums/protocol';
import { describe, expect, it } from 'vitest';
import { channelServer } from '../helpers/channel-server.js';
import { DIALECTS } from '../helpers/db.js';
import { enroll, sysinfo, TestDevice } from '../helpers/device.js';

/** The structure tag a device reports (issue 12): stored, shown on the device, a view criterion; older agents send none. */
describe.each(DIALECTS)('device structure tag (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, newKey, waitFor, nextMac } = s;

  const connect = async (system: ReturnType<typeof sysinfo>) => {
    const [key] = await newKey({ type: 'mass' });
    const mac = nextMac();
    const e = await enroll(s.t, key!.secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    const dev = (await TestDevice.connect(s.t, e)) as TestDevice;
    dev.send({ t: 'hello', v: PROTOCOL_VERSION, unitId: mac, system });
    const welcome = await dev.next((m) => m.t === 'welcome');
    return { id: welcome.deviceId as number, dev };
  };
  const tagOf = async (id: number) => (await api('GET', `/api/v1/devices/${id}`)).body.structureTag as string | null;
  const tagged = async (value: string) =>
    (await api('POST', '/api/v1/views/evaluate', { criteria: { field: 'structureTag', op: 'eq', value } })).body.items.map(
      (d: { id: number }) => d.id,
    );

  it('stores the tag from hello, updates it from refreshed system information, and finds the device by it', async () => {
    const { id, dev } = await connect(sysinfo({ structureTag: 'augsburg/floor1' }));
    await waitFor(async () => (await tagOf(id)) === 'augsburg/floor1');
    expect(await tagged('Augsburg/Floor1')).toEqual([id]);
    // refresh-sysinfo's answer carries the system information again: the tag changed on the device.
    const cmd = await api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [id] });
    expect(cmd.status, JSON.stringify(cmd.body)).toBeLessThan(300);
    const sent = await dev.next((m) => m.t === 'command' && m.command === 'refresh-sysinfo');
    dev.send({ t: 'result', id: sent.id, ok: true, system: sysinfo({ structureTag: 'berlin' }) });
    await waitFor(async () => (await tagOf(id)) === 'berlin');
    expect(await tagged('augsburg/floor1')).toEqual([]);
    dev.close();
  });

  it('keeps older agents working: a hello without the field stores no tag', async () => {
    const { id, dev } = await connect(sysinfo());
    await waitFor(async () => (await api('GET', `/api/v1/devices/${id}`)).body.online === true);
    expect(await tagOf(id)).toBeNull();
    const empty = await api('POST', '/api/v1/views/evaluate', {
      criteria: {
        and: [
          { field: 'structureTag', op: 'isEmpty' },
          { field: 'online', op: 'eq', value: true },
        ],
      },
    });
    expect(empty.body.items.map((d: { id: number }) => d.id)).toContain(id);
    dev.close();
  });
});
