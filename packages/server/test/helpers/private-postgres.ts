import { execFile, execFileSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './net.js';

const run = promisify(execFile);
const PG_LIB = '/usr/lib/postgresql';

/**
 * A PostgreSQL server of the test's own (initdb in a temporary directory, its own port), so a test
 * can stop and start a real PostgreSQL without touching the machine's shared service. Trust
 * authentication on 127.0.0.1 only, fsync off. As root, every PostgreSQL program runs as the
 * `postgres` user (PostgreSQL refuses to run as root).
 */
export class PrivatePostgres {
  private running = false;
  /** A test process that ends without afterAll (a crash, a kill) still stops the instance. */
  private readonly onExit = () => {
    try {
      if (existsSync(join(this.dataDir, 'postmaster.pid')))
        execFileSync(...this.command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', 'stop']));
    } catch {
      /* best effort */
    }
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor(
    private readonly bin: string,
    readonly dir: string,
    readonly port: number,
    private readonly asUser: string | null,
  ) {}

  /** `postgres://postgres@127.0.0.1:<port>/<database>` */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** Creates (initdb) and starts an instance on a free port. Throws, naming the fix, when the server programs are missing. */
  static async create(): Promise<PrivatePostgres> {
    const bin = findBinaries();
    const asUser = process.getuid?.() === 0 ? 'postgres' : null;
    const dir = mkdtempSync(join(tmpdir(), 'openums-test-pg-'));
    const pgsql = new PrivatePostgres(bin, dir, await freePort(), asUser);
    process.once('exit', pgsql.onExit);
    try {
      mkdirSync(join(dir, 'sock'));
      if (asUser) {
        const { uid, gid } = userIds(asUser);
        chownSync(dir, uid, gid);
        chownSync(join(dir, 'sock'), uid, gid);
      }
      await pgsql.exec('initdb', ['-D', pgsql.dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
      // In the configuration file, not on pg_ctl's command line: a restart gets the same port.
      appendFileSync(
        join(pgsql.dataDir, 'postgresql.conf'),
        [
          '',
          `listen_addresses = '127.0.0.1'`,
          `port = ${pgsql.port}`,
          `unix_socket_directories = '${join(dir, 'sock')}'`,
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          'max_connections = 100',
          '',
        ].join('\n'),
      );
      await pgsql.start();
    } catch (err) {
      await pgsql.remove();
      throw err;
    }
    return pgsql;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Starts the instance (again, on the same port) and waits until it accepts connections. */
  async start(): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'postgres.log'), '-w', '-t', '60', 'start']);
    this.running = true;
  }

  /**
   * Stops the instance: `fast` disconnects every client and shuts down cleanly (a service
   * restart), `immediate` quits at once without a checkpoint (like a crash; recovery on start).
   */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    this.running = false;
  }

  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  /** Creates a database and returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const c = new pg.Client({ connectionString: this.url() });
    await c.connect();
    try {
      await c.query(`create database ${name}`);
    } finally {
      await c.end();
    }
    return this.url(name);
  }

  /** The last lines of PostgreSQL's own log (for failure messages). */
  logTail(chars = 2000): string {
    const f = join(this.dir, 'postgres.log');
    return existsSync(f) ? readFileSync(f, 'utf8').slice(-chars) : '';
  }

  /** Stops the instance if it runs (immediately) and deletes its files. Never throws. */
  async remove(): Promise<void> {
    process.off('exit', this.onExit);
    if (existsSync(join(this.dataDir, 'postmaster.pid'))) await this.stop('immediate').catch(() => undefined);
    this.running = false;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private command(program: string, args: string[]): [string, string[]] {
    const file = join(this.bin, program);
    return this.asUser ? ['runuser', ['-u', this.asUser, '--', file, ...args]] : [file, args];
  }

  private async exec(program: string, args: string[]): Promise<void> {
    const [cmd, argv] = this.command(program, args);
    try {
      // pg_ctl's children inherit stdout: without a log file (-l) the call would never end.
      await run(cmd, argv, { cwd: this.dir, timeout: 90_000 });
    } catch (err) {
      const e = err as Error & { stderr?: string; stdout?: string };
      throw new Error(`${program} ${args.join(' ')} failed: ${e.message}\n${e.stderr ?? ''}${e.stdout ?? ''}\n${this.logTail()}`);
    }
  }
}

/** The newest PostgreSQL server's programs (Debian layout: /usr/lib/postgresql/<version>/bin). */
function findBinaries(): string {
  const versions = existsSync(PG_LIB)
    ? readdirSync(PG_LIB)
        .filter((v) => ['initdb', 'pg_ctl', 'postgres'].every((p) => existsSync(join(PG_LIB, v, 'bin', p))))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) {
    throw new Error(
      `PostgreSQL server programs (initdb, pg_ctl, postgres) not found under ${PG_LIB}/<version>/bin: ` +
        'install them with `apt-get install postgresql` (.ci/run does so on a fresh machine)',
    );
  }
  return join(PG_LIB, versions[0]!, 'bin');
}

function userIds(name: string): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`user ${name} does not exist (it comes with Debian's postgresql package); running as ${userInfo().username}`);
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}
