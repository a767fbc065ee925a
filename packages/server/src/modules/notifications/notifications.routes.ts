import { ErrorResponse, Id, ListNotificationsQuery, NotificationCount, NotificationPage, NotificationPreferences } from '@openums/protocol';
import { Type } from 'typebox';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import type { App } from '../../lib/fastify.js';
import type { Logger } from '../../lib/logger.js';
import type { Mailer } from '../mail/mailer.js';
import { NotificationChecks, type CheckSources } from './notification-checks.js';
import { NotificationsRepository } from './notifications.repository.js';
import { NotificationsService } from './notifications.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['notifications'];
/** Every administrator has a notification centre of their own (kinds chosen per administrator). */
const own = { access: 'authenticated' } as const;

/** Builds the centre and its periodic checks (singleton work); app.ts calls it once. */
export function notificationsModule(p: {
  db: Db;
  clock: Clock;
  sources: CheckSources;
  mailer: () => Pick<Mailer, 'send'> | null;
  /** The cluster's singleton work (one process at a time, under a lease). */
  singletons: { add(task: { name: string; intervalMs: number; run(): Promise<unknown> }): void };
  log: Logger | null;
}) {
  const service = new NotificationsService(new NotificationsRepository(p.db), p.clock, p.mailer, p.log);
  const checks = new NotificationChecks(p.db, service, p.sources, p.clock);
  p.singletons.add({ name: 'notification-checks', intervalMs: 5 * 60_000, run: () => checks.frequent() });
  p.singletons.add({ name: 'notification-disk', intervalMs: 6 * 3600_000, run: () => checks.disk() });
  p.singletons.add({ name: 'notification-purge', intervalMs: 24 * 3600_000, run: () => service.purge() });
  return { service, checks, registerRoutes: (app: App) => notificationRoutes(app, service) };
}

export function notificationRoutes(app: App, n: NotificationsService): void {
  const adminId = (req: { auth: { user: { id: number } } | null }) => req.auth!.user.id;
  app.get('/api/v1/notifications', {
    config: own,
    schema: {
      tags,
      summary: 'Your notification centre: current conditions (newest first), read marks',
      querystring: ListNotificationsQuery,
      response: { 200: NotificationPage, ...errors },
    },
    handler: (req) => {
      req.rights?.anyAdministrator('own notifications');
      return n.list(adminId(req), req.query);
    },
  });
  app.get('/api/v1/notifications/count', {
    config: own,
    schema: {
      tags,
      summary: 'How many current notifications you have not read (the bell)',
      response: { 200: NotificationCount, ...errors },
    },
    handler: (req) => {
      req.rights?.anyAdministrator('own notifications');
      return n.count(adminId(req));
    },
  });
  app.post('/api/v1/notifications/:id/read', {
    config: own,
    schema: {
      tags,
      summary: 'Mark one notification read (for you)',
      params: Type.Object({ id: Id }),
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      req.rights?.anyAdministrator('own notifications');
      await n.markRead(adminId(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post('/api/v1/notifications/read-all', {
    config: own,
    schema: { tags, summary: 'Mark every current notification read (for you)', response: { 200: NotificationCount, ...errors } },
    handler: (req) => {
      req.rights?.anyAdministrator('own notifications');
      return n.markAllRead(adminId(req));
    },
  });
  app.get('/api/v1/notifications/preferences', {
    config: own,
    schema: { tags, summary: 'Which kinds you see and get by mail', response: { 200: NotificationPreferences, ...errors } },
    handler: (req) => {
      req.rights?.anyAdministrator('own notifications');
      return n.getPreferences(adminId(req));
    },
  });
  app.put('/api/v1/notifications/preferences', {
    config: own,
    schema: {
      tags,
      summary: 'Choose the kinds you see and get by mail (mailTo)',
      body: NotificationPreferences,
      response: { 200: NotificationPreferences, ...errors },
    },
    handler: (req) => {
      req.rights?.anyAdministrator('own notifications');
      return n.putPreferences(adminId(req), req.body);
    },
  });
}
