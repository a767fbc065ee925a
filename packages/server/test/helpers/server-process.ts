import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDb } from './db.js';
import { registerSecret } from '../log-secrets/registry.js';
import { httpsCall, type Target } from './device.js';

/** A request to a server process fails after this long without an answer instead of hanging the test. */
const REQUEST_TIMEOUT_MS = 30_000;
const BIN = new URL('../../bin/openums.js', import.meta.url).pathname;

/**
 * `openums server` as its own process on a test database, so a test can kill it with SIGKILL
 * like a crash, or let it kill itself at a crash point (OPENUMS_CRASH_POINT), and start it again
 * on the same data. `api` logs in once per start (sessions survive restarts; this only keeps
 * tests independent of that).
 */
export class ServerProcess {
  child!: ChildProcess;
  t!: Target;
  /** The server's log lines (JSON) when started with `captureLogs` (the last 200,000 characters). */
  logs = '';
  private token = '';

  constructor(
    readonly db: Pick<TestDb, 'dataDir' | 'databaseUrl'>,
    readonly port: number,
    private readonly password = 'process-test-password',
  ) {}

  /**
   * `captureLogs`: the level the server logs at; its lines are kept in `logs`. `asProgram`: run
   * bin/openums.js itself (its `#!` line picks node and its options), not `node bin/openums.js`.
   * `wrap`: a command prefix the server runs under (e.g. `prlimit --nofile=…`).
   */
  async start(
    env: Record<string, string> = {},
    extraArgs: string[] = [],
    opts: { captureLogs?: 'info' | 'warn'; asProgram?: boolean; wrap?: string[] } = {},
  ): Promise<void> {
    const args = [
      'server',
      '--data-dir',
      this.db.dataDir,
      '--port',
      String(this.port),
      '--host',
      '127.0.0.1',
      '--log-level',
      opts.captureLogs ?? (process.env.OPENUMS_TEST_SERVER_LOGS ? 'info' : 'warn'),
      ...extraArgs,
    ];
    if (this.db.databaseUrl) args.push('--database-url', this.db.databaseUrl);
    registerSecret('password', this.password);
    const command = opts.asProgram ? [BIN, ...args] : [process.execPath, BIN, ...args];
    // `wrap`: a command that runs the server (e.g. prlimit with a lower file limit).
    const [file, ...argv] = [...(opts.wrap ?? []), ...command];
    this.child = spawn(file!, argv, {
      env: { ...process.env, OPENUMS_ADMIN_PASSWORD: this.password, OPENUMS_PING_INTERVAL_SECONDS: '2', ...env },
      // OPENUMS_TEST_SERVER_LOGS=1 shows the servers' logs while debugging a test.
      stdio: ['ignore', opts.captureLogs ? 'pipe' : process.env.OPENUMS_TEST_SERVER_LOGS ? 'inherit' : 'ignore', 'inherit'],
    });
    this.child.stdout?.on('data', (c: Buffer) => (this.logs = (this.logs + c.toString()).slice(-200_000)));
    this.t = { port: this.port, ca: '' };
    // Up to 60 s: a loaded CI machine (tests and benches in parallel) can be slow to start a server.
    for (let i = 0; i < 1200; i++) {
      try {
        this.t.ca = readFileSync(join(this.db.dataDir, 'tls/web-ca.crt'), 'utf8');
        const r = await httpsCall(this.t, 'GET', '/ums/check-status');
        if (r.status === 200 && JSON.parse(r.body).status === 'ok') {
          await this.login();
          return;
        }
      } catch {
        /* starting */
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('server did not start');
  }

  /** A fresh session token (for tests that log out or act as a browser). */
  async newSession(): Promise<string> {
    const r = await httpsCall(this.t, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: this.password }),
    });
    return JSON.parse(r.body).token as string;
  }

  /** Logs in again (e.g. when the first login met a worker that was still starting). */
  relogin(timeoutMs = REQUEST_TIMEOUT_MS): Promise<void> {
    return this.login(timeoutMs);
  }

  private async login(timeoutMs = REQUEST_TIMEOUT_MS): Promise<void> {
    const r = await httpsCall(this.t, 'POST', '/api/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: this.password }),
      timeoutMs,
    });
    this.token = JSON.parse(r.body).token;
  }

  /** Resolves when the process has exited (by a kill or a crash point). */
  exited(): Promise<number | null> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((r) => this.child.once('exit', (code) => r(code)));
  }

  async kill(): Promise<void> {
    const done = this.exited();
    this.child.kill('SIGKILL');
    await done;
  }

  async api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = REQUEST_TIMEOUT_MS) {
    const r = await httpsCall(this.t, method, path, {
      headers: { authorization: `Bearer ${this.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      timeoutMs,
    });
    return { status: r.status, body: r.body ? JSON.parse(r.body) : null, headers: r.headers };
  }
}
