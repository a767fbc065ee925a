import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';
import { fillShipped, stopper, waitForBalancer, type RunningBalancer } from './nginx-stream.js';

export const HAPROXY = '/usr/sbin/haproxy';
/** The TCP-mode configuration docs/load-balancers.md tells operators to use, loaded as shipped. */
export const SHIPPED_HAPROXY_CFG = fileURLToPath(new URL('../../../../docs/proxy/haproxy-tcp.cfg', import.meta.url));

export interface RunningHaproxy extends RunningBalancer {
  /**
   * Each `server` of the backend as HAProxy's health checks see it: `status` UP, DOWN, "UP 1/3"
   * (failing), …; `check` the last check's result: L7OK (the expected answer), L7RSP (another
   * answer), L4CON (connection refused), …
   */
  servers(): Promise<Record<string, { status: string; check: string }>>;
}

/**
 * Starts HAProxy with docs/proxy/haproxy-tcp.cfg, only its documented placeholders replaced,
 * after a minimal `global` section of the test's own (logging to a file, a stats socket to read
 * the health checks' verdicts), in front of the servers on `upstreamPorts`. `haproxy -c` must
 * accept the pair without a single warning.
 */
export async function startShippedHaproxy(opts: { dir: string; upstreamPorts: readonly number[]; ca: string }): Promise<RunningHaproxy> {
  if (spawnSync(HAPROXY, ['-v']).status !== 0) throw new Error('haproxy must be installed (.ci/run installs it)');
  const d = opts.dir;
  mkdirSync(d, { recursive: true });
  const port = await freePort();
  const site = fillShipped(
    readFileSync(SHIPPED_HAPROXY_CFG, 'utf8'),
    `127.0.0.1:${port}`,
    opts.upstreamPorts.map((p) => `127.0.0.1:${p}`),
  );
  const socket = join(d, 'admin.sock');
  writeFileSync(join(d, 'openums.cfg'), site);
  writeFileSync(
    join(d, 'global.cfg'),
    `global
    maxconn 1000
    log stderr format raw daemon notice
    stats socket ${socket} mode 600 level admin
`,
  );
  const files = ['-f', join(d, 'global.cfg'), '-f', join(d, 'openums.cfg')];
  const check = spawnSync(HAPROXY, ['-c', ...files], { encoding: 'utf8' });
  if (check.status !== 0 || /\[(WARNING|ALERT)\]/.test(check.stderr)) {
    throw new Error(`haproxy -c refused or warned about the shipped configuration:\n${check.stderr}${check.stdout}`);
  }
  const log = openSync(join(d, 'haproxy.log'), 'a');
  // -db: foreground, no daemon; the log (health-check verdicts) goes to haproxy.log.
  const child = spawn(HAPROXY, ['-db', ...files], { stdio: ['ignore', log, log] });
  closeSync(log);
  const stop = stopper(child);
  await waitForBalancer(port, opts.ca, child, () => readFileSync(join(d, 'haproxy.log'), 'utf8').slice(-800));
  return {
    port,
    dir: d,
    stop,
    async servers() {
      // `show stat` is CSV under a header line `# pxname,svname,…`.
      const csv = await adminCommand(socket, 'show stat\n');
      const [header, ...rows] = csv.trim().split('\n');
      const cols = header!.replace(/^# /, '').split(',');
      const [name, status, check] = ['svname', 'status', 'check_status'].map((c) => cols.indexOf(c)) as [number, number, number];
      const out: Record<string, { status: string; check: string }> = {};
      for (const r of rows.map((l) => l.split(','))) {
        if (r[0] === 'openums_servers' && r[name] !== 'BACKEND') out[r[name]!] = { status: r[status]!, check: r[check]! };
      }
      return out;
    },
  };
}

function adminCommand(path: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const s = connect(path, () => s.end(command));
    s.on('data', (c) => (out += c));
    s.on('end', () => resolve(out));
    s.on('error', reject);
  });
}
