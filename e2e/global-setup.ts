import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const SERVER_BIN = join(ROOT, 'packages/server/bin/openums.js');
const LOG_DIR = join(ROOT, '.tmp/e2e');
const START_TIMEOUT_MS = 120_000;

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/** GET over HTTPS trusting the server's self-signed certificate; resolves the parsed JSON or null. */
function getStatus(url: string): Promise<unknown> {
  return new Promise((resolveStatus) => {
    const req = httpsRequest(url, { rejectUnauthorized: false, timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        try {
          resolveStatus(JSON.parse(body));
        } catch {
          resolveStatus(null);
        }
      });
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolveStatus(null));
    req.end();
  });
}

function tail(file: string, lines = 40): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no server log)';
  }
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(killer);
      done();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Starts a real OpenUMS server with a fresh data directory and passes its address and the admin
 * password to the tests through environment variables. Returns the teardown.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'openums-e2e-'));
  const password = `E2e-${randomBytes(12).toString('base64url')}`;
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, 'server.log');
  const log = createWriteStream(logFile);

  const child = spawn(process.execPath, [SERVER_BIN, 'server', '--data-dir', dataDir, '--port', String(port), '--host', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...process.env, OPENUMS_ADMIN_PASSWORD: password },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);

  const baseUrl = `https://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  let last: unknown = null;
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `OpenUMS server exited during start-up (code ${child.exitCode}, signal ${child.signalCode}). Log ${logFile}:\n${tail(logFile)}`,
        );
      }
      last = await getStatus(`${baseUrl}/ums/check-status`);
      if ((last as { status?: unknown } | null)?.status === 'ok') break;
      if (Date.now() > deadline) {
        throw new Error(
          `OpenUMS server not ready after ${START_TIMEOUT_MS / 1000} s (last status ${JSON.stringify(last)}). Log ${logFile}:\n${tail(logFile)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } catch (error) {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  process.env.E2E_BASE_URL = baseUrl;
  process.env.E2E_ADMIN_USER = 'admin';
  process.env.E2E_ADMIN_PASSWORD = password;

  return async () => {
    await stop(child);
    log.end();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
