import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimulateArgs } from '../cli/args.js';
import { fingerprint256, normalizeFingerprint } from '../crypto/x509.js';
import { pinServerCa } from '../enroll/enroll.js';
import { ensurePrivateDir, readTextIfExists, writePrivateFile } from '../lib/files.js';
import type { Logger } from '../lib/log.js';
import { addStats, percentiles, type FromWorker, type ToWorker, type WorkerConfig, type WorkerStats } from './stats.js';
import { simulatorExecArgv } from './exec-argv.js';

export const WORKER_COMMAND = '__simulate-worker';

interface Child {
  index: number;
  proc: ChildProcess;
  config: WorkerConfig;
  stats: WorkerStats | null;
  summary: Extract<FromWorker, { t: 'summary' }> | null;
  exited: Promise<number | null>;
}

export interface CoordinatorOptions {
  log: Logger;
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
  /** The script forked for each process (the agent's bin). */
  workerEntry?: string;
  /** Stop when this resolves (tests); SIGINT/SIGTERM always stop. */
  stopSignal?: Promise<unknown>;
}

const defaultEntry = () => fileURLToPath(new URL('../../bin/openums-agent.js', import.meta.url));

/** The state dir belongs to one server: its CA is pinned once, its devices enrolled there. */
async function pinnedCa(args: SimulateArgs, log: Logger): Promise<string> {
  ensurePrivateDir(args.stateDir);
  const metaPath = join(args.stateDir, 'simulator.json');
  const caPath = join(args.stateDir, 'server-ca.pem');
  const meta = readTextIfExists(metaPath);
  const stored = readTextIfExists(caPath);
  if (meta && stored) {
    const m = JSON.parse(meta) as { server: string };
    if (m.server !== args.server)
      throw new Error(`${args.stateDir} holds simulated devices of ${m.server}; use another --state-dir for ${args.server}`);
    const want = args.caFingerprint ? normalizeFingerprint(args.caFingerprint) : null;
    if (want && fingerprint256(stored) !== want) throw new Error(`the pinned CA in ${caPath} does not match --ca-fingerprint`);
    return stored;
  }
  const ca = await pinServerCa(args.server, args.caFingerprint, log);
  writePrivateFile(caPath, ca.pem);
  writePrivateFile(
    metaPath,
    `${JSON.stringify({ server: args.server, caFingerprint: ca.fingerprint, macPrefix: args.macPrefix }, null, 2)}\n`,
  );
  return ca.pem;
}

/** Local addresses of process k: a contiguous share, or one address round-robin when there are fewer. */
export function addressShare(all: string[], processes: number, k: number): string[] {
  if (all.length === 0) return [];
  if (all.length < processes) return [all[k % all.length]!];
  const from = Math.floor((k * all.length) / processes);
  const to = Math.floor(((k + 1) * all.length) / processes);
  return all.slice(from, to);
}

/** `openums-agent simulate`: fork the worker processes, aggregate their figures, print them. */
export async function runSimulator(args: SimulateArgs, opts: CoordinatorOptions): Promise<number> {
  const { log } = opts;
  const out = opts.stdout ?? ((l: string) => process.stdout.write(l));
  const err = opts.stderr ?? ((l: string) => process.stderr.write(l));
  const caPem = await pinnedCa(args, log);
  const startedAt = Date.now();

  const children: Child[] = [];
  const total = () => addStats(children.map((c) => c.stats).filter((s): s is WorkerStats => s !== null));
  /**
   * When the total first reached every device: checked on each report of a process (a timer
   * sampling it could miss the moment when a stop followed the report that completed it).
   */
  let allOnlineAt: number | null = null;
  const noteAllOnline = () => {
    if (allOnlineAt === null && total().online >= args.count) allOnlineAt = Date.now();
  };
  for (let k = 0; k < args.processes; k++) {
    const config: WorkerConfig = {
      worker: k,
      server: args.server,
      key: args.key,
      caPem,
      stateDir: args.stateDir,
      first: Math.floor((k * args.count) / args.processes) + 1,
      last: Math.floor(((k + 1) * args.count) / args.processes),
      macPrefix: args.macPrefix,
      localAddresses: addressShare(args.localAddresses, args.processes, k),
      enrollConcurrency: args.enrollConcurrency,
      connectConcurrency: args.connectConcurrency,
      actionsFile: args.actionsFile,
      startedAt,
      statsEveryMs: 1000,
    };
    const proc = fork(opts.workerEntry ?? defaultEntry(), [WORKER_COMMAND], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: simulatorExecArgv(process.execArgv),
    });
    const child: Child = {
      index: k,
      proc,
      config,
      stats: null,
      summary: null,
      exited: new Promise((resolve) => proc.once('exit', (code) => resolve(code))),
    };
    proc.on('message', (m: FromWorker) => {
      if (m.t === 'stats') child.stats = m.stats;
      else if (m.t === 'summary') {
        child.summary = m;
        child.stats = m.stats;
      }
      noteAllOnline();
    });
    proc.on('error', (e) => log.error(`simulator process ${k}: ${e.message}`));
    proc.send({ t: 'start', config } satisfies ToWorker);
    children.push(child);
  }
  log.info(`simulating ${args.count} devices in ${args.processes} process(es) against ${args.server}`);

  const elapsed = () => Math.round((Date.now() - startedAt) / 100) / 10;
  const progressEvery = Math.min(5, args.statsIntervalSeconds ?? 5) * 1000;
  const progress = setInterval(() => {
    const s = total();
    err(
      `[${elapsed()}s] enrolled ${s.enrolled}/${args.count} online ${s.online} connecting ${s.connecting} failedEnroll ${s.failedEnroll} failedConnect ${s.failedConnect} commands ${s.commands} settingsApplied ${s.settingsApplied} resumed ${s.resumed} full ${s.fullHandshakes}\n`,
    );
  }, progressEvery);
  const statsTimer = args.statsIntervalSeconds
    ? setInterval(
        () => out(`${JSON.stringify({ t: 'stats', elapsedSeconds: elapsed(), ...pick(total()) })}\n`),
        args.statsIntervalSeconds * 1000,
      )
    : null;

  let stopRequested!: () => void;
  const stopped = new Promise<void>((resolve) => (stopRequested = resolve));
  const onSignal = () => stopRequested();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  void opts.stopSignal?.then(onSignal);
  const duration = args.durationSeconds ? setTimeout(onSignal, args.durationSeconds * 1000) : null;
  let crashed = 0;
  for (const c of children) {
    void c.exited.then((code) => {
      if (c.summary === null) {
        crashed++;
        log.error(`simulator process ${c.index} exited unexpectedly (code ${code})`);
        if (crashed === children.length) onSignal();
      }
    });
  }

  await stopped;
  const stopAt = Date.now();
  const atStop = total();
  for (const c of children) if (c.proc.connected) c.proc.send({ t: 'stop' } satisfies ToWorker);
  const killer = setTimeout(() => children.forEach((c) => c.proc.kill('SIGKILL')), 30_000);
  await Promise.all(children.map((c) => c.exited));
  clearTimeout(killer);
  for (const t of [progress, statsTimer]) if (t) clearInterval(t);
  if (duration) clearTimeout(duration);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const s = total();
  const connectMs = children.flatMap((c) => c.summary?.connectMs ?? []);
  const handshakeMs = children.flatMap((c) => c.summary?.handshakeMs ?? []);
  const timeToOnlineMs = children.flatMap((c) => c.summary?.timeToOnlineMs ?? []);
  const summary = {
    t: 'summary',
    count: args.count,
    processes: args.processes,
    durationSeconds: Math.round((stopAt - startedAt) / 100) / 10,
    ...pick(s),
    // Gauges as they were when the stop began (after it everything is offline by design).
    online: atStop.online,
    connecting: atStop.connecting,
    deleted: s.deleted,
    invalidMessages: s.invalidMessages,
    crashedProcesses: crashed,
    allOnlineSeconds: allOnlineAt === null ? null : Math.round((allOnlineAt - startedAt) / 100) / 10,
    connectMs: percentiles(connectMs),
    handshakeMs: percentiles(handshakeMs),
    timeToOnlineMs: percentiles(timeToOnlineMs),
  };
  out(`${JSON.stringify(summary)}\n`);
  return crashed > 0 ? 1 : 0;
}

function pick(s: WorkerStats) {
  return {
    enrolled: s.enrolled,
    online: s.online,
    connecting: s.connecting,
    failedEnroll: s.failedEnroll,
    failedConnect: s.failedConnect,
    commands: s.commands,
    resumed: s.resumed,
    fullHandshakes: s.fullHandshakes,
    settingsReceived: s.settingsReceived,
    settingsApplied: s.settingsApplied,
    settingsFailed: s.settingsFailed,
    lastSettingsAppliedAt: s.lastSettingsAppliedAt || null,
    attributesReceived: s.attributesReceived,
  };
}
