import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';
import { httpsCall, type Target } from './device.js';

export const NGINX = '/usr/sbin/nginx';
/** The configuration docs/devices.md tells operators to use, loaded as shipped. */
export const SHIPPED_OFFLOADING_CONF = fileURLToPath(new URL('../../../../docs/proxy/nginx-ssl-offloading.conf', import.meta.url));

export interface RunningNginx {
  port: number;
  dir: string;
  stop(): void;
}

/**
 * Starts nginx with a shipped proxy configuration, only its documented placeholders replaced,
 * inside a minimal main file (the shipped file goes into the http context as an include).
 * `certDir` must hold web.crt, web.key, web-ca.crt and device-ca.pem.
 */
export async function startShippedNginx(opts: {
  dir: string;
  certDir: string;
  upstreamPort: number;
  ca: string;
  conf?: string;
}): Promise<RunningNginx> {
  if (spawnSync(NGINX, ['-v']).status !== 0) throw new Error('nginx must be installed (.ci/run installs it)');
  mkdirSync(join(opts.dir, 'tmp'), { recursive: true });
  const port = await freePort();
  const shipped = readFileSync(opts.conf ?? SHIPPED_OFFLOADING_CONF, 'utf8');
  const site = shipped
    .replaceAll('__LISTEN__', `127.0.0.1:${port}`)
    .replaceAll('__UPSTREAM_NAME__', 'localhost')
    .replaceAll('__UPSTREAM__', `127.0.0.1:${opts.upstreamPort}`)
    .replaceAll('__CERT_DIR__', opts.certDir);
  const left = /__[A-Z_]+__/.exec(site.replace(/^\s*#.*$/gm, ''));
  if (left) throw new Error(`placeholder ${left[0]} is not documented for substitution`);
  writeFileSync(join(opts.dir, 'openums.conf'), site);
  const d = opts.dir;
  writeFileSync(
    join(d, 'nginx.conf'),
    `daemon off;
worker_processes 1;
pid ${d}/nginx.pid;
error_log ${d}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${d}/tmp; proxy_temp_path ${d}/tmp; fastcgi_temp_path ${d}/tmp; uwsgi_temp_path ${d}/tmp; scgi_temp_path ${d}/tmp;
  include ${d}/openums.conf;
}
`,
  );
  const test = spawnSync(NGINX, ['-t', '-p', d, '-c', join(d, 'nginx.conf')], { encoding: 'utf8' });
  if (test.status !== 0) throw new Error(`nginx -t refused the shipped configuration: ${test.stderr}`);
  const child: ChildProcess = spawn(NGINX, ['-p', d, '-c', join(d, 'nginx.conf')], { stdio: 'ignore' });
  const target: Target = { port, ca: opts.ca };
  let up = false;
  for (let i = 0; i < 100 && !up; i++) {
    try {
      const r = await httpsCall(target, 'GET', '/ums/check-status');
      if (r.status === 502) throw new Error(`nginx answers 502: ${readFileSync(join(d, 'error.log'), 'utf8').slice(-500)}`);
      up = r.status === 200;
    } catch (err) {
      if ((err as Error).message.startsWith('nginx answers')) {
        child.kill('SIGTERM');
        throw err;
      }
    }
    if (!up) await new Promise((r) => setTimeout(r, 50));
  }
  if (!up) {
    child.kill('SIGTERM');
    throw new Error('nginx did not come up');
  }
  return { port, dir: d, stop: () => void child.kill('SIGTERM') };
}
