import {
  DEVICE_IMPORT_MAX_BYTES,
  DeviceImportQuery,
  DeviceImportResponse,
  ErrorCode,
  ErrorResponse,
  type ObjectRight,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import { AppError } from '../../lib/errors.js';
import { rightsOf, type RequestRights } from '../access/request-rights.js';
import { auditContext } from '../audit/audit-context.js';
import type { DeviceImportService, ImportRights, Refusal } from './device-import.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 413: ErrorResponse, 415: ErrorResponse, 422: ErrorResponse };

export function deviceImportRoutes(app: App, imports: DeviceImportService): void {
  app.register(async (scope) => {
    // The file itself is the body (the rest of the API speaks JSON only). It must be UTF-8:
    // invalid bytes are refused, not silently turned into U+FFFD and stored.
    const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    for (const type of ['text/csv', 'text/plain']) {
      scope.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit: DEVICE_IMPORT_MAX_BYTES }, (_req, body, done) => {
        try {
          done(null, utf8.decode(body as Buffer));
        } catch {
          done(new AppError(ErrorCode.ValidationFailed, 'body: the file is not valid UTF-8', { field: 'body' }), undefined);
        }
      });
    }
    scope.post('/api/v1/devices/import', {
      config: { access: 'authenticated', changesTree: 'device' },
      bodyLimit: DEVICE_IMPORT_MAX_BYTES,
      schema: {
        tags: ['devices'],
        summary:
          'Import devices from a CSV file in the short or long format (all or nothing; IMPORT_INVALID lists errors by line and field; dryRun=true previews)',
        consumes: ['text/csv'],
        querystring: DeviceImportQuery,
        response: { 200: DeviceImportResponse, ...errors },
      },
      handler: async (req) => {
        const rights = rightsOf(req);
        const query = req.query as DeviceImportQuery;
        if (typeof req.body !== 'string') throw new AppError(ErrorCode.UnsupportedMediaType, 'Send the file as Content-Type: text/csv');
        // The decision every import rests on: the administrator's device tree (each line is then checked).
        await rights.listFilter('device', 'write');
        return imports.importDevices(auditContext(req), importRights(rights), req.body, query.format, query.dryRun ?? false);
      },
    });
  });
}

/** The request's rights as the import asks them: each answer once per object and right. */
function importRights(rights: RequestRights): ImportRights {
  const cache = new Map<string, Promise<Refusal | null>>();
  const ask = (key: string, check: () => Promise<void>) => {
    let hit = cache.get(key);
    if (!hit) {
      hit = check().then(
        () => null,
        (err: unknown) => {
          if (!(err instanceof AppError)) throw err;
          return { code: err.code === ErrorCode.Forbidden ? 'FORBIDDEN' : 'NOT_FOUND', message: err.message } as Refusal;
        },
      );
      cache.set(key, hit);
    }
    return hit;
  };
  return {
    folder: (id: number | null, right: ObjectRight) =>
      ask(`f${id}:${right}`, () => rights.requireDestination('device', id, right, 'folderPath')),
    device: (id: number, right: ObjectRight) => ask(`d${id}:${right}`, () => rights.require({ type: 'device', id }, right, 'unitId')),
    profile: (id: number, right: ObjectRight) => ask(`p${id}:${right}`, () => rights.require({ type: 'profile', id }, right, 'profiles')),
  };
}
