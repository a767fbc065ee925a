import { execFileSync } from 'node:child_process';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { freePort } from '../helpers/net.js';
import { holdsSocket, listeningInode } from '../helpers/sockets.js';
import { ServerProcess } from '../helpers/server-process.js';
import { sleep, until } from '../helpers/wait.js';
import { commandEachWithinASecond, connectDevice, enrollDevices, runningWorkers, type HostedDevice } from '../helpers/workers.js';

/** Established connections to the port, per process holding them (ss). */
function connectionsPerPid(port: number): Map<number, number> {
  const out = execFileSync('ss', ['-Htnp', 'state', 'established', `( sport = :${port} )`], { encoding: 'utf8' });
  const per = new Map<number, number>();
  for (const m of out.matchAll(/pid=(\d+)/g)) per.set(Number(m[1]), (per.get(Number(m[1])) ?? 0) + 1);
  return per;
}

/** A TLS connection kept open (true), or one the server closed before the handshake ended (false). */
function openTls(port: number, ca: string, held: TLSSocket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host: '127.0.0.1', port, servername: 'localhost', ca });
    s.once('secureConnect', () => {
      held.push(s);
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('close', () => resolve(false));
  });
}

/**
 * `openums server --workers 2` with `cluster.accept = workers` (the default): each worker accepts from the
 * shared port itself (no hand-off through the supervisor), and closes its listener at its
 * connection ceiling — here 150 (a file limit of 1,150, less the 1,000 files kept for everything
 * else) — until it is 2 % below it (lib/accept-ceiling.ts).
 */
describe('workers accepting from the shared port themselves (sqlite)', () => {
  let db: TestDb;
  let server: ServerProcess;
  let devices: HostedDevice[] = [];
  const running = () => runningWorkers(server);
  const connect = (d: HostedDevice) => connectDevice(server, d);

  beforeAll(async () => {
    db = await createTestDb('sqlite');
    server = new ServerProcess(db, await freePort());
    await server.start(
      // cluster.accept is not set: workers accepting is the default.
      { OPENUMS_CLUSTER_BEAT_SECONDS: '1', OPENUMS_CLUSTER_LEASE_SECONDS: '4' },
      ['--workers', '2'],
      { captureLogs: 'info', wrap: ['prlimit', '--nofile=1150:1150', '--'] },
    );
    await until('two running workers', async () => {
      await server.relogin();
      return (await running()).length === 2;
    });
    devices = await enrollDevices(server, '02ED000000', 4);
    for (const d of devices) await connect(d);
  }, 90_000);

  afterAll(async () => {
    for (const d of devices) d.dev?.close();
    await server?.kill();
    await db?.drop();
  });

  it('every worker holds the listening socket itself', async () => {
    expect(server.logs).toMatch(/"accept":"workers"[^\n]*"msg":"starting workers"/);
    const inode = listeningInode(server.port);
    const workers = await running();
    expect(workers.length).toBe(2);
    for (const w of workers) expect(holdsSocket(w.pid, inode)).toBe(true);
  });

  it('reaches every device with a command within a second, wherever it landed', async () => {
    await commandEachWithinASecond(server, devices);
  });

  it('after kill -9 of both workers the port opens again and the devices come back', async () => {
    const before = await running();
    for (const w of before) process.kill(w.pid, 'SIGKILL');
    for (const d of devices) await d.dev.waitClosed(5000);
    await until(
      'both workers running again with new pids',
      async () => {
        await server.relogin(3000).catch(() => undefined);
        const r = await runningWorkers(server, 3000);
        return r.length === 2 && r.every((s: any) => !before.some((b: any) => b.pid === s.pid)) && r;
      },
      // A busy machine: 15 s seen while a 100,000-device enrollment ran beside it.
      40_000,
    );
    for (const d of devices) await connect(d);
    await until('all four devices connected', async () => (await running()).reduce((n: number, s: any) => n + s.devicesConnected, 0) === 4);
    const inode = listeningInode(server.port);
    for (const w of await running()) expect(holdsSocket(w.pid, inode)).toBe(true);
  }, 70_000);

  it('a full worker stops listening: connections land on the other one, and the port refuses once both are full', async () => {
    const workers = (await running()).map((w: any) => w.pid as number);
    for (const d of devices) d.dev.close();
    await until('no device connected', async () => (await running()).reduce((n: number, s: any) => n + s.devicesConnected, 0) === 0);
    const held: TLSSocket[] = [];
    let refused = 0;
    let streak = 0;
    try {
      // Until 30 attempts in a row are closed unanswered (both workers full), at most 400.
      for (let attempt = 0; attempt < 400 && streak < 30; attempt++) {
        if (await openTls(server.port, server.t.ca, held)) streak = 0;
        else {
          refused++;
          streak++;
          await sleep(5);
        }
      }
      await sleep(300); // a connection the server closes right after its handshake would show here
      const open = held.filter((s) => !s.destroyed && s.readyState === 'open');
      const per = connectionsPerPid(server.port);
      expect(streak).toBe(30);
      // 2 × 150, less a few the test's own API calls may have held at that moment.
      expect(open.length).toBeGreaterThanOrEqual(290);
      expect(open.length).toBeLessThanOrEqual(300);
      for (const pid of workers) expect(per.get(pid) ?? 0).toBeLessThanOrEqual(150);
      expect(refused).toBeGreaterThanOrEqual(30);
      // Both closed their listeners (not only turned connections away).
      await until('both workers paused', async () => [...server.logs.matchAll(/connection ceiling reached; not accepting/g)].length >= 2);
    } finally {
      for (const s of held) s.destroy();
    }
    // Below the ceiling again, both listen and a device is accepted.
    await until(
      'both workers listening again',
      async () => [...server.logs.matchAll(/below the connection ceiling; accepting again/g)].length >= 2,
    );
    await until('a device connects again', async () => {
      await connect(devices[0]!);
      return true;
    });
  }, 60_000);
});
