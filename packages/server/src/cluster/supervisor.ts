import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Config } from '../config/schema.js';
import { configWarnings } from '../config/warnings.js';
import { lockDataDir } from '../lib/data-dir.js';
import { serverExecArgv } from '../lib/heap-flags.js';
import type { Logger } from '../lib/logger.js';
import { ensureWebTls } from '../tls/web-identity.js';
import { loadTicketKeys } from '../tls/ticket-keys.js';
import { isIpcEnvelope } from './ipc-bus.js';

/** Env variable carrying a worker's index. */
export const WORKER_ENV = 'OPENUMS_WORKER_INDEX';
/**
 * Set for worker 0's first start only: it listens while it migrates the database, so
 * /ums/check-status says "init" meanwhile. Every other start listens once ready (server.ts).
 */
export const LISTEN_EARLY_ENV = 'OPENUMS_WORKER_LISTEN_EARLY';
/** What a worker sends the supervisor once it serves requests. */
export const READY_MESSAGE = { openumsWorker: 'ready' } as const;

const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long resets its restart backoff. */
const STABLE_MS = 60_000;
const DRAIN_MS = 20_000;

export function workerCount(setting: Config['workers']): number {
  return setting === 'auto' ? availableParallelism() : setting;
}

/**
 * `openums server --workers N`: this process holds the data directory's lock, prepares what the
 * workers share on disk (web TLS identity, ticket keys), then starts N workers that share the
 * HTTPS port (Node's cluster module: by default the supervisor hands each accepted connection to
 * a worker in turn, or with `cluster.accept = workers` each worker accepts itself; each worker has
 * its own sockets and file limit). Worker 0 starts first and migrates the database; the others
 * follow once it is ready. A worker that dies is restarted with backoff. The supervisor relays
 * the cluster bus between its workers. SIGTERM/SIGINT drain every worker, then exit.
 */
export async function runSupervisor(config: Readonly<Config>, logger: Logger): Promise<void> {
  const n = workerCount(config.workers);
  for (const w of configWarnings(config)) logger.warn({ setting: w.setting }, w.message);
  const unlock = lockDataDir(config.dataDir);
  const tls = await ensureWebTls(config.dataDir, config.tls.extraNames);
  for (const change of tls.changed) logger.info(change);
  loadTicketKeys(config.dataDir, logger, true);

  const workers = new Map<number, Worker>();
  const backoff = new Map<number, number>();
  const restarts = new Set<NodeJS.Timeout>();
  let stopping = false;

  let firstFork = true;
  // At most one worker starting per core: seven workers restarted at once on two cores were all
  // ready only after ≈ 20 s (each start is ≈ 1.7 s of CPU), and the port stayed closed meanwhile;
  // started a core's worth at a time, the first ones take devices after ≈ 2 s.
  const startSlots = Math.max(1, availableParallelism());
  let starting = 0;
  const waiting: Array<() => void> = [];
  const slotFreed = () => {
    starting--;
    waiting.shift()?.();
  };
  /** Ends a worker's start (ready or dead), once. */
  const startEnded = (state: { inStart: boolean }) => {
    if (!state.inStart) return;
    state.inStart = false;
    slotFreed();
  };
  const fork = (index: number): Promise<void> =>
    new Promise<void>((go) => {
      // The slot is taken when granted (not when the worker forks), so two calls cannot share one.
      const grant = () => {
        starting++;
        go();
      };
      if (starting < startSlots) grant();
      else waiting.push(grant);
    }).then(() => startWorker(index));
  const startWorker = (index: number): Promise<void> =>
    new Promise((resolve) => {
      const start = { inStart: true };
      const started = Date.now();
      if (stopping) {
        slotFreed();
        return resolve();
      }
      const w = cluster.fork({ [WORKER_ENV]: String(index), ...(firstFork ? { [LISTEN_EARLY_ENV]: '1' } : {}) });
      firstFork = false;
      workers.set(index, w);
      w.on('message', (m: unknown) => {
        if (isIpcEnvelope(m)) {
          for (const other of workers.values()) if (other !== w && other.isConnected()) other.send(m);
        } else if ((m as typeof READY_MESSAGE | null)?.openumsWorker === 'ready') {
          logger.info({ worker: index, pid: w.process.pid }, 'worker ready');
          startEnded(start);
          resolve();
        }
      });
      w.on('exit', (code, signal) => {
        if (workers.get(index) === w) workers.delete(index);
        startEnded(start);
        resolve();
        if (stopping) return;
        const ranMs = Date.now() - started;
        const delay = ranMs > STABLE_MS ? RESTART_MIN_MS : Math.min((backoff.get(index) ?? RESTART_MIN_MS / 2) * 2, RESTART_MAX_MS);
        backoff.set(index, delay);
        logger.error({ worker: index, code, signal, restartInMs: delay }, 'worker died; restarting');
        // Not unref'd: when every worker died at once (kill -9 of all), this timer is all that
        // keeps the supervisor alive — the shared port closes with the last worker (seen: the
        // supervisor exited silently and the host stayed down).
        const restart = setTimeout(() => {
          restarts.delete(restart);
          if (!stopping) void fork(index);
        }, delay);
        restarts.add(restart);
      });
    });

  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    for (const t of restarts) clearTimeout(t);
    restarts.clear();
    logger.info({ signal, workers: workers.size }, 'draining workers');
    for (const w of workers.values()) w.process.kill('SIGTERM');
    const force = setTimeout(() => {
      for (const w of workers.values()) w.process.kill('SIGKILL');
    }, DRAIN_MS);
    force.unref();
    const check = setInterval(() => {
      if (workers.size === 0) {
        clearInterval(check);
        unlock();
        process.exit(0);
      }
    }, 100);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  // Frozen by the first fork: who accepts the shared port's connections (setting cluster.accept).
  // Each worker's connection ceiling (server.ts: below its file limit) makes a full worker close
  // what it accepts, so the device retries and lands on another one.
  cluster.schedulingPolicy = config.cluster.accept === 'workers' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  cluster.setupPrimary({ execArgv: serverExecArgv(process.execArgv) });
  logger.info({ workers: n, port: config.port, accept: config.cluster.accept }, 'starting workers');
  await fork(0);
  await Promise.all(Array.from({ length: n - 1 }, (_, i) => fork(i + 1)));
}
