import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestDb, DIALECTS } from '../helpers/db.js';
import { freePort } from '../helpers/net.js';
import { ServerProcess } from '../helpers/server-process.js';
import { sleep, until } from '../helpers/wait.js';

/**
 * Issue 13: kill -9 of the process running a job half-way. A real `openums server` process, the
 * agent's simulator in its own process (real mTLS channels; it records every message shown, per
 * device, in an actions file), a "send message" job on N devices started a few at a time. Once
 * about a third of them succeeded the server is killed with SIGKILL and started again on the same
 * data and port; the simulated devices reconnect. The run must finish with every device
 * `succeeded` and every device must have shown the message exactly once — none twice (a device
 * claimed again, a command created twice), none missing (a device forgotten).
 *
 * Retry at next boot is on: right after the restart the devices are offline until they reconnect
 * (seconds, with backoff), and without it a device whose turn comes then is `skipped` by design.
 */
const N = 150;
const TEXT = 'kill -9 half-way';
const AGENT_BIN = new URL('../../../agent/bin/openums-agent.js', import.meta.url).pathname;

/** A child process that is killed when this test process exits, however it ends. */
function track(child: ChildProcess, tail: { text: string }) {
  child.stderr?.on('data', (c: Buffer) => (tail.text = (tail.text + c.toString()).slice(-3000)));
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    if (await Promise.race([done.then(() => true), sleep(15_000).then(() => false)])) return;
    child.kill('SIGKILL');
    await done;
  };
}

/** How often each unit showed `text`, from the simulator's recording platforms. */
function shown(file: string, text: string): Map<string, number> {
  const count = new Map<string, number>();
  if (!existsSync(file)) return count;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const a = JSON.parse(line) as { unitId: string; action: string; text?: string };
    if (a.action === 'showMessage' && a.text === text) count.set(a.unitId, (count.get(a.unitId) ?? 0) + 1);
  }
  return count;
}

describe.each(DIALECTS)('a job run and kill -9 of its server half-way (%s)', (dialect) => {
  it('after the restart the run completes: every device executed exactly once', async () => {
    const db = await createTestDb(dialect);
    const server = new ServerProcess(db, await freePort());
    const simLog = { text: '' };
    let stopSim: (() => Promise<void>) | null = null;
    const t0 = Date.now();
    const marks: string[] = [];
    const mark = (what: string) => marks.push(`${what} ${Math.round((Date.now() - t0) / 100) / 10} s`);
    try {
      await server.start();
      const key = (await server.api('POST', '/api/v1/enrollment-keys', { type: 'mass' })).body.keys[0].secret as string;
      const actions = join(db.dataDir, 'sim-actions.jsonl');
      const sim = spawn(
        process.execPath,
        [
          AGENT_BIN,
          'simulate',
          '--server',
          `https://127.0.0.1:${server.port}`,
          '--key',
          key,
          '--count',
          String(N),
          '--state-dir',
          join(db.dataDir, 'sim'),
          '--ca-fingerprint',
          `sha256:${new X509Certificate(server.t.ca).fingerprint256}`,
          '--actions-file',
          actions,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      stopSim = track(sim, simLog);
      const diagnose = () => `(simulator …${simLog.text.slice(-500)})`;
      const ids = await until(
        `${N} devices online`,
        async () => {
          const items = (await server.api('GET', '/api/v1/devices?limit=1000')).body.items as Array<{ id: number; online: boolean }>;
          return items.length === N && items.every((d) => d.online) && items.map((d) => d.id);
        },
        120_000,
        diagnose,
      );
      mark('online');
      const folder = (await server.api('POST', '/api/v1/device-folders', { name: 'kill' })).body;
      expect((await server.api('POST', '/api/v1/devices/move', { deviceIds: ids, folderId: folder.id })).status).toBeLessThan(300);
      const job = await server.api('POST', '/api/v1/jobs', {
        name: 'kill -9',
        command: 'send-message',
        text: TEXT,
        targets: [{ type: 'folder', id: folder.id }],
        schedule: { startAt: new Date(Date.now() + 3_600_000).toISOString() },
        options: { maxThreads: 2, timeoutSeconds: 600, expiryMinutes: 30, retryNextBoot: true },
      });
      expect(job.status, JSON.stringify(job.body)).toBe(201);
      const { runId } = (await server.api('POST', `/api/v1/jobs/${job.body.id}/run`)).body;
      const run = async () => (await server.api('GET', `/api/v1/job-runs/${runId}`)).body;

      // Half-way (about a third succeeded, devices in flight): SIGKILL, as a crash.
      const before = await until(
        'a third of the devices done',
        async () => {
          const r = await run();
          return (r.counts.succeeded >= N / 3 || r.state !== 'running') && r;
        },
        90_000,
        diagnose,
      );
      await server.kill();
      mark('killed');
      expect(before.state, 'the run must still be running when the server is killed').toBe('running');
      expect(before.counts.succeeded).toBeLessThan(N);

      // The same data directory and port: the simulated devices reconnect to it.
      await server.start();
      mark('restarted');
      const after = await until(
        'the run finished after the restart',
        async () => {
          const r = await run();
          return r.state !== 'running' && r;
        },
        120_000,
        diagnose,
      );
      mark('finished');
      expect(after).toMatchObject({ state: 'finished', total: N, counts: { succeeded: N } });
      // The recording platform writes as it shows: give the last lines a moment, then count.
      let counts = shown(actions, TEXT);
      for (let i = 0; i < 50 && counts.size < N; i++) {
        await sleep(100);
        counts = shown(actions, TEXT);
      }
      expect(counts.size, 'every device showed the message').toBe(N);
      expect(
        [...counts.entries()].filter(([, n]) => n !== 1),
        'no device showed it twice',
      ).toEqual([]);
      console.log(
        `kill -9 (${dialect}): killed at ${before.counts.succeeded}/${N} succeeded; after the restart ${after.counts.succeeded}/${N}, each once (${marks.join(', ')})`,
      );
    } finally {
      await stopSim?.();
      if (server.child && server.child.exitCode === null && server.child.signalCode === null) await server.kill();
      await db.drop();
    }
  }, 240_000);
});
