import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';
import { httpsCall, type Target } from './device.js';
import { NGINX } from './nginx.js';

/** The TLS-passthrough configuration docs/load-balancers.md tells operators to use, loaded as shipped. */
export const SHIPPED_NGINX_PASSTHROUGH_CONF = fileURLToPath(new URL('../../../../docs/proxy/nginx-tls-passthrough.conf', import.meta.url));
/** Debian builds the stream module as a dynamic module (package libnginx-mod-stream). */
const STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

/** A load balancer started from a shipped file, listening on 127.0.0.1:`port`. */
export interface RunningBalancer {
  port: number;
  dir: string;
  /** Stops it and resolves when the process has exited. */
  stop(): Promise<void>;
}

/**
 * Fills in a shipped load-balancer file the way its comments tell an administrator to:
 * `__LISTEN__` and `__UPSTREAM_<n>__` replaced, and the `server` line of every numbered upstream
 * beyond the ones given deleted ("One server only: delete that `server` line"). Any placeholder
 * left outside comments is an error, so a new one cannot slip into the file undocumented.
 */
export function fillShipped(shipped: string, listen: string, upstreams: readonly string[]): string {
  let text = shipped
    .split('\n')
    .filter((line) => {
      const n = /^\s*[^#\s].*__UPSTREAM_(\d+)__/.exec(line);
      return !n || Number(n[1]) <= upstreams.length;
    })
    .join('\n')
    .replaceAll('__LISTEN__', listen);
  upstreams.forEach((u, i) => (text = text.replaceAll(`__UPSTREAM_${i + 1}__`, u)));
  for (let i = 1; i <= upstreams.length; i++) {
    if (!shipped.split('\n').some((l) => !l.trimStart().startsWith('#') && l.includes(`__UPSTREAM_${i}__`))) {
      throw new Error(`the shipped file has no line for __UPSTREAM_${i}__: copy a server line for more upstreams`);
    }
  }
  const left = /__[A-Z0-9_]+__/.exec(text.replace(/^\s*#.*$/gm, ''));
  if (left) throw new Error(`placeholder ${left[0]} is not documented for substitution`);
  return text;
}

/**
 * The shipped files' instruction for more servers than they list ("More: copy it once per
 * server"): the last non-comment line naming a numbered upstream is copied once for each further
 * upstream, with the next number. Fewer upstreams than the file lists: the text unchanged.
 */
export function copyServerLines(shipped: string, upstreams: number): string {
  const lines = shipped.split('\n');
  let last = -1;
  let highest = 0;
  lines.forEach((line, i) => {
    const n = /^\s*[^#\s].*__UPSTREAM_(\d+)__/.exec(line);
    if (n && Number(n[1]) >= highest) [last, highest] = [i, Number(n[1])];
  });
  if (last < 0 || upstreams <= highest) return shipped;
  const copies: string[] = [];
  for (let k = highest + 1; k <= upstreams; k++) {
    // HAProxy names each server (ums1, ums2, …): a copy gets its own name too.
    copies.push(lines[last]!.replaceAll(`__UPSTREAM_${highest}__`, `__UPSTREAM_${k}__`).replace(`ums${highest}`, `ums${k}`));
  }
  lines.splice(last + 1, 0, ...copies);
  return lines.join('\n');
}

/** Waits until `GET /ums/check-status` answers 200 through the balancer; `diagnose` explains a failure. */
export async function waitForBalancer(port: number, ca: string, child: ChildProcess, diagnose: () => string): Promise<void> {
  const target: Target = { port, ca };
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`balancer exited: ${diagnose()}`);
    try {
      if ((await httpsCall(target, 'GET', '/ums/check-status')).status === 200) return;
    } catch {
      /* not listening yet, or no upstream up yet */
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`balancer did not come up: ${diagnose()}`);
}

/** Kills the child when this test process exits, however it ends, and returns an awaitable stop. */
export function stopper(child: ChildProcess): () => Promise<void> {
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  return async () => {
    process.off('exit', onExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await done;
  };
}

/**
 * Starts nginx with docs/proxy/nginx-tls-passthrough.conf (a `stream {}` block for nginx's main
 * context), only its documented placeholders replaced, in front of the servers on
 * `upstreamPorts`. `ca` is the servers' web CA: through a passthrough balancer clients see the
 * server's own certificate.
 */
export async function startShippedNginxStream(opts: {
  dir: string;
  upstreamPorts: readonly number[];
  ca: string;
  /** nginx's `worker_connections` (default 256); each relayed connection takes two. */
  workerConnections?: number;
}): Promise<RunningBalancer> {
  if (spawnSync(NGINX, ['-v']).status !== 0) throw new Error('nginx must be installed (.ci/run installs it)');
  if (!existsSync(STREAM_MODULE)) throw new Error(`${STREAM_MODULE} missing: apt-get install libnginx-mod-stream (.ci/run installs it)`);
  const d = opts.dir;
  mkdirSync(d, { recursive: true });
  const port = await freePort();
  // More servers than the file lists: its `server` line copied once per server, as it says.
  const site = fillShipped(
    copyServerLines(readFileSync(SHIPPED_NGINX_PASSTHROUGH_CONF, 'utf8'), opts.upstreamPorts.length),
    `127.0.0.1:${port}`,
    opts.upstreamPorts.map((p) => `127.0.0.1:${p}`),
  );
  writeFileSync(join(d, 'openums-stream.conf'), site);
  writeFileSync(
    join(d, 'nginx.conf'),
    `daemon off;
worker_processes 2;
pid ${d}/nginx.pid;
error_log ${d}/error.log notice;
load_module ${STREAM_MODULE};
events { worker_connections ${opts.workerConnections ?? 256}; }
include ${d}/openums-stream.conf;
`,
  );
  const test = spawnSync(NGINX, ['-t', '-p', d, '-c', join(d, 'nginx.conf')], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t refused the shipped configuration: ${test.stderr}`);
  const child = spawn(NGINX, ['-p', d, '-c', join(d, 'nginx.conf')], { stdio: 'ignore' });
  const stop = stopper(child);
  await waitForBalancer(port, opts.ca, child, () => readFileSync(join(d, 'error.log'), 'utf8').slice(-800));
  return { port, dir: d, stop };
}
