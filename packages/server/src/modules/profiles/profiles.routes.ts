import { Type } from 'typebox';
import {
  AssignedObjectsResponse,
  AssignProfileRequest,
  CreateProfileRequest,
  EffectiveConfigurationResponse,
  ErrorResponse,
  IdParams,
  ListProfilesQuery,
  Permission,
  Profile,
  ProfilePage,
  ProfileSettings,
  UpdateProfileRequest,
} from '@openums/protocol';
import type { App } from '../../lib/fastify.js';
import type { ProfilesService } from './profiles.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['profiles'];
const write = { access: Permission.ProfilesWrite } as const;
const read = { access: Permission.DevicesRead } as const;

export function profileRoutes(app: App, profiles: ProfilesService): void {
  app.post('/api/v1/profiles', {
    config: write,
    schema: { tags, summary: 'Create a profile (only the given, activated parameters apply)', body: CreateProfileRequest, response: { 201: Profile, ...errors } },
    handler: async (req, reply) => reply.code(201).send(await profiles.createProfile(req.body)),
  });
  app.get('/api/v1/profiles', {
    config: read,
    schema: { tags, summary: 'List profiles', querystring: ListProfilesQuery, response: { 200: ProfilePage, ...errors } },
    handler: (req) => profiles.listProfiles(req.query),
  });
  app.get('/api/v1/profiles/:id', {
    config: read,
    schema: { tags, summary: 'One profile (secrets masked)', params: IdParams, response: { 200: Profile, ...errors } },
    handler: (req) => profiles.getProfile(req.params.id),
  });
  app.patch('/api/v1/profiles/:id', {
    config: write,
    schema: { tags, summary: 'Rename a profile or replace its parameters', params: IdParams, body: UpdateProfileRequest, response: { 200: Profile, ...errors } },
    handler: (req) => profiles.updateProfile(req.params.id, req.body),
  });
  app.delete('/api/v1/profiles/:id', {
    config: write,
    schema: { tags, summary: 'Delete a profile and its assignments', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await profiles.deleteProfile(req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post('/api/v1/profiles/:id/assignments', {
    config: write,
    schema: { tags, summary: 'Assign a profile to devices and folders', params: IdParams, body: AssignProfileRequest, response: { 200: Type.Object({ assigned: Type.Integer() }), ...errors } },
    handler: (req) => profiles.assign(req.params.id, req.body),
  });
  app.delete('/api/v1/profiles/:id/assignments', {
    config: write,
    schema: { tags, summary: 'Remove assignments of a profile', params: IdParams, body: AssignProfileRequest, response: { 200: Type.Object({ removed: Type.Integer() }), ...errors } },
    handler: (req) => profiles.unassign(req.params.id, req.body.targets),
  });
  app.get('/api/v1/devices/:id/effective-configuration', {
    config: read,
    schema: { tags, summary: "Every effective parameter of a device, with the object that set it and those it overrode", params: IdParams, response: { 200: EffectiveConfigurationResponse, ...errors } },
    handler: (req) => profiles.effectiveConfiguration(req.params.id),
  });
  app.get('/api/v1/devices/:id/assigned-objects', {
    config: read,
    schema: { tags, summary: 'Profiles that apply to a device, highest priority first', params: IdParams, response: { 200: AssignedObjectsResponse, ...errors } },
    handler: (req) => profiles.assignedObjects(req.params.id),
  });
  app.get('/api/v1/settings/profiles', {
    config: read,
    schema: { tags, summary: 'Profile feature switches', response: { 200: ProfileSettings, ...errors } },
    handler: () => profiles.getSettings(),
  });
  app.put('/api/v1/settings/profiles', {
    config: write,
    schema: { tags, summary: 'Switch priority profiles on or off (off by default)', body: ProfileSettings, response: { 200: ProfileSettings, ...errors } },
    handler: (req) => profiles.putSettings(req.body),
  });
}
