import {
  CreateJobFolderRequest,
  CreateJobRequest,
  ErrorResponse,
  GeneralRight,
  IdParams,
  Job,
  JobCalendar,
  JobCalendarQuery,
  JobFolder,
  JobPage,
  JobRun,
  JobRunDevicePage,
  JobRunDevicesQuery,
  JobRunPage,
  JobRunsQuery,
  JobSettings,
  ListJobsQuery,
  Cursor,
  Page,
  MAX_PAGE_LIMIT,
  RunIdParams,
  StartJobRunResponse,
  UpdateJobFolderRequest,
  UpdateJobRequest,
  type JobTarget,
} from '@openums/protocol';
import { Type } from 'typebox';
import type { DatabaseHandle } from '../../db/database.js';
import type { SettingsRepository } from '../../db/settings.repository.js';
import type { Clock } from '../../lib/clock.js';
import type { App } from '../../lib/fastify.js';
import type { Logger } from '../../lib/logger.js';
import type { RightsSource } from '../auth/access.js';
import { rightsOf, type RequestRights } from '../access/request-rights.js';
import { objectFilterSql } from '../access/list-filter-sql.js';
import { auditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommandsService } from '../commands/commands.service.js';
import type { ConfigurationChanges } from '../configuration-delivery/configuration-changes.js';
import { JobRunner, jobCommandRight } from './job-runner.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';
import { JobCalendarService } from './job-calendar.js';
import { JobFoldersRepository } from './job-folders.repository.js';
import { JobFoldersService } from './job-folders.service.js';
import { clusterScope, hostLeaseName, hostScope } from './job-hosts.js';
import { JobReportsRepository } from './job-reports.repository.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const tags = ['jobs'];
const access = { access: { general: GeneralRight.Jobs } } as const;
/** Without PageLimit's default of 100: the folder tree comes in one page of 1,000 unless `limit` says otherwise. */
const FoldersQuery = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_LIMIT })), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
/** How long one lease tick keeps stepping runs (the lease ticks every 1–5 s). */
const RUNNER_BUDGET_MS = 4000;

/**
 * Scheduled jobs (docs/jobs.md): the service, the scheduler/executor under the `job-scheduler`
 * lease, the scheduler of the jobs pinned to this host under `job-host:<host>` (one process of
 * the host holds it), and the history purge under `job-history-purge`; app.ts registers the
 * routes with one call.
 */
export function jobsModule(p: {
  database: Pick<DatabaseHandle, 'db' | 'dialect'>;
  settings: SettingsRepository;
  commands: CommandsService;
  configurationChanges: Pick<ConfigurationChanges, 'change'>;
  administration: { rights: RightsSource };
  /** The cluster's singleton work (SingletonTasks): one process runs each task under a lease. */
  singletons: { add(task: { name: string; intervalMs: number; run(): Promise<unknown> }): void };
  audit: Pick<AuditLog, 'record'>;
  clock: Clock;
  log: Logger | null;
}) {
  const repo = new JobsRepository(p.database.db);
  // Two runners, each with its own per-run state: the cluster-wide one and this host's pinned jobs.
  const newRunner = () =>
    new JobRunner(
      repo,
      p.database.db,
      p.database.dialect,
      p.commands,
      p.configurationChanges,
      (actor, ids, right) => p.administration.rights.forRequest({ ...actor, generalRights: [] }).partition('device', ids, right),
      p.clock,
      p.log,
    );
  const runner = newRunner();
  const hostRunner = newRunner();
  const service = new JobsService(repo, p.database.db, runner, p.settings, p.audit, p.clock);
  const folders = new JobFoldersService(new JobFoldersRepository(p.database.db), p.database.db, p.database.dialect, p.audit, p.clock);
  const calendar = new JobCalendarService(new JobReportsRepository(p.database.db), p.clock, p.log);
  const cluster = clusterScope();
  const here = hostScope();
  p.singletons.add({ name: 'job-scheduler', intervalMs: 0, run: () => runner.tick(RUNNER_BUDGET_MS, 250, cluster) });
  p.singletons.add({ name: hostLeaseName(here.host), intervalMs: 0, run: () => hostRunner.tick(RUNNER_BUDGET_MS, 250, here) });
  p.singletons.add({ name: 'job-history-purge', intervalMs: 60 * 60_000, run: () => service.purge() });
  return {
    service,
    runner,
    repo,
    registerRoutes: (app: App) => {
      app.addHook('preClose', async () => {
        runner.stop();
        hostRunner.stop();
      });
      jobRoutes(app, service, folders, calendar);
    },
  };
}

/** The saving administrator's rights on the targets: browse on folders and views, the command's right on devices. */
const targetCheck = (rights: RequestRights) => async (targets: JobTarget[], command: string) => {
  for (const [i, t] of targets.entries()) {
    const field = `body.targets.${i}.id`;
    if (t.type === 'device') await rights.require({ type: 'device', id: t.id }, jobCommandRight(command), field);
    else if (t.type === 'folder') await rights.require({ type: 'device-folder', id: t.id }, 'browse', field);
    else await rights.require({ type: 'view', id: t.id }, 'browse', field);
  }
};

export function jobRoutes(app: App, jobs: JobsService, folders: JobFoldersService, calendar: JobCalendarService): void {
  app.get('/api/v1/jobs', {
    config: access,
    schema: { tags, summary: 'Scheduled jobs by id', querystring: ListJobsQuery, response: { 200: JobPage, ...errors } },
    handler: (req) => jobs.list(req.query),
  });
  // Before /api/v1/jobs/:id, which would take "calendar" for an id.
  app.get('/api/v1/jobs/calendar', {
    config: access,
    schema: {
      tags,
      summary: 'Planned runs of enabled jobs between from and to (epoch ms, at most 31 days apart; default the next 7 days), by time',
      querystring: JobCalendarQuery,
      response: { 200: JobCalendar, ...errors },
    },
    handler: (req) => calendar.calendar(req.query),
  });
  app.post('/api/v1/jobs', {
    config: access,
    schema: {
      tags,
      summary: "Create a job; targets need browse (folders, views) or the command's right (devices) of the saving administrator",
      body: CreateJobRequest,
      response: { 201: Job, ...errors },
    },
    handler: async (req, reply) => {
      const auth = req.auth!;
      const job = await jobs.create(
        auditContext(req),
        { id: auth.user.id, username: auth.user.username },
        req.body,
        targetCheck(rightsOf(req)),
      );
      return reply.code(201).send(job);
    },
  });
  app.get('/api/v1/jobs/:id', {
    config: access,
    schema: { tags, summary: 'One job with its next run', params: IdParams, response: { 200: Job, ...errors } },
    handler: (req) => jobs.get(req.params.id),
  });
  app.patch('/api/v1/jobs/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Change a job (fields given are replaced)',
      params: IdParams,
      body: UpdateJobRequest,
      response: { 200: Job, ...errors },
    },
    handler: (req) => jobs.update(auditContext(req), req.params.id, req.body, targetCheck(rightsOf(req))),
  });
  app.delete('/api/v1/jobs/:id', {
    config: access,
    schema: { tags, summary: 'Delete a job and its history', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await jobs.remove(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post('/api/v1/jobs/:id/run', {
    config: access,
    schema: {
      tags,
      summary: 'Start a run now (the schedule is unchanged)',
      params: IdParams,
      response: { 201: StartJobRunResponse, ...errors },
    },
    handler: async (req, reply) => reply.code(201).send(await jobs.runNow(auditContext(req), req.params.id)),
  });
  app.get('/api/v1/jobs/:id/runs', {
    config: access,
    schema: {
      tags,
      summary: 'Runs of a job, newest first, with device counts per state',
      params: IdParams,
      querystring: JobRunsQuery,
      response: { 200: JobRunPage, ...errors },
    },
    handler: (req) => jobs.listRuns(req.params.id, req.query),
  });
  app.get('/api/v1/job-runs/:runId', {
    config: access,
    schema: { tags, summary: 'One run with device counts per state', params: RunIdParams, response: { 200: JobRun, ...errors } },
    handler: (req) => jobs.getRun(req.params.runId),
  });
  app.get('/api/v1/job-runs/:runId/devices', {
    config: access,
    schema: {
      tags,
      summary: 'The state of each device of a run, by device id; devices the caller may not browse are left out',
      params: RunIdParams,
      querystring: JobRunDevicesQuery,
      response: { 200: JobRunDevicePage, ...errors },
    },
    handler: async (req) => {
      const visible = objectFilterSql(await rightsOf(req).listFilter('device', 'browse'), 'd.id', 'd.folder_id');
      return jobs.listRunDevices(req.params.runId, req.query, visible);
    },
  });
  app.post('/api/v1/job-runs/:runId/cancel', {
    config: access,
    schema: {
      tags,
      summary: 'Cancel a running run: devices not reached yet are cancelled; those in flight finish',
      params: RunIdParams,
      response: { 200: JobRun, ...errors },
    },
    handler: (req) => jobs.cancelRun(auditContext(req), req.params.runId),
  });
  app.get('/api/v1/job-folders', {
    config: access,
    schema: {
      tags,
      summary: 'Job folders by id (a tree by parentId), 1,000 a page by default',
      querystring: FoldersQuery,
      response: { 200: Page(JobFolder), ...errors },
    },
    handler: (req) => folders.list(req.query),
  });
  app.post('/api/v1/job-folders', {
    config: access,
    schema: {
      tags,
      summary: 'Create a job folder (parentId: in that folder)',
      body: CreateJobFolderRequest,
      response: { 201: JobFolder, ...errors },
    },
    handler: async (req, reply) => reply.code(201).send(await folders.create(auditContext(req), req.body)),
  });
  app.patch('/api/v1/job-folders/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Rename or move a job folder (parentId null: to the top level; not under itself)',
      params: IdParams,
      body: UpdateJobFolderRequest,
      response: { 200: JobFolder, ...errors },
    },
    handler: (req) => folders.update(auditContext(req), req.params.id, req.body),
  });
  app.delete('/api/v1/job-folders/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Delete a job folder without sub-folders; its jobs move to its parent (or to no folder)',
      params: IdParams,
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      await folders.remove(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.get('/api/v1/settings/jobs', {
    config: access,
    schema: { tags, summary: 'Job history retention', response: { 200: JobSettings, ...errors } },
    handler: () => jobs.getSettings(),
  });
  app.put('/api/v1/settings/jobs', {
    config: access,
    schema: { tags, summary: 'Set the job history retention (days)', body: JobSettings, response: { 200: JobSettings, ...errors } },
    handler: (req) => jobs.putSettings(auditContext(req), req.body),
  });
}
