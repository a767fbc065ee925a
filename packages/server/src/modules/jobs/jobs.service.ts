import { sql, type RawBuilder } from 'kysely';
import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  JOB_DEVICE_STATES,
  type CreateJobRequest,
  type Job,
  type JobRepeat,
  type JobRunDevicesQuery,
  type JobSettings,
  type JobTarget,
  type ListJobsQuery,
  type UpdateJobRequest,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import { SavedViewsRepository } from '../views/saved-views.repository.js';
import type { JobRunner } from './job-runner.js';
import { failoverNote } from './job-hosts.js';
import { JobHostsRepository } from './job-hosts.repository.js';
import { JobReportsRepository } from './job-reports.repository.js';
import { withDefaults } from './job-options.js';
import type { JobRow, JobRunRow, JobsRepository } from './jobs.repository.js';
import { checkRepeat, occurrenceFrom } from './schedule.js';

const SETTINGS_KEY = 'job_settings';
const DEFAULT_SETTINGS: JobSettings = { historyDays: 30 };
const DAY = 24 * 3600_000;

/** Checks the saving administrator's rights on the targets (the routes pass `req.rights`). */
export type TargetCheck = (targets: JobTarget[], command: string) => Promise<void>;

const bad = (field: string, message: string) => new AppError(ErrorCode.ValidationFailed, message, { field });

export class JobsService {
  private readonly hosts: JobHostsRepository;
  private readonly reports: JobReportsRepository;

  constructor(
    private readonly repo: JobsRepository,
    private readonly db: Db,
    private readonly runner: JobRunner,
    private readonly settings: SettingsRepository,
    private readonly audit: Pick<AuditLog, 'record'>,
    private readonly clock: Clock,
  ) {
    this.hosts = new JobHostsRepository(db);
    this.reports = new JobReportsRepository(db);
  }

  /** Everything that can be checked without the database's rights: 400 naming the field. */
  private async validate(
    j: CreateJobRequest,
    now: number,
    allowPastStart = false,
    checkHost = true,
  ): Promise<{ startAt: number; next: number | null }> {
    if (j.command === 'send-message' && !j.text) throw bad('body.text', 'body.text is required for send-message');
    if (j.command !== 'send-message' && j.text !== undefined) throw bad('body.text', 'body.text is only for send-message');
    const startAt = Date.parse(j.schedule.startAt);
    if (!Number.isFinite(startAt)) throw bad('body.schedule.startAt', 'body.schedule.startAt is not a date-time');
    const repeat = j.schedule.repeat ?? null;
    if (repeat) checkRepeat(repeat);
    // A one-off job in the past would never run; a minute of slack for the time the request took.
    if (!repeat && !allowPastStart && startAt < now - 60_000)
      throw bad('body.schedule.startAt', 'body.schedule.startAt is in the past (a job that runs once must start in the future)');
    if (j.folderId != null && !(await this.repo.folderExists(j.folderId)))
      throw new AppError(ErrorCode.JobFolderNotFound, `Job folder ${j.folderId} does not exist`, { field: 'body.folderId' });
    // A host no server process has registered (a typo, a machine never set up) would never run the job there.
    if (checkHost && j.host != null && !(await this.hosts.hostKnown(j.host)))
      throw bad('body.host', `body.host: no server of host ${j.host} is registered (GET /api/v1/servers lists the hosts)`);
    await this.checkTargetsExist(j.targets);
    const enabled = j.enabled ?? true;
    return { startAt, next: enabled ? this.firstRun(startAt, repeat, now) : null };
  }

  private firstRun(startAt: number, repeat: JobRepeat | null, now: number): number | null {
    // A one-off job saved a moment after its start time still runs (now).
    if (!repeat) return Math.max(startAt, now);
    return occurrenceFrom(startAt, repeat, now);
  }

  private async checkTargetsExist(targets: JobTarget[]): Promise<void> {
    const views = new SavedViewsRepository(this.db);
    for (const [i, t] of targets.entries()) {
      const field = `body.targets.${i}.id`;
      if (t.type === 'device') {
        const r = await sql`select id from devices where id = ${t.id}`.execute(this.db);
        if (!r.rows.length) throw new AppError(ErrorCode.DeviceNotFound, `Device ${t.id} does not exist`, { field });
      } else if (t.type === 'folder') {
        if (!(await this.repo.folderExists2(this.db, t.id)))
          throw new AppError(ErrorCode.FolderNotFound, `Folder ${t.id} does not exist`, { field });
      } else if (!(await views.findView(t.id))) throw new AppError(ErrorCode.ViewNotFound, `View ${t.id} does not exist`, { field });
    }
  }

  async create(by: AuditContext, creator: { id: number; username: string }, j: CreateJobRequest, checkRights: TargetCheck): Promise<Job> {
    const now = this.clock.now();
    const { startAt, next } = await this.validate(j, now);
    await checkRights(j.targets, j.command);
    const id = await this.repo.transaction(async (trx) => {
      const jid = await this.repo.insertJob(
        {
          folder_id: j.folderId ?? null,
          name: j.name,
          command: j.command,
          text: j.text ?? null,
          targets_json: JSON.stringify(j.targets),
          start_at: startAt,
          repeat_json: j.schedule.repeat ? JSON.stringify(j.schedule.repeat) : null,
          enabled: j.enabled === false ? 0 : 1,
          comment: j.comment ?? null,
          options_json: JSON.stringify(withDefaults(j.options)),
          next_run_at: next,
          host: j.host ?? null,
          created_by: creator.username,
          created_by_id: creator.id,
          created_at: now,
          updated_at: now,
        },
        trx,
      );
      await this.audit.record(trx, { by, action: 'job.create', object: { type: 'job', id: jid, name: j.name }, after: j });
      return jid;
    });
    return this.get(id);
  }

  async update(by: AuditContext, id: number, patch: UpdateJobRequest, checkRights: TargetCheck): Promise<Job> {
    const row = await this.requireJob(id);
    const current = toJob(row);
    const command = (patch.command ?? current.command) as CreateJobRequest['command'];
    // A text given is checked like on create; the stored one is kept only for send-message.
    const text = patch.text !== undefined ? patch.text : command === 'send-message' ? (current.text ?? undefined) : undefined;
    const merged: CreateJobRequest = {
      name: patch.name ?? current.name,
      command,
      ...(text !== undefined ? { text } : {}),
      targets: patch.targets ?? current.targets,
      schedule: patch.schedule ?? { startAt: current.schedule.startAt, repeat: current.schedule.repeat },
      enabled: patch.enabled ?? current.enabled,
      comment: patch.comment !== undefined ? patch.comment : current.comment,
      folderId: patch.folderId !== undefined ? patch.folderId : current.folderId,
      options: { ...current.options, ...(patch.options ?? {}) },
      host: patch.host !== undefined ? patch.host : current.host,
    };
    const now = this.clock.now();
    // An unchanged one-off start in the past is not an error on an edit (e.g. renaming a job that ran).
    const pastOneOff = !merged.schedule.repeat && patch.schedule === undefined && row.start_at < now - 60_000;
    // The stored host is not checked again (its registry entries may have been removed since).
    const checked = await this.validate(merged, now, pastOneOff, patch.host !== undefined && patch.host !== current.host);
    const startAt = checked.startAt;
    // A one-off job whose time has passed keeps its state (ran, or never will): give a new startAt to run it again.
    const next = pastOneOff ? (merged.enabled ? row.next_run_at : null) : checked.next;
    if (patch.targets || patch.command) await checkRights(merged.targets, merged.command);
    await this.repo.transaction(async (trx) => {
      await this.repo.updateJob(
        id,
        {
          folder_id: merged.folderId ?? null,
          name: merged.name,
          command: merged.command,
          text: merged.text ?? null,
          targets_json: JSON.stringify(merged.targets),
          start_at: startAt,
          repeat_json: merged.schedule.repeat ? JSON.stringify(merged.schedule.repeat) : null,
          enabled: merged.enabled ? 1 : 0,
          comment: merged.comment ?? null,
          options_json: JSON.stringify(withDefaults(merged.options)),
          next_run_at: next,
          host: merged.host ?? null,
          updated_at: now,
        },
        trx,
      );
      await this.audit.record(trx, {
        by,
        action: 'job.update',
        object: { type: 'job', id, name: merged.name },
        before: current,
        after: patch,
      });
    });
    return this.get(id);
  }

  async remove(by: AuditContext, id: number): Promise<void> {
    const row = await this.requireJob(id);
    await this.repo.transaction(async (trx) => {
      await this.repo.deleteJob(id, trx);
      await this.audit.record(trx, { by, action: 'job.delete', object: { type: 'job', id, name: row.name }, before: toJob(row) });
    });
  }

  async get(id: number): Promise<Job> {
    return toJob(await this.requireJob(id));
  }

  async requireJob(id: number): Promise<JobRow> {
    const row = await this.repo.findJob(id);
    if (!row) throw notFound(ErrorCode.JobNotFound, 'Job', id);
    return row;
  }

  async list(q: ListJobsQuery) {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const after = q.cursor ? (decodeCursor(q.cursor, 'jobs', ['number'])[0] as number) : 0;
    const rows = await this.repo.listJobs(after, limit + 1, q.folderId);
    const { page, nextCursor } = toPage(rows, limit, 'jobs', (r) => [r.id]);
    return { items: page.map(toJob), nextCursor };
  }

  /** A run now, besides the schedule (which it does not move). */
  async runNow(by: AuditContext, id: number): Promise<{ runId: number }> {
    const job = await this.requireJob(id);
    const now = this.clock.now();
    // Pinned: the host's scheduler takes it up (or the cluster's while the host is down).
    const run = { ...this.runner.newRun(job, 'manual', now, now, false, by.actor?.name ?? null), host: job.host };
    const runId = await this.repo.transaction(async (trx) => {
      const rid = await this.repo.insertRun(run, trx);
      await this.audit.record(trx, { by, action: 'job.run', object: { type: 'job', id, name: job.name }, after: { runId: rid } });
      return rid;
    });
    return { runId };
  }

  async listRuns(jobId: number, q: { limit?: number; cursor?: string }) {
    await this.requireJob(jobId);
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const before = q.cursor ? (decodeCursor(q.cursor, 'job-runs', ['number'])[0] as number) : null;
    const rows = await this.repo.listRuns(jobId, before, limit + 1);
    const { page, nextCursor } = toPage(rows, limit, 'job-runs', (r) => [r.id]);
    const counts = await this.repo.countsOf(page.map((r) => r.id));
    return { items: page.map((r) => toRun(r, counts.get(r.id) ?? {})), nextCursor };
  }

  async getRun(runId: number) {
    const run = await this.requireRun(runId);
    return toRun(run, (await this.repo.countsOf([runId])).get(runId) ?? {});
  }

  private async requireRun(runId: number): Promise<JobRunRow> {
    const run = await this.repo.findRun(runId);
    if (!run) throw notFound(ErrorCode.JobRunNotFound, 'Job run', runId);
    return run;
  }

  /**
   * The devices of a run; `visible` (the caller's browse filter on `d.id` / `d.folder_id`, null for
   * a superuser) leaves out devices the caller may not browse. The run's counts stay totals.
   */
  async listRunDevices(runId: number, q: JobRunDevicesQuery, visible: RawBuilder<boolean> | null = null) {
    await this.requireRun(runId);
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const after = q.cursor ? (decodeCursor(q.cursor, `job-run-devices:${q.state ?? ''}`, ['number'])[0] as number) : 0;
    const rows = await this.reports.listRunDevices(runId, after, limit + 1, q.state, visible);
    const { page, nextCursor } = toPage(rows, limit, `job-run-devices:${q.state ?? ''}`, (r) => [r.device_id]);
    return {
      items: page.map((r) => ({
        deviceId: r.device_id,
        state: r.state as (typeof JOB_DEVICE_STATES)[number],
        message: r.message,
        commandId: r.command_id,
        startedAt: toIso(r.started_at),
        finishedAt: toIso(r.finished_at),
      })),
      nextCursor,
    };
  }

  async cancelRun(by: AuditContext, runId: number) {
    const run = await this.requireRun(runId);
    if (run.state === 'running') {
      await this.runner.cancel(run);
      await this.repo.transaction((trx) =>
        this.audit.record(trx, { by, action: 'job.cancel', object: { type: 'job', id: run.job_id }, after: { runId } }),
      );
    }
    return this.getRun(runId);
  }

  // ---- retention ----
  async getSettings(): Promise<JobSettings> {
    const raw = await this.settings.findSetting(SETTINGS_KEY);
    return raw ? { ...DEFAULT_SETTINGS, ...(JSON.parse(raw) as Partial<JobSettings>) } : DEFAULT_SETTINGS;
  }
  async putSettings(by: AuditContext, s: JobSettings): Promise<JobSettings> {
    await this.repo.transaction(async (trx) => {
      await this.settings.putSetting(SETTINGS_KEY, JSON.stringify(s), trx);
      await this.audit.record(trx, { by, action: 'settings.update', object: { type: 'settings', name: 'jobs' }, after: s });
    });
    return s;
  }
  /** Deletes finished runs older than the retention (singleton work). */
  async purge(): Promise<number> {
    const { historyDays } = await this.getSettings();
    let total = 0;
    for (;;) {
      const n = await this.repo.purgeRuns(this.clock.now() - historyDays * DAY);
      total += n;
      if (n < 1000) return total;
    }
  }
}

export function toJob(r: JobRow): Job {
  return {
    id: r.id,
    name: r.name,
    command: r.command,
    text: r.text,
    targets: JSON.parse(r.targets_json),
    schedule: { startAt: toIso(r.start_at)!, repeat: r.repeat_json ? JSON.parse(r.repeat_json) : null },
    enabled: r.enabled === 1,
    comment: r.comment,
    folderId: r.folder_id,
    host: r.host,
    options: withDefaults(JSON.parse(r.options_json)),
    nextRunAt: toIso(r.next_run_at),
    createdBy: r.created_by,
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
  };
}

function toRun(r: JobRunRow, counts: Record<string, number>) {
  const all = Object.fromEntries(JOB_DEVICE_STATES.map((s) => [s, counts[s] ?? 0]));
  return {
    id: r.id,
    jobId: r.job_id,
    trigger: r.trigger as 'schedule' | 'manual',
    state: r.state as 'running',
    message: [failoverNote(r.host, r.server), r.message].filter(Boolean).join('; ') || null,
    plannedAt: toIso(r.planned_at)!,
    startedAt: toIso(r.started_at)!,
    expiresAt: toIso(r.expires_at)!,
    finishedAt: toIso(r.finished_at),
    createdBy: r.created_by,
    server: r.server,
    total: Object.values(all).reduce((a, b) => a + b, 0),
    counts: all,
  };
}
