import { Type } from 'typebox';
import {
  AdminGroup,
  AdminGroupList,
  CreateAdminGroupRequest,
  ErrorResponse,
  GroupMembersRequest,
  Id,
  IdParams,
  UpdateAdminGroupRequest,
  GeneralRight,
} from '@openums/protocol';
import { refuseEscalation } from './admins.routes.js';
import type { App } from '../../lib/fastify.js';
import { auditContext } from '../audit/audit-context.js';
import type { AdminGroupsService } from './admin-groups.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['admins'];
const access = { access: { general: GeneralRight.AccountsAndAccess } } as const;
const MemberParams = Type.Object(
  { id: Id, type: Type.Union([Type.Literal('admin'), Type.Literal('group')]), memberId: Id },
  { additionalProperties: false },
);

export function adminGroupRoutes(app: App, groups: AdminGroupsService): void {
  app.get('/api/v1/admin-groups', {
    config: access,
    schema: { tags, summary: 'Groups of administrators with their direct members', response: { 200: AdminGroupList, ...errors } },
    handler: () => groups.listGroups(),
  });
  app.post('/api/v1/admin-groups', {
    config: access,
    schema: { tags, summary: 'Create a group', body: CreateAdminGroupRequest, response: { 201: AdminGroup, ...errors } },
    handler: async (req, reply) => {
      refuseEscalation(req, req.body);
      return reply.code(201).send(await groups.createGroup(auditContext(req), req.body));
    },
  });
  app.get('/api/v1/admin-groups/:id', {
    config: access,
    schema: { tags, summary: 'One group', params: IdParams, response: { 200: AdminGroup, ...errors } },
    handler: (req) => groups.getGroup(req.params.id),
  });
  app.patch('/api/v1/admin-groups/:id', {
    config: access,
    schema: {
      tags,
      summary: 'Rename a group or set its general rights',
      params: IdParams,
      body: UpdateAdminGroupRequest,
      response: { 200: AdminGroup, ...errors },
    },
    handler: async (req) => {
      // Neither give a group more than you hold nor change one that holds more.
      refuseEscalation(req, req.body);
      refuseEscalation(req, await groups.getGroup(req.params.id));
      return groups.updateGroup(auditContext(req), req.params.id, req.body);
    },
  });
  app.delete('/api/v1/admin-groups/:id', {
    config: access,
    schema: { tags, summary: 'Delete a group (its members stay)', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await groups.deleteGroup(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post('/api/v1/admin-groups/:id/members', {
    config: access,
    schema: {
      tags,
      summary: 'Add administrators or groups (nested) to a group; a loop is refused with 409 GROUP_CYCLE',
      params: IdParams,
      body: GroupMembersRequest,
      response: { 200: AdminGroup, ...errors },
    },
    handler: async (req) => {
      // Joining a group hands its rights to the new members.
      refuseEscalation(req, await groups.getGroup(req.params.id));
      return groups.addMembers(auditContext(req), req.params.id, req.body.members);
    },
  });
  app.delete('/api/v1/admin-groups/:id/members/:type/:memberId', {
    config: access,
    schema: { tags, summary: 'Remove a member from a group', params: MemberParams, response: { 200: AdminGroup, ...errors } },
    handler: (req) => groups.removeMember(auditContext(req), req.params.id, { type: req.params.type, id: req.params.memberId }),
  });
}
