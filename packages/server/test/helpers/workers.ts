import { expect } from 'vitest';
import { enroll, sysinfo, TestDevice } from './device.js';
import type { ServerProcess } from './server-process.js';

/** An enrolled device of a workers test, and its channel once connected. */
export interface HostedDevice {
  unitId: string;
  creds: Awaited<ReturnType<typeof enroll>>;
  dev: TestDevice;
}

/**
 * The registry's running server processes (workers), as the API lists them. `timeoutMs` bounds the
 * request for polls right after a worker died (a connection handed to it then is never answered).
 */
export async function runningWorkers(server: ServerProcess, timeoutMs?: number): Promise<any[]> {
  return ((await server.api('GET', '/api/v1/servers', undefined, {}, timeoutMs)).body?.items ?? []).filter(
    (s: any) => s.status === 'running',
  );
}

/** Enrolls `n` devices with unit ids `<prefix>00`, `<prefix>01`, … through a mass key. */
export async function enrollDevices(server: ServerProcess, prefix: string, n: number): Promise<HostedDevice[]> {
  const key = (await server.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret;
  const devices: HostedDevice[] = [];
  for (let i = 0; i < n; i++) {
    const unitId = `${prefix}${String(i).padStart(2, '0')}`;
    const creds = await enroll(server.t, key, { unitId, mac: unitId });
    expect(creds.status).toBe(200);
    devices.push({ unitId, creds, dev: null as unknown as TestDevice });
  }
  return devices;
}

/** Opens the device's channel and waits for its welcome. */
export async function connectDevice(server: ServerProcess, d: HostedDevice): Promise<void> {
  d.dev = (await TestDevice.connect(server.t, d.creds, {}, 20_000)) as TestDevice;
  d.dev.hello(d.unitId, sysinfo());
  await d.dev.next((m) => m.t === 'welcome');
}

/** A command to each device through the API (any worker may answer): each arrives within a second. */
export async function commandEachWithinASecond(server: ServerProcess, devices: HostedDevice[]): Promise<void> {
  const list = (await server.api('GET', '/api/v1/devices?limit=100')).body.items as any[];
  for (const d of devices) {
    const id = list.find((x) => x.unitId === d.unitId).id;
    const started = Date.now();
    expect((await server.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: [id] })).status).toBe(201);
    const cmd = await d.dev.next((m) => m.t === 'command', 5000);
    expect(Date.now() - started).toBeLessThan(1000);
    d.dev.send({ t: 'ack', id: cmd.id });
    d.dev.send({ t: 'result', id: cmd.id, ok: true });
  }
}
