import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  ApplyMode,
  AssignProfileRequest,
  AssignProfileResponse,
  UnassignProfileResponse,
  CopyProfileRequest,
  CreateProfileFolderRequest,
  CreateProfileRequest,
  Cursor,
  ErrorCode,
  ErrorResponse,
  ExportProfilesQuery,
  IdParams,
  ImportProfilesResponse,
  ListProfilesQuery,
  PageLimit,
  GeneralRight,
  PreviewProfileChangeRequest,
  PreviewProfileChangeResponse,
  Profile,
  ProfileAssignmentsResponse,
  ProfileFolder,
  ProfileFolderPage,
  ProfilePage,
  ProfileSettings,
  UpdateProfileFolderRequest,
  UpdateProfileRequest,
} from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { App } from '../../lib/fastify.js';
import { rightsOf } from '../access/request-rights.js';

/** Assigning and unassigning: read on the profile, assign on every device and device folder named. */
async function requireAssign(req: FastifyRequest, profileId: number, targets: ReadonlyArray<{ type: 'device' | 'folder'; id: number }>) {
  const rights = rightsOf(req);
  await rights.require(profileRef(profileId), 'read');
  const devices = targets.filter((t) => t.type === 'device').map((t) => t.id);
  const { unknown, refused } = await rights.partition('device', devices, 'assign');
  if (unknown.length)
    throw new AppError(ErrorCode.DeviceNotFound, `Devices do not exist: ${unknown.join(', ')}; nothing was changed`, {
      field: 'body.targets',
    });
  if (refused.length)
    throw new AppError(ErrorCode.Forbidden, `The assign right is required on devices ${refused.join(', ')}; nothing was changed`, {
      field: 'body.targets',
    });
  for (const t of targets) if (t.type === 'folder') await rights.require({ type: 'device-folder', id: t.id }, 'assign', 'body.targets');
}
import type { DeviceConfigurationService } from '../device-configuration/device-configuration.service.js';
import type { ProfileFoldersService } from './profile-folders.service.js';
import { auditContext } from '../audit/audit-context.js';
import type { ProfileTransferService } from './profile-transfer.service.js';
import type { ProfilesService } from './profiles.service.js';
import { IdempotencyHeaders, type IdempotencyService } from '../idempotency/idempotency.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['profiles'];
// Each handler decides on the profiles, folders and devices it touches (ADR 0006).
const write = { access: 'authenticated' } as const;
const read = { access: 'authenticated' } as const;
const profileRef = (id: number) => ({ type: 'profile', id }) as const;
const folderRef = (id: number) => ({ type: 'profile-folder', id }) as const;
const PageQuery = Type.Object({ limit: Type.Optional(PageLimit), cursor: Type.Optional(Cursor) }, { additionalProperties: false });
const ApplyQuery = Type.Object({ apply: Type.Optional(ApplyMode) }, { additionalProperties: false });
/** Largest import file (bytes). */
const IMPORT_LIMIT = 2 * 1024 * 1024;

export interface ProfileModule {
  profiles: ProfilesService;
  folders: ProfileFoldersService;
  configuration: DeviceConfigurationService;
  transfer: ProfileTransferService;
  idempotency: IdempotencyService;
}

export function profileRoutes(app: App, m: ProfileModule): void {
  const { profiles, folders, configuration, transfer, idempotency } = m;
  app.post('/api/v1/profiles', {
    config: write,
    schema: {
      tags,
      summary: 'Create a profile (only the given, activated parameters apply)',
      body: CreateProfileRequest,
      response: { 201: Profile, ...errors },
    },
    handler: async (req, reply) => {
      await rightsOf(req).requireDestination('profile', req.body.folderId ?? null, 'write', 'body.folderId');
      return reply.code(201).send(await profiles.createProfile(auditContext(req), req.body));
    },
  });
  app.get('/api/v1/profiles', {
    config: read,
    schema: {
      tags,
      summary: 'List profiles (by id; optional profile folder and name prefix)',
      querystring: ListProfilesQuery,
      response: { 200: ProfilePage, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      const { folderId } = req.query;
      if (typeof folderId === 'number') await rights.require(folderRef(folderId), 'browse', 'query.folderId');
      return profiles.listProfiles(req.query, (await rights.scope('profile')).objects);
    },
  });
  app.get('/api/v1/profiles/export', {
    config: read,
    schema: {
      tags,
      summary: 'Export profiles as a portable file (needs read on each; secrets only with includeSecrets and write on each)',
      querystring: ExportProfilesQuery,
      ...errors,
    },
    handler: async (req, reply) => {
      const includeSecrets = req.query.includeSecrets === true;
      const ids = [...new Set(req.query.ids.split(',').map(Number))];
      if (ids.some((id) => id < 1 || !Number.isSafeInteger(id))) {
        throw new AppError(ErrorCode.ValidationFailed, `query.ids must be ids from 1 to ${Number.MAX_SAFE_INTEGER}`, {
          field: 'query.ids',
        });
      }
      const { unknown, refused } = await rightsOf(req).partition('profile', ids, includeSecrets ? 'write' : 'read');
      if (unknown.length)
        throw new AppError(ErrorCode.ProfileNotFound, `Profiles do not exist: ${unknown.join(', ')}`, { field: 'query.ids' });
      if (refused.length) {
        const right = includeSecrets ? 'write (for includeSecrets)' : 'read';
        throw new AppError(ErrorCode.Forbidden, `The ${right} right is required on profiles ${refused.join(', ')}`, { field: 'query.ids' });
      }
      const text = await transfer.exportProfiles(ids, includeSecrets);
      return reply
        .type('text/plain; charset=utf-8')
        .header('content-disposition', `attachment; filename="profiles-${ids.length === 1 ? ids[0] : 'export'}.oprof"`)
        .send(text);
    },
  });
  app.register(async (scope) => {
    // The import takes the file itself as text/plain (the rest of the API speaks JSON only).
    scope.addContentTypeParser('text/plain', { parseAs: 'string', bodyLimit: IMPORT_LIMIT }, (_req, body, done) => done(null, body));
    scope.post('/api/v1/profiles/import', {
      config: write,
      bodyLimit: IMPORT_LIMIT,
      schema: {
        tags,
        summary:
          'Import profiles from a file (all or nothing; errors name their line). Imported profiles land at the top level: superusers only',
        consumes: ['text/plain'],
        response: { 201: ImportProfilesResponse, ...errors },
      },
      handler: async (req, reply) => {
        await rightsOf(req).requireDestination('profile', null, 'write', 'body');
        if (typeof req.body !== 'string') throw new AppError(ErrorCode.UnsupportedMediaType, 'Send the file as Content-Type: text/plain');
        return reply.code(201).send(await transfer.importProfiles(auditContext(req), req.body));
      },
    });
  });
  app.get('/api/v1/profiles/:id', {
    config: read,
    schema: { tags, summary: 'One profile (secrets masked; needs read)', params: IdParams, response: { 200: Profile, ...errors } },
    handler: async (req) => {
      await rightsOf(req).require(profileRef(req.params.id), 'read');
      return profiles.getProfile(req.params.id);
    },
  });
  app.patch('/api/v1/profiles/:id', {
    config: { ...write, changesTree: 'profile' },
    schema: {
      tags,
      summary:
        'Rename or replace the parameters of a profile (needs write), move it (needs move, and write on the folder); apply: now or next-reboot',
      params: IdParams,
      body: UpdateProfileRequest,
      response: { 200: Profile, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      const { folderId, ...rest } = req.body;
      if (Object.keys(rest).filter((k) => k !== 'apply').length || folderId === undefined)
        await rights.require(profileRef(req.params.id), 'write');
      if (folderId !== undefined) {
        await rights.require(profileRef(req.params.id), 'move');
        await rights.requireDestination('profile', folderId, 'write', 'body.folderId');
      }
      return profiles.updateProfile(auditContext(req), req.params.id, req.body);
    },
  });
  app.delete('/api/v1/profiles/:id', {
    config: { ...write, changesTree: 'profile' },
    schema: {
      tags,
      summary: 'Delete a profile and its assignments',
      params: IdParams,
      querystring: ApplyQuery,
      response: { 204: Type.Null(), ...errors },
    },
    handler: async (req, reply) => {
      await rightsOf(req).require(profileRef(req.params.id), 'write');
      await profiles.deleteProfile(auditContext(req), req.params.id, req.query.apply);
      return reply.code(204).send(null);
    },
  });
  app.post('/api/v1/profiles/:id/copy', {
    config: write,
    schema: {
      tags,
      summary: 'Copy a profile (not its assignments)',
      params: IdParams,
      body: CopyProfileRequest,
      response: { 201: Profile, ...errors },
    },
    handler: async (req, reply) => {
      const rights = rightsOf(req);
      await rights.require(profileRef(req.params.id), 'read');
      // The copy lands where the body says, else beside the original.
      const target = req.body && 'folderId' in req.body ? (req.body.folderId ?? null) : (await profiles.getProfile(req.params.id)).folderId;
      await rights.requireDestination('profile', target, 'write', 'body.folderId');
      return reply.code(201).send(await profiles.copyProfile(auditContext(req), req.params.id, req.body ?? {}));
    },
  });
  app.post('/api/v1/profiles/:id/preview', {
    config: read,
    schema: {
      tags,
      summary: 'What a change of settings or assignments would do, without saving it',
      params: IdParams,
      body: PreviewProfileChangeRequest,
      response: { 200: PreviewProfileChangeResponse, ...errors },
    },
    handler: async (req) => {
      await rightsOf(req).require(profileRef(req.params.id), 'read');
      return configuration.preview(req.params.id, req.body);
    },
  });
  app.get('/api/v1/profiles/:id/assignments', {
    config: read,
    schema: {
      tags,
      summary: 'Devices and folders the profile is assigned to',
      params: IdParams,
      querystring: PageQuery,
      response: { 200: ProfileAssignmentsResponse, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      await rights.require(profileRef(req.params.id), 'read');
      return profiles.listAssignments(req.params.id, req.query, await rights.scope('device'));
    },
  });
  app.post('/api/v1/profiles/:id/assignments', {
    config: write,
    schema: {
      tags,
      summary: 'Assign a profile to devices and folders (all or nothing; needs read on the profile and assign on every target)',
      params: IdParams,
      headers: IdempotencyHeaders,
      body: AssignProfileRequest,
      response: { 200: AssignProfileResponse, ...errors },
    },
    handler: async (req, reply) => {
      await requireAssign(req, req.params.id, req.body.targets);
      await idempotency.handle(req, reply, 200, (record) => profiles.assign(auditContext(req), req.params.id, req.body, record));
    },
  });
  app.delete('/api/v1/profiles/:id/assignments', {
    config: write,
    schema: {
      tags,
      summary: 'Remove assignments of a profile (needs read on the profile and assign on every target)',
      params: IdParams,
      body: AssignProfileRequest,
      response: { 200: UnassignProfileResponse, ...errors },
    },
    handler: async (req) => {
      await requireAssign(req, req.params.id, req.body.targets);
      return profiles.unassign(auditContext(req), req.params.id, req.body);
    },
  });

  app.get('/api/v1/profile-folders', {
    config: read,
    schema: {
      tags,
      summary: 'Profile folders (flat, by id; parentId builds the tree)',
      querystring: PageQuery,
      response: { 200: ProfileFolderPage, ...errors },
    },
    handler: async (req) => folders.list(req.query, (await rightsOf(req).scope('profile')).folders),
  });
  app.post('/api/v1/profile-folders', {
    config: { ...write, changesTree: 'profile' },
    schema: {
      tags,
      summary: 'Create a profile folder (needs write on the parent)',
      body: CreateProfileFolderRequest,
      response: { 201: ProfileFolder, ...errors },
    },
    handler: async (req, reply) => {
      await rightsOf(req).requireDestination('profile', req.body.parentId ?? null, 'write', 'body.parentId');
      return reply.code(201).send(await folders.create(auditContext(req), req.body));
    },
  });
  app.patch('/api/v1/profile-folders/:id', {
    config: { ...write, changesTree: 'profile' },
    schema: {
      tags,
      summary: 'Rename or move a profile folder',
      params: IdParams,
      body: UpdateProfileFolderRequest,
      response: { 200: ProfileFolder, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      if (req.body.name !== undefined || req.body.parentId === undefined) await rights.require(folderRef(req.params.id), 'write');
      if (req.body.parentId !== undefined) {
        await rights.require(folderRef(req.params.id), 'move');
        await rights.requireDestination('profile', req.body.parentId, 'write', 'body.parentId');
      }
      return folders.update(auditContext(req), req.params.id, req.body);
    },
  });
  app.delete('/api/v1/profile-folders/:id', {
    config: { ...write, changesTree: 'profile' },
    schema: { tags, summary: 'Delete an empty profile folder', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await rightsOf(req).require(folderRef(req.params.id), 'write');
      await folders.remove(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/settings/profiles', {
    config: read,
    schema: { tags, summary: 'Profile feature switches', response: { 200: ProfileSettings, ...errors } },
    handler: (req) => {
      rightsOf(req).anyAdministrator('profile feature switches');
      return profiles.getSettings();
    },
  });
  app.put('/api/v1/settings/profiles', {
    config: { access: { general: GeneralRight.GlobalSettings } },
    schema: {
      tags,
      summary: 'Switch priority profiles on or off (off by default)',
      body: ProfileSettings,
      response: { 200: ProfileSettings, ...errors },
    },
    handler: (req) => profiles.putSettings(auditContext(req), req.body),
  });
}
