import { ErrorResponse, EvaluateViewRequest, EvaluateViewResponse } from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import type { Clock } from '../../lib/clock.js';
import type { DatabaseHandle } from '../../db/database.js';
import { rightsOf } from '../access/request-rights.js';
import type { AuditLog } from '../audit/audit-log.js';
import { SavedViewsRepository } from './saved-views.repository.js';
import { savedViewRoutes } from './saved-views.routes.js';
import { SavedViewsService } from './saved-views.service.js';
import { ViewsService } from './views.service.js';
import type { CommandsService } from '../commands/commands.service.js';
import type { IdempotencyService } from '../idempotency/idempotency.service.js';
import type { Mailer } from '../mail/mailer.js';
import type { ProfilesService } from '../profiles/profiles.service.js';
import { viewActionRoutes } from './view-actions.routes.js';
import { ViewActionsRepository } from './view-actions.repository.js';
import { ViewActionsService } from './view-actions.service.js';
import { ViewDevices } from './view-devices.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 422: ErrorResponse };
const tags = ['views'];

/** Device views (issue 12 item 1): evaluating unsaved criteria, saved views and their folders. */
export function viewRoutes(
  app: App,
  database: Pick<DatabaseHandle, 'db' | 'dialect'>,
  clock: Clock,
  audit: Pick<AuditLog, 'record'>,
  /** What acting on a view goes through: the same services as acting on devices. */
  acting: { commands: CommandsService; profiles: ProfilesService; idempotency: IdempotencyService; mailer: () => Mailer },
): void {
  const views = new ViewsService(database.db, database.dialect, clock);
  const saved = new SavedViewsService(new SavedViewsRepository(database.db), clock, audit);
  savedViewRoutes(app, saved, views);
  const devices = new ViewDevices(database.db, database.dialect, clock);
  const mailer = {
    send: (...a: Parameters<Mailer['send']>) => acting.mailer().send(...a),
    sendToRecipients: (...a: Parameters<Mailer['sendToRecipients']>) => acting.mailer().sendToRecipients(...a),
  };
  const { commands, profiles } = acting;
  viewActionRoutes(
    app,
    new ViewActionsService({ saved, devices, repo: new ViewActionsRepository(database.db), commands, profiles, mailer, audit }),
    acting.idempotency,
  );

  app.post('/api/v1/views/evaluate', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: 'Count and list the devices you may browse that meet criteria (docs/views.md), a page at a time',
      body: EvaluateViewRequest,
      response: { 200: EvaluateViewResponse, ...errors },
    },
    // Only devices the administrator may browse are counted and listed (ADR 0006).
    handler: async (req) => views.evaluateView(req.body, (await rightsOf(req).scope('device')).objects),
  });
}
