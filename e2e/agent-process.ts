import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const AGENT_BIN = join(ROOT, 'packages/agent/bin/openums-agent.js');
const LOG_DIR = join(ROOT, '.tmp/e2e');

/** A real `openums-agent` process; output goes to .tmp/e2e/agent-<name>.log and is kept for the report. */
export class AgentProcess {
  private output = '';
  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    const log = createWriteStream(logFile);
    for (const stream of [child.stdout!, child.stderr!]) {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        this.output += chunk;
        log.write(chunk);
      });
    }
    child.once('exit', () => log.end());
  }

  static start(name: string, args: string[]): AgentProcess {
    mkdirSync(LOG_DIR, { recursive: true });
    const child = spawn(process.execPath, [AGENT_BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    return new AgentProcess(child, join(LOG_DIR, `agent-${name}.log`));
  }

  /** `openums-agent enroll` against the e2e server with an enrollment key, its web CA pinned by fingerprint. */
  static enroll(name: string, o: { key: string; caFingerprint: string; stateDir: string }): AgentProcess {
    const server = `https://localhost:${new URL(process.env.E2E_BASE_URL!).port}`;
    return AgentProcess.start(name, [
      'enroll',
      '--server',
      server,
      '--key',
      o.key,
      '--ca-fingerprint',
      o.caFingerprint,
      '--state-dir',
      o.stateDir,
    ]);
  }

  get log(): string {
    return this.output;
  }

  /** Resolves the exit code (a signal counts as -1). */
  exited(timeoutMs: number): Promise<number> {
    if (this.child.exitCode !== null) return Promise.resolve(this.child.exitCode);
    return new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`agent did not exit within ${timeoutMs} ms. Output:\n${this.output}`)), timeoutMs);
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        done(code ?? -1);
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    const gone = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await gone;
    clearTimeout(killer);
  }
}
