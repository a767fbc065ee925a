import { PROTOCOL_VERSION } from '@openums/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { channelServer } from '../helpers/channel-server.js';
import { DIALECTS } from '../helpers/db.js';
import { enroll, sysinfo, TestDevice } from '../helpers/device.js';

describe.each(DIALECTS)('device attributes on the device channel (%s)', (dialect) => {
  const s = channelServer(dialect);
  const { api, newKey, onlineDevice, waitFor, nextMac } = s;

  beforeAll(async () => {
    for (const def of [
      { identifier: 'location', name: 'Location', type: 'range', range: ['Augsburg', 'Karlsruhe'], overwrite: 'all' },
      { identifier: 'department', name: 'Department', type: 'string', overwrite: 'server' },
      { identifier: 'desk', name: 'Desk', type: 'number', overwrite: 'device' },
    ]) {
      const r = await api('POST', '/api/v1/device-attributes', def);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
  });

  /** A device whose hello names the attributes capability. */
  const capableDevice = async () => {
    const [key] = await newKey({ type: 'mass' });
    const mac = nextMac();
    const e = await enroll(s.t, key!.secret, { unitId: mac, mac });
    expect(e.status, e.body).toBe(200);
    const dev = (await TestDevice.connect(s.t, e)) as TestDevice;
    dev.send({ t: 'hello', v: PROTOCOL_VERSION, unitId: mac, system: sysinfo(), capabilities: ['attributes', 'something-newer'] });
    const welcome = await dev.next((m) => m.t === 'welcome');
    return { id: welcome.deviceId as number, dev };
  };
  const values = async (id: number) =>
    Object.fromEntries(
      ((await api('GET', `/api/v1/devices/${id}/attributes`)).body.items as Array<{ identifier: string; value: string | null }>).map(
        (i) => [i.identifier, i.value],
      ),
    );

  it('sends definitions and values after hello, and an administrator’s change at once', async () => {
    const { id, dev } = await capableDevice();
    const first = await dev.next((m) => m.t === 'attributes');
    expect(first.definitions.map((d: { identifier: string }) => d.identifier)).toEqual(['department', 'desk', 'location']);
    expect(first.definitions.find((d: { identifier: string }) => d.identifier === 'location')).toEqual({
      identifier: 'location',
      name: 'Location',
      type: 'range',
      range: ['Augsburg', 'Karlsruhe'],
      overwrite: 'all',
    });
    expect(first.values).toEqual({});
    const put = await api('PUT', `/api/v1/devices/${id}/attributes`, { values: { department: 'Finance', location: 'Karlsruhe' } });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const pushed = await dev.next((m) => m.t === 'attributes');
    expect(pushed.values).toEqual({ department: 'Finance', location: 'Karlsruhe' });
    // A new definition reaches connected devices at once, with their values.
    const floor = await api('POST', '/api/v1/device-attributes', { identifier: 'floor', name: 'Floor', type: 'number', overwrite: 'all' });
    expect(floor.status, JSON.stringify(floor.body)).toBe(201);
    const changed = await dev.next((m) => m.t === 'attributes');
    expect(changed.definitions.map((d: { identifier: string }) => d.identifier)).toEqual(['department', 'desk', 'floor', 'location']);
    expect(changed.values).toEqual({ department: 'Finance', location: 'Karlsruhe' });
    expect((await api('DELETE', `/api/v1/device-attributes/${floor.body.id}`)).status).toBe(204);
    expect((await dev.next((m) => m.t === 'attributes')).definitions).toHaveLength(3);
    dev.close();
  });

  it('stores what the device may set, names what it may not, and refuses values the schema or the type refuse', async () => {
    const { id, dev } = await capableDevice();
    await dev.next((m) => m.t === 'attributes');
    ok(await api('PUT', `/api/v1/devices/${id}/attributes`, { values: { department: 'Finance' } }));
    dev.send({ t: 'attributes-report', values: { desk: '7', location: 'Augsburg', department: 'Sales' } });
    const err = await dev.next((m) => m.t === 'error');
    expect(err.message).toMatch(/department: the overwrite rule \(server\) does not let the device set it/);
    await waitFor(async () => (await values(id)).desk === '7');
    expect(await values(id)).toEqual({ department: 'Finance', desk: '7', location: 'Augsburg' });

    dev.send({ t: 'attributes-report', values: { desk: 'seven', location: 'Berlin', colour: 'red' } });
    const typed = await dev.next((m) => m.t === 'error');
    expect(typed.message).toMatch(/desk: the value "seven" is not a number/);
    expect(typed.message).toMatch(/location: the value "Berlin" is not in the attribute's range list/);
    expect(typed.message).toMatch(/colour: no such device attribute/);
    dev.send({ t: 'attributes-report', values: { desk: '1'.repeat(101) } });
    expect((await dev.next((m) => m.t === 'error')).code).toBe('INVALID_MESSAGE');
    // A reset by the device.
    dev.send({ t: 'attributes-report', values: { desk: null } });
    await waitFor(async () => (await values(id)).desk === null);
    expect(await values(id)).toEqual({ department: 'Finance', desk: null, location: 'Augsburg' });
    dev.close();
  });

  it('an agent without the capability gets no attributes and keeps working', async () => {
    const { id, dev } = await onlineDevice();
    ok(await api('PUT', `/api/v1/devices/${id}/attributes`, { values: { department: 'IT' } }));
    dev.send({ t: 'heartbeat' });
    await new Promise((r) => setTimeout(r, 300));
    expect(dev.received.filter((m) => m.t === 'attributes' || m.t === 'error')).toEqual([]);
    expect(dev.closed).toBeNull();
    dev.close();
  });
});

function ok<T extends { status: number; body: unknown }>(r: T): T {
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r;
}
