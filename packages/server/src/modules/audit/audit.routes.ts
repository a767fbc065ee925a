import { Readable } from 'node:stream';
import { AuditFilterQuery, AuditPage, AuditSettings, ErrorResponse, ListAuditLogQuery, GeneralRight } from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { auditContext } from './audit-context.js';
import type { AuditLog } from './audit-log.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };
const tags = ['audit'];

export function auditRoutes(app: App, audit: AuditLog): void {
  app.get('/api/v1/audit-log', {
    config: { access: { general: GeneralRight.LoggingAndAudit } },
    schema: {
      tags,
      summary: 'Audit log entries, newest first (filters: time, actor, object, action; keyset cursor)',
      querystring: ListAuditLogQuery,
      response: { 200: AuditPage, ...errors },
    },
    handler: (req) => audit.listEntries(req.query),
  });

  app.get('/api/v1/audit-log.csv', {
    config: { access: { general: GeneralRight.LoggingAndAudit } },
    schema: { tags, summary: 'Every matching audit log entry as CSV, newest first (streamed)', querystring: AuditFilterQuery },
    handler: async (req, reply) => {
      // Pulled a page at a time as the client reads: a big export is never held in memory.
      const stream = Readable.from(await audit.exportCsv(req.query));
      return reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="audit-log.csv"').send(stream);
    },
  });

  app.get('/api/v1/settings/audit-log', {
    config: { access: { general: GeneralRight.LoggingAndAudit } },
    schema: { tags, summary: 'Audit log settings (retention in days)', response: { 200: AuditSettings, ...errors } },
    handler: () => audit.getSettings(),
  });

  app.put('/api/v1/settings/audit-log', {
    config: { access: { general: GeneralRight.LoggingAndAudit } },
    schema: { tags, summary: 'Change the audit log retention', body: AuditSettings, response: { 200: AuditSettings, ...errors } },
    handler: (req) => audit.updateSettings(auditContext(req), req.body),
  });
}
