import { spawn } from 'node:child_process';
import { readdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { AdminTaskOptions } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { DialectName } from '../../db/dialect.js';
import type { Clock } from '../../lib/clock.js';
import { SYSTEM_CONTEXT } from '../audit/audit-context.js';
import { devicesWithPresence } from '../devices/device-rows.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { Mailer } from '../mail/mailer.js';
import { checkWritableDirectory } from './directory.js';
import { isViewTask, runViewTask, type ViewTaskDeps } from './view-tasks.js';

export { checkWritableDirectory };

const DAY_MS = 86_400_000;
/** Rows per delete of a purge: short transactions, a busy server keeps answering. */
const PURGE_BATCH = 5000;

export interface TaskContext {
  db: Db;
  dialect: DialectName;
  databaseUrl: string | null;
  clock: Clock;
  devices: Pick<DevicesService, 'deleteDevices'>;
  mailer: () => Pick<Mailer, 'send'> | null;
  purgeRunsBefore: (before: number) => Promise<number>;
  /** The view tasks' services (absent in tests of the other types). */
  views?: ViewTaskDeps;
  /** The enabled account a task's creator name stands for (null: gone, disabled or ambiguous). */
  findCreator?: (username: string) => Promise<{ userId: number; superuser: boolean } | null>;
}

/** What a run did, for its history (one readable line). */
export type TaskResult = string;

export async function runTask(taskId: number, o: AdminTaskOptions, ctx: TaskContext, createdBy: string | null = null): Promise<TaskResult> {
  const now = ctx.clock.now();
  if (isViewTask(o)) {
    if (!ctx.views || !ctx.findCreator) throw new Error('view tasks are not available on this server');
    const creator = createdBy === null ? null : await ctx.findCreator(createdBy);
    return runViewTask(taskId, o, creator, ctx.views, now);
  }
  switch (o.type) {
    case 'backup':
      return backup(taskId, o.directory, o.keep, ctx);
    case 'purgeAuditLog': {
      let n = 0;
      for (;;) {
        const ids = await ctx.db
          .selectFrom('audit_log')
          .select('id')
          .where('at', '<', now - o.olderThanDays * DAY_MS)
          .limit(PURGE_BATCH)
          .execute();
        if (!ids.length) break;
        await ctx.db
          .deleteFrom('audit_log')
          .where(
            'id',
            'in',
            ids.map((r) => r.id),
          )
          .execute();
        n += ids.length;
      }
      return `deleted ${n} audit log entries older than ${o.olderThanDays} days`;
    }
    case 'purgeTaskHistory': {
      const n = await ctx.purgeRunsBefore(now - o.olderThanDays * DAY_MS);
      return `deleted ${n} task runs older than ${o.olderThanDays} days`;
    }
    case 'deleteStaleDevices': {
      const cutoff = now - o.noContactDays * DAY_MS;
      // Never contacted (last_contact 0): judged by their registration.
      const rows = await devicesWithPresence(ctx.db)
        .select(['id', 'name'])
        .where((eb) =>
          eb.or([
            eb.and([eb('last_contact', '>', 0), eb('last_contact', '<', cutoff)]),
            eb.and([eb('last_contact', '=', 0), eb('registered_at', '<', cutoff)]),
          ]),
        )
        .orderBy('id')
        .limit(o.limit)
        .execute();
      if (!rows.length) return `no device without contact for ${o.noContactDays} days`;
      const deleted = new Set(
        await ctx.devices.deleteDevices(
          rows.map((r) => Number(r.id)),
          SYSTEM_CONTEXT,
        ),
      );
      const names = rows.filter((r) => deleted.has(Number(r.id))).map((r) => `${r.name} (${r.id})`);
      return `deleted ${names.length} device(s) without contact for ${o.noContactDays} days: ${names.slice(0, 50).join(', ')}${names.length > 50 ? ', …' : ''}`;
    }
    case 'mailNotificationSummary': {
      const mailer = ctx.mailer();
      if (!mailer) throw new Error('mail is not configured (Administration › Mail)');
      const current = await ctx.db
        .selectFrom('notifications')
        .select(['severity', 'title', 'message'])
        .where('resolved_at', 'is', null)
        .orderBy('id', 'desc')
        .limit(200)
        .execute();
      const text = current.length
        ? current.map((n) => `[${n.severity}] ${n.title}\n  ${n.message}`).join('\n\n')
        : 'Nothing needs attention.';
      await mailer.send(o.recipients, `[OpenUMS] ${current.length} notification(s)`, text);
      return `mailed ${current.length} notification(s) to ${o.recipients.join(', ')}`;
    }
  }
}

/**
 * A consistent online copy of the database: SQLite `VACUUM INTO` (readers and writers go on;
 * the copy is one transaction's snapshot), PostgreSQL `pg_dump -Fc` (one transaction's snapshot
 * too). Then the oldest backups of this task beyond `keep` are deleted.
 */
async function backup(taskId: number, dir: string, keep: number, ctx: TaskContext): Promise<TaskResult> {
  const problem = await checkWritableDirectory(dir);
  if (problem) throw new Error(problem);
  const stamp = new Date(ctx.clock.now()).toISOString().replace(/[:.]/g, '-');
  const prefix = `openums-task${taskId}-`;
  const file = join(dir, `${prefix}${stamp}.${ctx.dialect === 'sqlite' ? 'sqlite' : 'pgdump'}`);
  if (ctx.dialect === 'sqlite') await sql`vacuum into ${file}`.execute(ctx.db);
  else await pgDump(ctx.databaseUrl!, file);
  const size = (await stat(file)).size;
  const mine = (await readdir(dir)).filter((f) => f.startsWith(prefix)).sort();
  const old = mine.slice(0, Math.max(0, mine.length - keep));
  for (const f of old) await unlink(join(dir, f));
  return `backup ${file} (${size} bytes)${old.length ? `; ${old.length} older backup(s) deleted (keeping ${keep})` : ''}`;
}

/** pg_dump with the connection string in the environment, never on the command line (process lists show it). */
function pgDump(url: string, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const env = {
      ...process.env,
      PGHOST: u.hostname,
      PGPORT: u.port || '5432',
      PGDATABASE: decodeURIComponent(u.pathname.slice(1)),
      ...(u.username ? { PGUSER: decodeURIComponent(u.username) } : {}),
      ...(u.password ? { PGPASSWORD: decodeURIComponent(u.password) } : {}),
    };
    const child = spawn('pg_dump', ['-Fc', '-f', file], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-2000)));
    child.on('error', (e) =>
      reject(new Error(`pg_dump could not start (${(e as NodeJS.ErrnoException).code}); install the PostgreSQL client tools`)),
    );
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_dump failed (${code}): ${err.trim()}`))));
  });
}
