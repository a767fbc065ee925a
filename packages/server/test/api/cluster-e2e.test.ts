import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyJoinToken, createJoinToken } from '../../src/cluster/join.js';
import { createTestDb, type TestDb } from '../helpers/db.js';
import { httpsCall } from '../helpers/device.js';
import { freePort } from '../helpers/net.js';
import { startShippedNginxStream, type RunningBalancer } from '../helpers/nginx-stream.js';
import { ServerProcess } from '../helpers/server-process.js';
import { openEvents, sleep, until } from '../helpers/wait.js';

/**
 * The cluster end to end, for real: three `openums server` processes (separate data directories
 * joined by token, one PostgreSQL database) behind the shipped nginx TLS-passthrough
 * configuration, a real agent process and 300 devices of the agent's simulator (its own child
 * process), all enrolling and connecting through nginx. Commands, settings and live events cross
 * processes; a `kill -9` of one process moves its devices to the others and loses no command.
 *
 * Which process holds a device is not in the REST API (the device has `online` only), so the test
 * reads `device_presence.connected_server` from the database; everything else goes through the API.
 */
const CLUSTER_ENV = {
  OPENUMS_CLUSTER_BEAT_SECONDS: '1',
  OPENUMS_CLUSTER_LEASE_SECONDS: '4',
  OPENUMS_CLUSTER_CATCH_UP_SECONDS: '2',
};
const SIMULATED = 300;
const TOTAL = SIMULATED + 1; // and the real agent
const AGENT_UNIT = 'E2EAGENT0001';
const AGENT_BIN = new URL('../../../agent/bin/openums-agent.js', import.meta.url).pathname;
const TIMEOUT = 'userinterface.screensaver.timeout';
const [A, B, C] = [0, 1, 2];

/** A child process that is killed when this test process exits, however it ends. */
function track(child: ChildProcess, tail: { text: string }) {
  const keep = (c: Buffer) => (tail.text = (tail.text + c.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  return async (signal: NodeJS.Signals = 'SIGKILL', graceMs = 0) => {
    process.off('exit', onExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    if (graceMs && (await Promise.race([done.then(() => true), sleep(graceMs).then(() => false)]))) return;
    child.kill('SIGKILL');
    await done;
  };
}

describe('cluster end to end: three servers behind the shipped nginx, a real agent and 300 simulated devices (PostgreSQL)', () => {
  let db: TestDb;
  let pool: pg.Pool;
  const servers: ServerProcess[] = [];
  /** Registry id (`servers.id`, what `device_presence.connected_server` names) of A, B, C. */
  const serverIds: string[] = [];
  const extraDirs: string[] = [];
  let nginx: RunningBalancer | undefined;
  const stops: Array<() => Promise<void>> = [];
  const simLog = { text: '' };
  const agentLog = { text: '' };
  let simStats: Record<string, number> = {};
  let actionsFiles: string[] = [];
  /** Device id by unit id, all TOTAL devices. */
  const idOf = new Map<string, number>();
  let sse: ReturnType<typeof openEvents> | undefined;

  /** Every device's row: online and the process holding its channel. */
  const rows = async () =>
    (
      await pool.query<{ id: number; unit_id: string; online: number; connected_server: string | null }>(
        'select id::int, unit_id, online::int, connected_server from devices join device_presence on device_id = id',
      )
    ).rows;
  const heldBy = async (s: number) => (await rows()).filter((r) => r.online && r.connected_server === serverIds[s]);
  const commandRows = async (ids: number[]) =>
    (
      await pool.query<{ id: number; state: string; finished_at: string | null; sent_at: string | null; acknowledged_at: string | null }>(
        'select id::int, state, finished_at::text, sent_at::text, acknowledged_at::text from commands where id = any($1::bigint[])',
        [ids],
      )
    ).rows;
  /** Acknowledgements of commands this process received from its devices (its own /metrics). */
  const acksOn = async (s: number) =>
    Number(/^openums_device_messages_total\{type="ack"\} (\d+)$/m.exec((await httpsCall(servers[s]!.t, 'GET', '/metrics')).body)?.[1] ?? 0);
  /** How often each unit showed `text` (send-message), from the recording platforms of the simulator and the agent. */
  const shown = (text: string) => {
    const count = new Map<string, number>();
    for (const f of actionsFiles) {
      if (!existsSync(f)) continue;
      for (const line of readFileSync(f, 'utf8').split('\n')) {
        if (!line) continue;
        const a = JSON.parse(line) as { unitId: string; action: string; text?: string };
        if (a.action === 'showMessage' && a.text === text) count.set(a.unitId, (count.get(a.unitId) ?? 0) + 1);
      }
    }
    return count;
  };
  const diagnose = () => `(simulator ${JSON.stringify(simStats)}; simulator log …${simLog.text.slice(-600)})`;

  beforeAll(async () => {
    const t0 = Date.now();
    const marks: string[] = [];
    const mark = (what: string) => marks.push(`${what} ${Date.now() - t0} ms`);
    db = await createTestDb('postgres');
    pool = new pg.Pool({ connectionString: db.databaseUrl!, max: 2 });
    // An idle client whose connection ends emits 'error' on the pool; without a listener that is
    // an uncaught exception in the test process (the pool replaces the client on the next query).
    pool.on('error', (err) => console.warn(`test pool: idle PostgreSQL client lost: ${err.message}`));
    const a = new ServerProcess(db, await freePort());
    await a.start(CLUSTER_ENV);
    servers.push(a);
    // B and C join A's installation: same secret key, web CA and certificate, ticket keys.
    const token = createJoinToken(db.dataDir);
    const joined = await Promise.all(
      [0, 1].map(async () => {
        const dir = mkdtempSync(join(tmpdir(), 'openums-test-e2e-'));
        extraDirs.push(dir);
        applyJoinToken(dir, token);
        const s = new ServerProcess({ dataDir: dir, databaseUrl: db.databaseUrl }, await freePort());
        await s.start(CLUSTER_ENV);
        return s;
      }),
    );
    servers.push(...joined);
    mark('servers');
    const registry = (await a.api('GET', '/api/v1/servers')).body.items as Array<{ id: string; pid: number }>;
    for (const s of servers) serverIds.push(registry.find((r) => r.pid === s.child.pid)!.id);
    expect(new Set(serverIds).size).toBe(3);

    // Each relayed connection takes two of nginx's connections: room for every device and more.
    nginx = await startShippedNginxStream({
      dir: join(db.dataDir, 'nginx-stream'),
      upstreamPorts: servers.map((s) => s.port),
      ca: a.t.ca,
      workerConnections: 2048,
    });
    mark('nginx');
    const lb = `https://127.0.0.1:${nginx.port}`;
    const key = (await a.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret as string;
    const fingerprint = `sha256:${new X509Certificate(a.t.ca).fingerprint256}`;

    // The simulator in its own process: 300 devices enroll (EST) and connect through nginx,
    // while the real agent does the same next to them.
    const simActions = join(db.dataDir, 'sim-actions.jsonl');
    const agentActions = join(db.dataDir, 'agent-actions.jsonl');
    actionsFiles = [simActions, agentActions];
    const sim = spawn(
      process.execPath,
      [
        AGENT_BIN,
        'simulate',
        '--server',
        lb,
        '--key',
        key,
        '--count',
        String(SIMULATED),
        '--state-dir',
        join(db.dataDir, 'sim'),
        '--ca-fingerprint',
        fingerprint,
        '--stats-interval',
        '1',
        '--actions-file',
        simActions,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buf = '';
    sim.stdout!.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (line.startsWith('{"t":"stats"')) simStats = JSON.parse(line);
      }
    });
    // SIGTERM: the simulator closes its devices' channels and exits; SIGKILL after 15 s.
    const stopSim = track(sim, simLog);
    stops.unshift(() => stopSim('SIGTERM', 15_000));
    // The real agent: enrolls through nginx with the web CA pinned, then runs (recording platform).
    const agentState = mkdtempSync(join(db.dataDir, 'agent-'));
    const enroll = spawn(
      process.execPath,
      [AGENT_BIN, 'enroll', '--server', lb, '--state-dir', agentState, '--unit-id', AGENT_UNIT, '--ca-fingerprint', fingerprint],
      { env: { ...process.env, OPENUMS_ENROLLMENT_KEY: key }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const enrollLog = { text: '' };
    const enrolled = new Promise((r) => enroll.once('exit', r));
    const stopEnroll = track(enroll, enrollLog);
    expect(await enrolled, enrollLog.text).toBe(0);
    await stopEnroll();
    const agent = spawn(
      process.execPath,
      [AGENT_BIN, 'run', '--state-dir', agentState, '--platform', 'recording', '--actions-file', agentActions],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    stops.push(track(agent, agentLog));

    mark('agent enrolled');
    console.log(`set-up: ${marks.join(', ')}`);
  }, 150_000);

  afterAll(async () => {
    sse?.close();
    for (const stop of stops) await stop().catch(() => undefined);
    await nginx?.stop();
    for (const s of servers) if (s.child && s.child.exitCode === null && s.child.signalCode === null) await s.kill();
    await pool?.end();
    for (const dir of extraDirs) rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  }, 60_000);

  it('enrolls and connects every device through nginx, spread over the three processes', async () => {
    const started = Date.now();
    await until(
      `${TOTAL} devices online`,
      async () => {
        const items = (await servers[A]!.api('GET', '/api/v1/devices?limit=1000')).body.items as Array<{
          id: number;
          unitId: string;
          online: boolean;
        }>;
        return items.length === TOTAL && items.every((d) => d.online) && items;
      },
      120_000,
      diagnose,
    ).then((items) => items.forEach((d) => idOf.set(d.unitId, d.id)));
    expect(idOf.has(AGENT_UNIT)).toBe(true);
    // Each process's own count (written with its beat) agrees with the rows naming it.
    const list = await until(
      'every process counting its devices',
      async () => {
        const items = (await servers[B]!.api('GET', '/api/v1/servers')).body.items as Array<{
          id: string;
          status: string;
          devicesConnected: number;
        }>;
        const held = await rows();
        return (
          items.length === 3 &&
          items.every(
            (s) => s.status === 'running' && s.devicesConnected === held.filter((r) => r.online && r.connected_server === s.id).length,
          ) &&
          items.reduce((n, s) => n + s.devicesConnected, 0) === TOTAL &&
          items
        );
      },
      15_000,
    );
    const counts = serverIds.map((id) => list.find((s) => s.id === id)!.devicesConnected);
    console.log(`all ${TOTAL} online after ${Date.now() - started} ms (test start); held by A, B, C: ${counts.join(', ')}`);
    // Least connections spreads the long-lived channels: no process far below a third.
    for (const n of counts) expect(n).toBeGreaterThanOrEqual(Math.floor(TOTAL / 6));
  }, 140_000);

  it('runs a command created on A (its own port) on every device held by B', async () => {
    expect(idOf.size, 'every device online (first test)').toBe(TOTAL);
    const onB = await heldBy(B);
    expect(onB.length).toBeGreaterThan(0);
    const text = 'created on A for devices on B';
    const acksBefore = await acksOn(B);
    const r = await servers[A]!.api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: onB.map((d) => d.id), text });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const ids = (r.body.commands as Array<{ id: number }>).map((c) => c.id);
    expect(ids).toHaveLength(onB.length);
    await until('every command succeeded', async () => (await commandRows(ids)).every((c) => c.state === 'succeeded'), 20_000, diagnose);
    const seen = await until(
      'every device recorded the message',
      async () => {
        const m = shown(text);
        return onB.every((d) => m.get(d.unit_id) === 1) && m;
      },
      5_000,
    );
    // Only B's devices, each once.
    expect(seen.size).toBe(onB.length);
    // Delivered by B, A's wake-up reaching it: B itself received the acknowledgements (of
    // every device still on it — under heavy load a device may have moved in between).
    const stayed = (await heldBy(B)).filter((d) => onB.some((x) => x.id === d.id)).length;
    expect(stayed).toBeGreaterThan(0);
    expect((await acksOn(B)) - acksBefore).toBeGreaterThanOrEqual(stayed);
  }, 40_000);

  it('applies a settings change made on B on the devices held by A and C', async () => {
    expect(idOf.size, 'every device online (first test)').toBe(TOTAL);
    const [onA, onC] = [await heldBy(A), await heldBy(C)];
    expect(onA.length).toBeGreaterThan(0);
    expect(onC.length).toBeGreaterThan(0);
    const profile = await servers[B]!.api('POST', '/api/v1/profiles', { name: 'E2E saver', type: 'standard', settings: { [TIMEOUT]: 9 } });
    expect(profile.status, JSON.stringify(profile.body)).toBe(201);
    const r = await servers[B]!.api('POST', `/api/v1/profiles/${profile.body.id}/assignments`, {
      targets: [...idOf.values()].map((id) => ({ type: 'device', id })),
      apply: 'now',
    });
    expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
    const applied = await until(
      'APPLIED on every device',
      async () => {
        const items = (await servers[B]!.api('GET', '/api/v1/devices?limit=1000')).body.items as Array<{
          id: number;
          configChanges: string | null;
        }>;
        const ok = new Set(items.filter((d) => d.configChanges === 'APPLIED').map((d) => d.id));
        return ok.size === TOTAL && ok;
      },
      30_000,
      diagnose,
    );
    for (const d of [...onA, ...onC]) expect(applied.has(d.id)).toBe(true);
    // The real agent recorded the value it applied.
    const agentActions = readFileSync(actionsFiles[1]!, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(agentActions.some((x) => x.action === 'settings' && x.ok && x.settings?.[TIMEOUT] === 9)).toBe(true);
  }, 45_000);

  it('shows a browser on A the live events of the devices held by C', async () => {
    expect(idOf.size, 'every device online (first test)').toBe(TOTAL);
    sse = openEvents(servers[A]!.t, await servers[A]!.newSession());
    await sse.opened;
    const onC = await heldBy(C);
    const r = await servers[C]!.api('POST', '/api/v1/devices/commands', { command: 'refresh-sysinfo', deviceIds: onC.map((d) => d.id) });
    expect(r.status).toBe(201);
    const ids = new Set((r.body.commands as Array<{ id: number }>).map((c) => c.id));
    const events = sse.events;
    await until(
      "every command's success on A's event stream",
      async () => {
        const done = new Set(events.filter((e) => e.type === 'command.changed' && e.data.state === 'succeeded').map((e) => e.data.id));
        return [...ids].every((id) => done.has(id));
      },
      20_000,
      () => `(${events.length} events)`,
    );
  }, 30_000);

  it('after kill -9 of B: its devices are online on A and C within 30 s, none left on B, every command runs exactly once', async () => {
    expect(idOf.size, 'every device online (first test)').toBe(TOTAL);
    const onB = await heldBy(B);
    expect(onB.length).toBeGreaterThan(0);
    const all = [...idOf.values()];
    const text = 'sent to all just before B dies';
    const r = await servers[A]!.api('POST', '/api/v1/devices/commands', { command: 'send-message', deviceIds: all, text });
    expect(r.status).toBe(201);
    const ids = (r.body.commands as Array<{ id: number; deviceId: number }>).map((c) => c.id);
    // The kill lands once a third of the devices on B have run their command: the others' are
    // then queued, on the wire or acknowledged, and results are unrecorded.
    const onBUnits = onB.map((d) => d.unit_id);
    const ranOnB = () => {
      const m = shown(text);
      return onBUnits.filter((u) => m.has(u)).length;
    };
    const waitFrom = Date.now();
    while (ranOnB() < onB.length / 3 && Date.now() - waitFrom < 5000) await sleep(2);
    const killedAt = Date.now();
    await servers[B]!.kill();
    const ran = ranOnB();
    const onBIds = new Set(onB.map((d) => d.id));
    const onBCommands = (r.body.commands as Array<{ id: number; deviceId: number }>).filter((c) => onBIds.has(c.deviceId)).map((c) => c.id);
    const states = (await commandRows(onBCommands)).reduce<Record<string, number>>((m, c) => ((m[c.state] = (m[c.state] ?? 0) + 1), m), {});
    console.log(
      `B held ${onB.length} devices; at the kill ${ran} had run the command (by their recordings), the database had ${JSON.stringify(states)}`,
    );
    expect(ran).toBeGreaterThan(0);

    // Every device B held reconnects through nginx to A or C.
    const survivors = new Set([serverIds[A], serverIds[C]]);
    await until(
      "B's devices online on A or C",
      async () => {
        const now = await rows();
        return now.filter((d) => onBIds.has(d.id)).every((d) => d.online && survivors.has(d.connected_server!));
      },
      30_000,
      diagnose,
    );
    const movedMs = Date.now() - killedAt;
    console.log(`B's ${onB.length} devices online on A or C ${movedMs} ms after the kill`);
    expect(movedMs).toBeLessThan(30_000);

    // B is declared dead; then nothing is marked online on it, and its clean-up took no device
    // offline that had already come back elsewhere.
    const dead = await until(
      'B declared dead',
      async () =>
        ((await servers[A]!.api('GET', '/api/v1/servers')).body.items as Array<{ id: string; status: string }>).find(
          (s) => s.id === serverIds[B] && s.status === 'dead',
        ),
      30_000,
    );
    console.log(`B declared dead ${Date.now() - killedAt} ms after the kill`);
    expect(dead).toBeTruthy();
    // A row wrongly taken offline would stay so (heartbeats only touch the last contact); the
    // wait only lets a device that the load made miss a pong come back.
    let wrong: unknown[] = [];
    await until(
      'no row on B, every device online (database and REST)',
      async () => {
        wrong = (await rows()).filter((d) => d.connected_server === serverIds[B] || !d.online);
        const items = (await servers[C]!.api('GET', '/api/v1/devices?limit=1000')).body.items as Array<{ online: boolean }>;
        return wrong.length === 0 && items.length === TOTAL && items.every((d) => d.online);
      },
      10_000,
      () => JSON.stringify(wrong.slice(0, 5)),
    );

    // Every command ends succeeded...
    let open: unknown[] = [];
    await until(
      'every command succeeded',
      async () => (open = (await commandRows(ids)).filter((c) => c.state !== 'succeeded')).length === 0,
      30_000,
      () => `(${open.length} not succeeded, e.g. ${JSON.stringify(open.slice(0, 3))})`,
    );
    const finished = new Map((await commandRows(ids)).map((c) => [c.id, c.finished_at]));
    // ...and ran exactly once. 'Exactly once' rests on the device: it keeps the ids it executed
    // (the simulator per virtual device, the agent in commands.json) and answers a redelivered id
    // from that record without running it again; the server redelivers every open command
    // (queued, sent, acknowledged) when a device connects. So a command B had sent, or a result
    // B never recorded, comes back from A or C and is answered, not repeated. What each device
    // actually did is in its recording platform's actions file: one message per device. A
    // catch-up round on every survivor first, so a late redelivery would show.
    await sleep(2500);
    const m = shown(text);
    expect([...idOf.keys()].filter((u) => m.get(u) !== 1)).toEqual([]);
    expect(m.size).toBe(TOTAL);
    // The server recorded one result per command: none finished again later.
    const again = await commandRows(ids);
    expect(again.filter((c) => c.state !== 'succeeded' || c.finished_at !== finished.get(c.id))).toEqual([]);

    // The browser on A saw the devices that moved to C come online there.
    const toC = (await heldBy(C)).filter((d) => onBIds.has(d.id));
    const cameOnline = new Set(
      sse!.events.filter((e) => e.type === 'device.presence' && e.data.online && e.at >= killedAt).map((e) => e.data.deviceId as number),
    );
    expect(toC.filter((d) => !cameOnline.has(d.id)).map((d) => d.id)).toEqual([]);
    expect(simStats.invalidMessages ?? 0).toBe(0);
  }, 80_000);
});
