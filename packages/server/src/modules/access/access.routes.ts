import { Type } from 'typebox';
import {
  AccessList,
  EffectiveAccess,
  EffectiveAccessQuery,
  ErrorResponse,
  IdParams,
  OBJECT_RIGHTS,
  type AccessObjectType,
  type ObjectRight,
} from '@openums/protocol';
import { auditContext } from '../audit/audit-context.js';
import { rightsOf } from './request-rights.js';
import type { App } from '../../lib/fastify.js';
import type { AccessService } from './access.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['access'];

/** Each object type that carries an access list, under its resource's path. */
const RESOURCES: ReadonlyArray<[AccessObjectType, string, string]> = [
  ['device', 'devices', 'a device'],
  ['device-folder', 'device-folders', 'a device folder'],
  ['profile', 'profiles', 'a profile'],
  ['profile-folder', 'profile-folders', 'a profile folder'],
  ['view', 'views', 'a view'],
  ['view-folder', 'view-folders', 'a view folder'],
];

/** Your own rights on one object: what the web app shows enabled. */
const MyRights = Type.Object(
  {
    rights: Type.Object(
      Object.fromEntries(OBJECT_RIGHTS.map((r) => [r, Type.Boolean()])) as Record<ObjectRight, ReturnType<typeof Type.Boolean>>,
    ),
  },
  { additionalProperties: false },
);

/** The names of the accounts and groups on one list (for those who may see the list but not list accounts). */
const PrincipalNames = Type.Object(
  {
    items: Type.Array(
      Type.Object({ type: Type.Union([Type.Literal('admin'), Type.Literal('group')]), id: Type.Integer(), name: Type.String() }),
    ),
  },
  { additionalProperties: false },
);

/** Seeing a list or explaining rights needs read or accessControl on the node; changing it, accessControl. */
const VIEW_RIGHTS: readonly ObjectRight[] = ['read', 'accessControl'];
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
      handler: async (req) => {
        await rightsOf(req).require({ type, id: req.params.id }, VIEW_RIGHTS);
        return access.getList({ type, id: req.params.id });
      },
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
      handler: async (req) => {
        await rightsOf(req).require({ type, id: req.params.id }, 'accessControl');
        return access.putList({ type, id: req.params.id }, req.body, auditContext(req));
      },
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
      handler: async (req) => {
        await rightsOf(req).require({ type, id: req.params.id }, VIEW_RIGHTS);
        return access.effective({ type, id: req.params.id }, req.query.adminId);
      },
    });
    app.get(`/api/v1/${path}/:id/access/principals`, {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: `Names of the accounts and groups on the access list of ${what} (needs read or accessControl on it)`,
        params: IdParams,
        response: { 200: PrincipalNames, ...errors },
      },
      handler: async (req) => {
        await rightsOf(req).require({ type, id: req.params.id }, VIEW_RIGHTS);
        return { items: await access.principalNames({ type, id: req.params.id }) };
      },
    });
    app.get(`/api/v1/${path}/:id/access/mine`, {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: `Your own rights on ${what} (what the web app offers); 404 if you may not browse it`,
        params: IdParams,
        response: { 200: MyRights, ...errors },
      },
      handler: async (req) => ({ rights: await rightsOf(req).mine({ type, id: req.params.id }) }),
    });
  }
}
