import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/lib/log.js';
import { EMPTY_SETTINGS_HASH, settingsHash } from '../src/settings/hash.js';
import { SimulatorWorker } from '../src/simulate/worker.js';
import type { WorkerConfig } from '../src/simulate/stats.js';
import { FakeServer, type DeviceConn } from './support/fake-server.js';

let server: FakeServer;
beforeAll(async () => {
  server = await FakeServer.start();
});
afterAll(() => server.close());

async function until(what: string, fn: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('simulator: settings', () => {
  it('virtual devices hash their store in hello, name the attributes capability, answer settings, count applies, and keep the store across runs', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'sim-settings-'));
    const cfg: WorkerConfig = {
      worker: 0,
      server: `https://127.0.0.1:${server.port}`,
      key: 'good-key',
      caPem: server.webCa.certPem,
      stateDir,
      first: 1,
      last: 3,
      macPrefix: '0A0000',
      localAddresses: [],
      enrollConcurrency: 3,
      connectConcurrency: 3,
      startedAt: Date.now(),
      statsEveryMs: 1000,
    };
    const conns: DeviceConn[] = [];
    const collect = async () => {
      for (let i = 0; i < 3; i++) conns.push(await server.nextConnection(15_000));
    };
    let collecting = collect();
    const worker = new SimulatorWorker(cfg, silentLogger);
    await worker.start();
    await collecting;
    // Virtual devices name what the real agent names, so that the server does the same work per hello.
    for (const c of conns)
      expect(await c.next((m) => m.t === 'hello')).toMatchObject({ settingsHash: EMPTY_SETTINGS_HASH, capabilities: ['attributes'] });
    await until('online', () => worker.stats.online === 3);
    const attributes = {
      t: 'attributes',
      definitions: [{ identifier: 'room', name: 'Room', type: 'string', overwrite: 'all' }],
      values: {},
    };
    for (const c of conns) c.ws.send(JSON.stringify(attributes));
    await until('attributes taken', () => worker.stats.attributesReceived === 3);
    expect(worker.stats.invalidMessages).toBe(0);

    const settings = { 'userinterface.screensaver.timeout': 5 };
    const hash = settingsHash(settings);
    const before = Date.now();
    for (const c of conns) c.ws.send(JSON.stringify({ t: 'settings', revision: 7, hash, settings }));
    for (const c of conns)
      expect(await c.next((m) => m.t === 'settings-applied')).toEqual({ t: 'settings-applied', revision: 7, hash, ok: true });
    const forged = settingsHash({ 'userinterface.screensaver.timeout': 7 });
    conns[0]!.ws.send(JSON.stringify({ t: 'settings', revision: 8, hash: forged, settings: { 'userinterface.screensaver.timeout': 6 } }));
    expect(await conns[0]!.next((m) => m.t === 'settings-applied')).toMatchObject({
      revision: 8,
      ok: false,
      message: 'hash mismatch',
      hash,
    });
    await until('counted', () => worker.stats.settingsApplied === 3);
    expect(worker.stats).toMatchObject({ settingsReceived: 4, settingsApplied: 3, settingsFailed: 1 });
    expect(worker.stats.lastSettingsAppliedAt).toBeGreaterThanOrEqual(before);

    await worker.stop();
    expect(JSON.parse(readFileSync(join(stateDir, 'devices', '1.json'), 'utf8')).settings).toEqual({ revision: 7, hash, values: settings });

    // A second run starts from the saved stores: hello says the configuration is in effect.
    conns.length = 0;
    collecting = collect();
    const again = new SimulatorWorker({ ...cfg, startedAt: Date.now() }, silentLogger);
    await again.start();
    await collecting;
    for (const c of conns) expect(await c.next((m) => m.t === 'hello')).toMatchObject({ settingsHash: hash });
    await again.stop();
  });
});
