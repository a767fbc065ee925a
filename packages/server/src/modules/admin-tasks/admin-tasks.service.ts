import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  type AdminTask,
  type AdminTaskOptions,
  type AdminTaskRun,
  type CreateAdminTaskRequest,
  type JobSchedule,
  type UpdateAdminTaskRequest,
} from '@openums/protocol';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { Logger } from '../../lib/logger.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import { checkRepeat, occurrenceFrom } from '../jobs/schedule.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { AdminTaskRow, AdminTasksRepository } from './admin-tasks.repository.js';
import type { RequestRights } from '../access/request-rights.js';
import { checkWritableDirectory, runTask, type TaskContext } from './task-actions.js';
import { checkViewTask, isViewTask } from './view-tasks.js';

/** The rights of the administrator saving a task (a view task names objects they must be able to read). */
export type SaverRights = Pick<RequestRights, 'require'> | null;

const invalid = (field: string, message: string) => new AppError(ErrorCode.ValidationFailed, message, { field });

function toTask(r: AdminTaskRow, lastMessage: string | null = null): AdminTask {
  return {
    id: r.id,
    name: r.name,
    type: r.type,
    options: JSON.parse(r.options_json) as AdminTaskOptions,
    schedule: JSON.parse(r.schedule_json) as JobSchedule,
    enabled: r.enabled === 1,
    nextRunAt: toIso(r.next_run_at),
    lastRunAt: toIso(r.last_run_at),
    lastState: r.last_state,
    lastMessage,
    createdBy: r.created_by,
    createdAt: toIso(r.created_at)!,
  };
}

/**
 * Administrative tasks: saved with a schedule, claimed when due by one process of the cluster (a
 * singleton tick plus an atomic claim), run on the server, each run recorded. Also the reference's
 * reminder when a needed task is missing (the embedded database without a backup task).
 */
export class AdminTasksService {
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly repo: AdminTasksRepository,
    private readonly ctx: TaskContext,
    private readonly clock: Clock,
    private readonly audit: Pick<AuditLog, 'record'>,
    private readonly notifications: Pick<NotificationsService, 'sync'>,
    private readonly log: Logger | null,
  ) {}

  private async check(
    o: AdminTaskOptions,
    s: JobSchedule,
    enabled: boolean,
    scheduleGiven: boolean,
    /** Set when the options are in the request: their objects are checked against the saver's rights. */
    saver: { rights: SaverRights } | null,
  ): Promise<number | null> {
    if (s.repeat) checkRepeat(s.repeat, 'body.schedule.repeat');
    const start = Date.parse(s.startAt);
    const now = this.clock.now();
    // A one-off task must lie ahead when its schedule is set; a repeating one may have started in
    // the past (next occurrence). Renaming a one-off task that already ran keeps its schedule.
    if (scheduleGiven && !s.repeat && start < now - 60_000)
      throw invalid('body.schedule.startAt', 'body.schedule.startAt is in the past (a task without repeat runs once)');
    if (o.type === 'backup') {
      const problem = await checkWritableDirectory(o.directory);
      if (problem) throw invalid('body.options.directory', `body.options.directory: ${problem}`);
    }
    if (saver && isViewTask(o)) {
      if (!this.ctx.views)
        throw new AppError(ErrorCode.ValidationFailed, 'view tasks are not available on this server', { field: 'body.options.type' });
      await checkViewTask(o, saver.rights, this.ctx.views);
    }
    return enabled ? occurrenceFrom(start, s.repeat ?? null, now) : null;
  }

  async create(by: AuditContext, req: CreateAdminTaskRequest, createdBy: string | null, rights: SaverRights = null): Promise<AdminTask> {
    const next = await this.check(req.options, req.schedule, req.enabled, true, { rights });
    const now = this.clock.now();
    const id = await this.repo.insert({
      name: req.name,
      type: req.options.type,
      options_json: JSON.stringify(req.options),
      schedule_json: JSON.stringify(req.schedule),
      enabled: req.enabled ? 1 : 0,
      next_run_at: next,
      created_by: createdBy,
      created_at: now,
      updated_at: now,
    });
    await this.record(by, 'admin-task.create', id, req.name, req);
    return this.get(id);
  }

  async update(by: AuditContext, id: number, req: UpdateAdminTaskRequest, rights: SaverRights = null): Promise<AdminTask> {
    const row = await this.row(id);
    const current = toTask(row);
    const merged = {
      name: req.name ?? row.name,
      options: req.options ?? current.options,
      schedule: req.schedule ?? current.schedule,
      enabled: req.enabled ?? current.enabled,
    };
    const saver = req.options !== undefined ? { rights } : null;
    const next = await this.check(merged.options, merged.schedule, merged.enabled, req.schedule !== undefined, saver);
    await this.repo.update(id, {
      name: merged.name,
      type: merged.options.type,
      options_json: JSON.stringify(merged.options),
      schedule_json: JSON.stringify(merged.schedule),
      enabled: merged.enabled ? 1 : 0,
      next_run_at: next,
      updated_at: this.clock.now(),
    });
    await this.record(by, 'admin-task.update', id, merged.name, merged);
    return this.get(id);
  }

  async delete(by: AuditContext, id: number): Promise<void> {
    const row = await this.row(id);
    await this.repo.delete(id);
    await this.record(by, 'admin-task.delete', id, row.name, null);
  }

  async get(id: number): Promise<AdminTask> {
    const row = await this.row(id);
    return toTask(row, (await this.repo.lastMessages([id])).get(id) ?? null);
  }

  async list(q: { limit?: number; cursor?: string }) {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const after = q.cursor ? (decodeCursor(q.cursor, 'admin-tasks', ['number'])[0] as number) : null;
    const { page, nextCursor } = toPage(await this.repo.list(after, limit + 1), limit, 'admin-tasks', (r) => [r.id]);
    const messages = await this.repo.lastMessages(page.map((r) => r.id));
    return { items: page.map((r) => toTask(r, messages.get(r.id) ?? null)), nextCursor };
  }

  async runs(id: number, q: { limit?: number; cursor?: string }) {
    await this.row(id);
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const before = q.cursor ? (decodeCursor(q.cursor, 'admin-task-runs', ['number'])[0] as number) : null;
    const rows = await this.repo.runs(id, before, limit + 1);
    const { page, nextCursor } = toPage(rows, limit, 'admin-task-runs', (r) => [Number(r.id)]);
    return {
      items: page.map((r): AdminTaskRun => ({
        id: Number(r.id),
        taskId: Number(r.task_id),
        startedAt: toIso(Number(r.started_at))!,
        finishedAt: toIso(r.finished_at === null ? null : Number(r.finished_at)),
        state: r.state as AdminTaskRun['state'],
        message: r.message,
      })),
      nextCursor,
    };
  }

  /** Starts a run now (outside the schedule); the answer names the run, its result follows in the history. */
  async runNow(by: AuditContext, id: number): Promise<{ runId: number }> {
    const row = await this.row(id);
    const now = this.clock.now();
    const runId = await this.repo.startRun(id, now);
    await this.repo.update(id, { last_run_at: now, last_state: 'running' });
    await this.record(by, 'admin-task.run', id, row.name, null);
    this.track(this.execute(row, runId));
    return { runId };
  }

  /** Singleton tick: claims each due task once per cluster and runs it. */
  async tick(): Promise<number> {
    const now = this.clock.now();
    let started = 0;
    for (const row of await this.repo.due(now)) {
      const s = JSON.parse(row.schedule_json) as JobSchedule;
      const next = s.repeat ? occurrenceFrom(Date.parse(s.startAt), s.repeat, now + 1000) : null;
      if (!(await this.repo.claim(row.id, row.next_run_at!, next, now))) continue;
      const runId = await this.repo.startRun(row.id, now);
      this.track(this.execute(row, runId));
      started++;
    }
    return started;
  }

  /** The reference's reminders for needed tasks that are missing. */
  async reminders(): Promise<void> {
    const types = await this.repo.enabledTypes();
    await this.notifications.sync(
      'missingAdminTask',
      this.ctx.dialect === 'sqlite' && !types.has('backup')
        ? [
            {
              key: 'no-backup-task',
              severity: 'warning',
              title: 'The embedded database is not backed up',
              message:
                'No enabled administrative task backs up the embedded database. Create a backup task (Administration › Administrative tasks).',
            },
          ]
        : [],
    );
  }

  /** Waits for runs in flight (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running.size) await Promise.all([...this.running]);
  }

  private track(p: Promise<unknown>): void {
    this.running.add(p);
    void p.finally(() => this.running.delete(p));
  }

  private async execute(row: AdminTaskRow, runId: number): Promise<void> {
    let state: 'succeeded' | 'failed' = 'succeeded';
    let message: string;
    try {
      message = await runTask(row.id, JSON.parse(row.options_json) as AdminTaskOptions, this.ctx, row.created_by);
    } catch (err) {
      state = 'failed';
      message = (err as Error).message;
      this.log?.warn({ task: row.id, type: row.type, err: message }, 'administrative task failed');
    }
    await this.repo.finishRun(runId, row.id, state, message, this.clock.now());
  }

  private async row(id: number): Promise<AdminTaskRow> {
    const row = await this.repo.find(id);
    if (!row) throw notFound(ErrorCode.AdminTaskNotFound, 'Administrative task', id);
    return row;
  }

  private async record(by: AuditContext, action: string, id: number, name: string, after: unknown) {
    await this.audit.record(this.ctx.db, {
      by,
      action,
      object: { type: 'admin-task', id, name },
      ...(after ? { after: after as Record<string, unknown> } : {}),
    });
  }
}
