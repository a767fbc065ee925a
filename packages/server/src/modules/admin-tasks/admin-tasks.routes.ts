import {
  AdminTask,
  AdminTaskIdParams,
  AdminTaskPage,
  AdminTaskRunPage,
  CreateAdminTaskRequest,
  ErrorResponse,
  GeneralRight,
  ListAdminTasksQuery,
  UpdateAdminTaskRequest,
} from '@openums/protocol';
import { Type } from 'typebox';
import type { DatabaseHandle } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import type { App } from '../../lib/fastify.js';
import type { Logger } from '../../lib/logger.js';
import { rightsOf, type RequestRights, type RightsActor } from '../access/request-rights.js';
import { auditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommandsService } from '../commands/commands.service.js';
import type { DevicesService } from '../devices/devices.service.js';
import type { Mailer } from '../mail/mailer.js';
import type { NotificationsService } from '../notifications/notifications.service.js';
import type { ProfilesService } from '../profiles/profiles.service.js';
import { AdminTasksRepository } from './admin-tasks.repository.js';
import { AdminTasksService } from './admin-tasks.service.js';
import { viewTaskDeps } from './view-tasks.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['admin-tasks'];
/** Work on the server itself (backups, purges, deleting devices): the global-settings right. */
const access = { access: { general: GeneralRight.GlobalSettings } } as const;

/** Builds administrative tasks and their singleton work; app.ts calls it once. */
export function adminTasksModule(p: {
  database: Pick<DatabaseHandle, 'db' | 'dialect'>;
  databaseUrl: string | null;
  clock: Clock;
  devices: Pick<DevicesService, 'deleteDevices'>;
  mailer: () => Pick<Mailer, 'send' | 'sendToRecipients'>;
  audit: Pick<AuditLog, 'record'>;
  singletons: { add(task: { name: string; intervalMs: number; run(): Promise<unknown> }): void };
  log: Logger | null;
  /** The notification centre's one service (the reminders of missing tasks go there). */
  notifications: Pick<NotificationsService, 'sync'>;
  /** What the view tasks act through: the profiles and commands services, and object rights. */
  profiles: ProfilesService;
  commands: Pick<CommandsService, 'sendCommand'>;
  rights: { forRequest(actor: RightsActor): RequestRights };
}) {
  const repo = new AdminTasksRepository(p.database.db);
  const { db, dialect } = p.database;
  const views = viewTaskDeps({
    db,
    dialect,
    clock: p.clock,
    audit: p.audit,
    profiles: p.profiles,
    commands: p.commands,
    mailer: p.mailer,
    rights: p.rights,
  });
  const ctx = {
    db: p.database.db,
    dialect: p.database.dialect,
    databaseUrl: p.databaseUrl,
    clock: p.clock,
    devices: p.devices,
    mailer: p.mailer,
    purgeRunsBefore: (before: number) => repo.purgeRuns(before),
    views,
    findCreator: (username: string) => repo.findCreator(username),
  };
  const service = new AdminTasksService(repo, ctx, p.clock, p.audit, p.notifications, p.log);
  p.singletons.add({ name: 'admin-tasks', intervalMs: 5_000, run: () => service.tick() });
  p.singletons.add({ name: 'admin-task-reminders', intervalMs: 15 * 60_000, run: () => service.reminders() });
  return { service, registerRoutes: (app: App) => adminTaskRoutes(app, service) };
}

export function adminTaskRoutes(app: App, tasks: AdminTasksService): void {
  app.get('/api/v1/admin-tasks', {
    config: access,
    schema: {
      tags,
      summary: 'Administrative tasks (backup, purges, stale devices, notification summary, view assignment and export)',
      querystring: ListAdminTasksQuery,
      response: { 200: AdminTaskPage, ...errors },
    },
    handler: (req) => tasks.list(req.query),
  });
  app.post('/api/v1/admin-tasks', {
    config: access,
    schema: {
      tags,
      summary:
        "Create a task; a backup or export directory must be writable, a view task's view and profiles must exist and be readable by you",
      body: CreateAdminTaskRequest,
      response: { 201: AdminTask, ...errors },
    },
    handler: async (req, reply) =>
      reply.code(201).send(await tasks.create(auditContext(req), req.body, req.auth?.user.username ?? null, rightsOf(req))),
  });
  app.get('/api/v1/admin-tasks/:id', {
    config: access,
    schema: { tags, summary: 'One task, with its next and last run', params: AdminTaskIdParams, response: { 200: AdminTask, ...errors } },
    handler: (req) => tasks.get(req.params.id),
  });
  app.patch('/api/v1/admin-tasks/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Change a task',
      params: AdminTaskIdParams,
      body: UpdateAdminTaskRequest,
      response: { 200: AdminTask, ...errors },
    },
    handler: (req) => tasks.update(auditContext(req), req.params.id, req.body, rightsOf(req)),
  });
  app.delete('/api/v1/admin-tasks/:id', {
    config: access,
    schema: { tags, summary: 'Delete a task and its history', params: AdminTaskIdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await tasks.delete(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post('/api/v1/admin-tasks/:id/run', {
    config: access,
    schema: {
      tags,
      summary: 'Run a task now; its result follows in the history',
      params: AdminTaskIdParams,
      response: { 202: Type.Object({ runId: Type.Integer() }), ...errors },
    },
    handler: async (req, reply) => reply.code(202).send(await tasks.runNow(auditContext(req), req.params.id)),
  });
  app.get('/api/v1/admin-tasks/:id/runs', {
    config: access,
    schema: {
      tags,
      summary: 'The runs of a task, newest first',
      params: AdminTaskIdParams,
      querystring: ListAdminTasksQuery,
      response: { 200: AdminTaskRunPage, ...errors },
    },
    handler: (req) => tasks.runs(req.params.id, req.query),
  });
}
