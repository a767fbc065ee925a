import type { FastifyRequest } from 'fastify';
import { AccessList, EffectiveAccess, EffectiveAccessQuery, ErrorResponse, IdParams, type AccessObjectType } from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import type { AccessActor, AccessService } from './access.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['access'];

/** Each object type that carries an access list, under its resource's path. */
const RESOURCES: ReadonlyArray<[AccessObjectType, string, string]> = [
  ['device', 'devices', 'a device'],
  ['device-folder', 'device-folders', 'a device folder'],
  ['profile', 'profiles', 'a profile'],
  ['profile-folder', 'profile-folders', 'a profile folder'],
];

const actor = (req: FastifyRequest): AccessActor => ({ userId: req.auth!.user.id, superuser: req.auth!.superuser });

/**
 * Any logged-in administrator may call these; the service then requires, on the object itself,
 * the accessControl right to replace a list and read or accessControl to see it or explain
 * rights on it (superusers always).
 */
export function accessRoutes(app: App, access: AccessService): void {
  for (const [type, path, what] of RESOURCES) {
    app.get(`/api/v1/${path}/:id/access`, {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: `The access list of ${what} (needs read or accessControl on it)`,
        params: IdParams,
        response: { 200: AccessList, ...errors },
      },
      handler: (req) => access.getList(actor(req), { type, id: req.params.id }),
    });
    app.put(`/api/v1/${path}/:id/access`, {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: `Replace the access list of ${what} as a whole (needs accessControl on it); a right left out is not set`,
        params: IdParams,
        body: AccessList,
        response: { 200: AccessList, ...errors },
      },
      handler: (req) => access.putList(actor(req), { type, id: req.params.id }, req.body),
    });
    app.get(`/api/v1/${path}/:id/access/effective`, {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: `An administrator's effective rights on ${what}, each with its reason (needs read or accessControl on it)`,
        params: IdParams,
        querystring: EffectiveAccessQuery,
        response: { 200: EffectiveAccess, ...errors },
      },
      handler: (req) => access.effective(actor(req), { type, id: req.params.id }, req.query.adminId),
    });
  }
}
