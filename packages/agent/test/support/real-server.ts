import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { withSettingsLock } from '../../src/settings/lock.js';
import { registerSecretsIn, registerSecretsInHeaders, registerSecretsInText } from '../../../server/test/log-secrets/registry.js';

/**
 * The real OpenUMS server and the real agent binary in child processes, for end-to-end tests:
 * built with tsc first, real EST, real mutual-TLS gateway, real REST API.
 */
export const ROOT = resolve(import.meta.dirname, '../../../..');
export const AGENT_BIN = join(ROOT, 'packages/agent/bin/openums-agent.js');

export type ApiResult = { status: number; json: any; headers: Record<string, unknown> };
export type AgentProcess = ChildProcess & { out: string[]; err: string[]; exit: Promise<number | null> };

function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => res(port));
    });
  });
}

export async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export class RealServer {
  base = '';
  token = '';
  dir = '';
  port = 0;
  private server: ChildProcess | null = null;
  private serverArgs: string[] = [];
  private password = '';
  private readonly children: AgentProcess[] = [];

  /**
   * Builds protocol, server and agent, starts a server on a free port with SQLite, logs in as admin.
   * `host`: the address it binds to (default 127.0.0.1; `::` for IPv4 and IPv6 loopback both).
   */
  static async start(password: string, opts: { host?: string } = {}): Promise<RealServer> {
    const s = new RealServer();
    // Test files run in parallel: one build at a time, so none starts a server from half-written output.
    const lock = join(tmpdir(), `openums-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);
    const build = await withSettingsLock(
      lock,
      () => spawnSync('npx', ['tsc', '-b', 'packages/protocol', 'packages/server', 'packages/agent'], { cwd: ROOT, encoding: 'utf8' }),
      { timeoutMs: 300_000 },
    );
    if (build.status !== 0) throw new Error(`build failed:\n${build.stdout}${build.stderr}`);
    s.dir = mkdtempSync(join(tmpdir(), 'agent-e2e-'));
    const port = await freePort();
    s.port = port;
    s.base = `https://127.0.0.1:${port}`;
    s.password = password;
    s.serverArgs = [
      join(ROOT, 'packages/server/bin/openums.js'),
      'server',
      '--data-dir',
      join(s.dir, 'data'),
      '--port',
      String(port),
      '--host',
      opts.host ?? '127.0.0.1',
    ];
    await s.spawnServer();
    return s;
  }

  private async spawnServer(): Promise<void> {
    this.server = spawn(process.execPath, this.serverArgs, {
      env: { ...process.env, OPENUMS_ADMIN_PASSWORD: this.password },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const login = await until(
      'server login',
      async () => {
        const r = await this.api('POST', '/api/v1/auth/login', { username: 'admin', password: this.password });
        return r.status === 200 ? r.json : null;
      },
      40_000,
    );
    this.token = login.token;
  }

  /** Stops the server (SIGTERM: devices are told to come back shortly) and starts it again on the same port and data. */
  async restart(): Promise<void> {
    const server = this.server;
    if (server && server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    this.token = '';
    await this.spawnServer();
  }

  api(method: string, path: string, body?: unknown): Promise<ApiResult> {
    // Passwords sent, tokens and enrollment keys received: searched for in the logs (server/test/log-secrets/).
    registerSecretsIn(body);
    if (this.token) registerSecretsInHeaders({ authorization: `Bearer ${this.token}` });
    return new Promise((res, rej) => {
      const req = request(
        `${this.base}${path}`,
        {
          method,
          rejectUnauthorized: false,
          headers: {
            ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
            ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          },
        },
        (r) => {
          let text = '';
          r.on('data', (c) => (text += c));
          r.on('end', () => {
            registerSecretsInText(text);
            res({
              status: r.statusCode!,
              json: text && r.headers['content-type']?.includes('json') ? JSON.parse(text) : text,
              headers: r.headers,
            });
          });
        },
      );
      req.on('error', rej);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  /** `openums-agent ARGS` as a child process; output collected, killed at close. */
  agent(args: string[]): AgentProcess {
    const p = spawn(process.execPath, [AGENT_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }) as AgentProcess;
    p.out = [];
    p.err = [];
    p.stdout!.on('data', (c: Buffer) => p.out.push(c.toString()));
    p.stderr!.on('data', (c: Buffer) => p.err.push(c.toString()));
    p.exit = new Promise((r) => p.once('exit', (code) => r(code)));
    this.children.push(p);
    return p;
  }

  async close(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    if (this.server) {
      const server = this.server;
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
