import type { FastifyRequest } from 'fastify';
import {
  BULK_MAX_DEVICES,
  BulkAssignProfilesRequest,
  BulkCommandRequest,
  BulkCommandResult,
  BulkDeleteRequest,
  BulkMoveRequest,
  BulkResult,
  COMMAND_RIGHT,
  ErrorCode,
  ErrorResponse,
  type DeviceListSelection,
  type ObjectRight,
} from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { App } from '../../lib/fastify.js';
import { rightsOf } from '../access/request-rights.js';
import { auditContext } from '../audit/audit-context.js';
import type { CommandsService } from '../commands/commands.service.js';
import type { ProfilesService } from '../profiles/profiles.service.js';
import type { DevicesService } from './devices.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 422: ErrorResponse };
const tags = ['devices'];

type Refusal = BulkResult['refused'][number];

/**
 * Bulk actions on a hand-picked set of devices (`deviceIds`) or on every device a list query
 * matches (`query`, at most BULK_MAX_DEVICES): each answers per device — done, refused (visible
 * but without the right, nothing done to it) or missing — and goes through the single-device
 * service paths (moves re-deliver settings, every change is audited).
 */
export function deviceBulkRoutes(
  app: App,
  devices: DevicesService,
  commands: Pick<CommandsService, 'sendCommand'>,
  profiles: Pick<ProfilesService, 'sortByVersion' | 'assign'>,
): void {
  /** The devices of the request sorted by `right`: allowed, refused (with the message), unknown. */
  async function select(req: FastifyRequest, body: { deviceIds?: number[]; query?: DeviceListSelection }, right: ObjectRight) {
    const rights = rightsOf(req);
    if ((body.deviceIds === undefined) === (body.query === undefined)) {
      throw new AppError(ErrorCode.ValidationFailed, 'Give exactly one of body.deviceIds and body.query', { field: 'body.deviceIds' });
    }
    let ids: number[];
    if (body.query) {
      const { folderId, recursive } = body.query;
      if (typeof folderId === 'number') await rights.require({ type: 'device-folder', id: folderId }, 'browse', 'body.query.folderId');
      const folder = folderId === undefined ? undefined : folderId === 'root' ? null : folderId;
      ids = await devices.resolveSelection(body.query, await rights.objectsIn('device', folder, recursive ?? false), BULK_MAX_DEVICES);
    } else ids = body.deviceIds!;
    const sorted = await rights.partition('device', ids, right);
    const refused: Refusal[] = sorted.refused.map((deviceId) => ({
      deviceId,
      code: ErrorCode.Forbidden,
      message: `The ${right} right on device ${deviceId} is required`,
    }));
    return { allowed: sorted.allowed, refused, missing: sorted.unknown };
  }

  app.post('/api/v1/devices/bulk/move', {
    config: { access: 'authenticated', changesTree: 'device' },
    schema: {
      tags,
      summary: 'Move devices (a list or a list query) to a folder; per device: moved, refused (needs move), missing',
      body: BulkMoveRequest,
      response: { 200: BulkResult, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      await rights.requireDestination('device', req.body.folderId, 'write', 'body.folderId');
      const { allowed, refused, missing } = await select(req, req.body, 'move');
      if (allowed.length) await devices.moveDevices(allowed, req.body.folderId, auditContext(req));
      return { done: allowed, refused, missing };
    },
  });

  app.post('/api/v1/devices/bulk/delete', {
    config: { access: 'authenticated', changesTree: 'device' },
    schema: {
      tags,
      summary: 'Delete devices (a list or a list query); per device: deleted, refused (needs write), missing',
      body: BulkDeleteRequest,
      response: { 200: BulkResult, ...errors },
    },
    handler: async (req) => {
      const { allowed, refused, missing } = await select(req, req.body, 'write');
      const deleted = allowed.length ? await devices.deleteDevices(allowed, auditContext(req)) : [];
      const gone = new Set(deleted);
      // Deleted meanwhile by someone else: missing now.
      return { done: deleted, refused, missing: [...missing, ...allowed.filter((id) => !gone.has(id))] };
    },
  });

  app.post('/api/v1/devices/bulk/commands', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary: "Send a command to devices (a list or a list query); per device: queued/sent, refused (needs the command's right), missing",
      body: BulkCommandRequest,
      response: { 201: BulkCommandResult, ...errors },
    },
    handler: async (req, reply) => {
      const { command, text, expiresInSeconds } = req.body;
      // The command's own checks first, so a bad command is refused whatever the selection.
      if ((command === 'send-message') !== (text !== undefined)) {
        throw new AppError(ErrorCode.ValidationFailed, 'body.text is required for send-message and only for it', { field: 'body.text' });
      }
      const { allowed, refused, missing } = await select(req, req.body, COMMAND_RIGHT[command]);
      const sent = allowed.length
        ? await commands.sendCommand(
            {
              command,
              deviceIds: allowed,
              ...(text !== undefined ? { text } : {}),
              ...(expiresInSeconds !== undefined ? { expiresInSeconds } : {}),
            },
            req.auth?.user.username ?? null,
            undefined,
            undefined,
            auditContext(req),
          )
        : { commands: [] };
      return reply.code(201).send({ done: allowed, refused, missing, commands: sent.commands });
    },
  });

  app.post('/api/v1/devices/bulk/assign-profiles', {
    config: { access: 'authenticated' },
    schema: {
      tags,
      summary:
        'Assign profiles to devices (a list or a list query); per device: assigned, refused (needs assign; another OS major version), missing',
      body: BulkAssignProfilesRequest,
      response: { 200: BulkResult, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      for (const [i, id] of req.body.profileIds.entries()) await rights.require({ type: 'profile', id }, 'read', `body.profileIds.${i}`);
      const { allowed, refused, missing } = await select(req, req.body, 'assign');
      const skipped = new Map<number, Refusal>();
      for (const [i, profileId] of req.body.profileIds.entries()) {
        const { fits, mismatched } = await profiles.sortByVersion(profileId, allowed).catch((err: unknown) => {
          if (err instanceof AppError && err.code === ErrorCode.ProfileNotFound) {
            throw new AppError(err.code, err.message, { field: `body.profileIds.${i}` });
          }
          throw err;
        });
        for (const m of mismatched) if (!skipped.has(m.deviceId)) skipped.set(m.deviceId, { ...m, code: ErrorCode.ProfileVersionMismatch });
        for (let i = 0; i < fits.length; i += 1000) {
          const targets = fits.slice(i, i + 1000).map((id) => ({ type: 'device' as const, id }));
          await profiles.assign(auditContext(req), profileId, { targets, ...(req.body.apply ? { apply: req.body.apply } : {}) });
        }
      }
      return { done: allowed.filter((id) => !skipped.has(id)), refused: [...refused, ...skipped.values()], missing };
    },
  });
}
