import { createLogger } from '../lib/log.js';
import { SimulatorWorker } from './worker.js';
import type { FromWorker, ToWorker } from './stats.js';

/** Entry of a forked simulator process: waits for its config, runs, reports over IPC. */
export function runWorkerProcess(): Promise<number> {
  return new Promise((resolve) => {
    if (!process.send) {
      process.stderr.write('this command is internal to "openums-agent simulate"\n');
      return resolve(2);
    }
    const send = (m: FromWorker) => process.send?.(m);
    let worker: SimulatorWorker | null = null;
    let timer: NodeJS.Timeout | null = null;
    let stopping = false;

    const stop = async () => {
      if (stopping) return;
      stopping = true;
      if (timer) clearInterval(timer);
      if (worker) {
        await worker.stop();
        const w = worker;
        const summary: FromWorker = {
          t: 'summary',
          worker: w.cfg.worker,
          stats: w.stats,
          connectMs: w.connectMs,
          handshakeMs: w.handshakeMs,
          timeToOnlineMs: w.timeToOnlineMs,
        };
        if (process.connected) await new Promise<void>((done) => process.send!(summary, undefined, {}, () => done()));
      }
      if (process.connected) process.disconnect();
      resolve(0);
    };

    process.on('message', (m: ToWorker) => {
      if (m.t === 'start' && !worker) {
        const log = createLogger({ level: 'warn', prefix: `[sim ${m.config.worker}]` });
        worker = new SimulatorWorker(m.config, log);
        const w = worker;
        timer = setInterval(() => send({ t: 'stats', worker: m.config.worker, stats: w.stats }), m.config.statsEveryMs);
        void w.start().catch((err) => {
          log.error(`cannot start: ${(err as Error).message}`);
          void stop();
        });
      } else if (m.t === 'stop') {
        void stop();
      }
    });
    // The coordinator died: do not linger with thousands of sockets.
    process.on('disconnect', () => void stop());
    // Signals go to the whole process group; the coordinator decides when to stop.
    process.on('SIGINT', () => undefined);
    process.on('SIGTERM', () => void stop());
  });
}
