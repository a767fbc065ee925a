import { ErrorCode, ErrorResponse, GeneralRight, NamingSettings, RenameAllRequest, RenameAllResponse } from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { AppError } from '../../lib/errors.js';
import { rightsOf } from '../access/request-rights.js';
import { objectFilterSql } from '../access/list-filter-sql.js';
import { auditContext } from '../audit/audit-context.js';
import type { NamingService } from './naming.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const tags = ['naming'];
const access = { access: { general: GeneralRight.GlobalSettings } } as const;

export function namingRoutes(app: App, naming: NamingService): void {
  app.get('/api/v1/settings/naming', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: 'The naming convention of devices (no secrets: every administrator may read it)',
      response: { 200: NamingSettings, ...errors },
    },
    handler: (req) => {
      rightsOf(req).anyAdministrator('naming convention (no secrets)');
      return naming.getNamingSettings();
    },
  });

  app.put('/api/v1/settings/naming', {
    config: access,
    schema: {
      tags,
      summary: 'Replace the naming convention (NETWORK_NAME_INVALID when "adjust network name" is on and names would exceed 15 characters)',
      body: NamingSettings,
      response: { 200: NamingSettings, ...errors },
    },
    handler: (req) => naming.updateNamingSettings(auditContext(req), req.body),
  });

  app.post('/api/v1/settings/naming/rename', {
    config: { ...access, changesTree: 'device' },
    schema: {
      tags,
      summary:
        'Rename all devices you may write by the convention (renumber: number them 1…N anew, needs write on every device); dryRun pages through old → new names',
      body: RenameAllRequest,
      response: { 200: RenameAllResponse, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      rights.general(GeneralRight.GlobalSettings);
      const filter = await rights.listFilter('device', 'write');
      if (req.body.renumber && !filter.all) {
        throw new AppError(
          ErrorCode.Forbidden,
          'Renumbering hands out numbers across the installation: the write right on every device is required',
          {
            field: 'body.renumber',
          },
        );
      }
      return naming.renameAll(auditContext(req), req.body, filter.all ? null : objectFilterSql(filter, 'id', 'folder_id'));
    },
  });
}
