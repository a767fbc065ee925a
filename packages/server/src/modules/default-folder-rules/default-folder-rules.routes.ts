import { Type } from 'typebox';
import {
  ApplyDefaultFolderRulesRequest,
  ApplyDefaultFolderRulesResponse,
  CreateDefaultFolderRuleRequest,
  DefaultFolderRule,
  DefaultFolderRuleList,
  ErrorCode,
  ErrorResponse,
  GeneralRight,
  IdParams,
  TestDefaultFolderRulesRequest,
  TestDefaultFolderRulesResponse,
  UpdateDefaultFolderRuleRequest,
  type FolderRuleTarget,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { App } from '../../lib/fastify.js';
import type { Logger } from '../../lib/logger.js';
import { rightsOf, type RequestRights } from '../access/request-rights.js';
import { auditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DeviceFoldersService } from '../device-folders/device-folders.service.js';
import type { DevicesService } from '../devices/devices.service.js';
import { DefaultFolderRulesRepository } from './default-folder-rules.repository.js';
import { DefaultFolderRulesService } from './default-folder-rules.service.js';
import { FolderPlacementService } from './folder-placement.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['default-folder-rules'];
/** Rules are administration: every route needs the general right defaultFolderRules (docs/folder-rules.md#rights). */
const config = { access: { general: GeneralRight.DefaultFolderRules } } as const;
const BASE = '/api/v1/default-folder-rules';

/** The default folder rules module: the rules, where they place devices (enrollment, device channel), and the routes. */
export function defaultFolderRulesModule(d: {
  db: Db;
  folders: DeviceFoldersService;
  devices: DevicesService;
  clock: Clock;
  audit: AuditLog;
  log: Logger | null;
}) {
  const repo = new DefaultFolderRulesRepository(d.db);
  const rules = new DefaultFolderRulesService(repo, d.clock, d.audit);
  const placement = new FolderPlacementService(rules, repo, d.folders, d.devices, d.clock, d.log);
  return { rules, placement, registerRoutes: (app: App) => defaultFolderRuleRoutes(app, rules, placement) };
}

/**
 * Saving a rule with a folder needs write on that folder (on the parent for per-subnet folders;
 * the top level: superusers only), as placing a device there would.
 */
async function requireTarget(rights: RequestRights, target: FolderRuleTarget | undefined): Promise<void> {
  if (!target || target.mode === 'none') return;
  if (target.mode === 'folder' && target.folderId == null) return; // the service names the missing field
  await rights.requireDestination('device', target.folderId ?? null, 'write', 'body.target.folderId');
}

export function defaultFolderRuleRoutes(app: App, rules: DefaultFolderRulesService, placement: FolderPlacementService): void {
  app.addHook('onClose', () => placement.stop());
  app.get(BASE, {
    config,
    schema: {
      tags,
      summary: 'The rule tree, depth first (every rule after its parent, siblings in order)',
      response: { 200: DefaultFolderRuleList, ...errors },
    },
    handler: () => rules.list(),
  });
  app.post(BASE, {
    config,
    schema: {
      tags,
      summary: 'Add a rule (needs write on its target folder)',
      body: CreateDefaultFolderRuleRequest,
      response: { 201: DefaultFolderRule, ...errors },
    },
    handler: async (req, reply) => {
      await requireTarget(rightsOf(req), req.body.target);
      return reply.code(201).send(await rules.create(auditContext(req), req.body));
    },
  });
  app.get(`${BASE}/:id`, {
    config,
    schema: { tags, summary: 'One rule', params: IdParams, response: { 200: DefaultFolderRule, ...errors } },
    handler: (req) => rules.get(req.params.id),
  });
  app.patch(`${BASE}/:id`, {
    config,
    schema: {
      tags,
      summary: 'Change a rule; parentId and position move it with the rules below it',
      params: IdParams,
      body: UpdateDefaultFolderRuleRequest,
      response: { 200: DefaultFolderRule, ...errors },
    },
    handler: async (req) => {
      await requireTarget(rightsOf(req), req.body.target);
      return rules.update(auditContext(req), req.params.id, req.body);
    },
  });
  app.delete(`${BASE}/:id`, {
    config,
    schema: { tags, summary: 'Delete a rule and every rule below it', params: IdParams, response: { 204: Type.Null(), ...errors } },
    handler: async (req, reply) => {
      await rules.delete(auditContext(req), req.params.id);
      return reply.code(204).send(null);
    },
  });
  app.post(`${BASE}/test`, {
    config,
    schema: {
      tags,
      summary: 'Where a device with these properties (or an existing device) would land, and through which rules',
      body: TestDefaultFolderRulesRequest,
      response: { 200: TestDefaultFolderRulesResponse, ...errors },
    },
    handler: async (req) => {
      // An existing device is tested as it is stored: only one the administrator may read.
      if (req.body.deviceId !== undefined) await rightsOf(req).require({ type: 'device', id: req.body.deviceId }, 'read', 'body.deviceId');
      return placement.test(req.body);
    },
  });
  app.post(`${BASE}/apply`, {
    config,
    schema: {
      tags,
      summary: 'Apply the rules to these devices now: the moves (dryRun, the default: only the preview)',
      body: ApplyDefaultFolderRulesRequest,
      response: { 200: ApplyDefaultFolderRulesResponse, ...errors },
    },
    handler: async (req) => {
      const rights = rightsOf(req);
      const { deviceIds } = req.body;
      const parts = await rights.partition('device', deviceIds, 'move');
      if (parts.unknown.length)
        throw new AppError(ErrorCode.DeviceNotFound, `Devices do not exist: ${parts.unknown.slice(0, 20).join(', ')}; nothing was moved`, {
          field: 'body.deviceIds',
          missing: parts.unknown,
        });
      const may = new Map<number | null, boolean>();
      const mayPlace = async (folderId: number | null) => {
        if (!may.has(folderId))
          may.set(
            folderId,
            await rights.requireDestination('device', folderId, 'write', 'body.deviceIds').then(
              () => true,
              () => false,
            ),
          );
        return may.get(folderId)!;
      };
      return placement.apply(auditContext(req), deviceIds, req.body.dryRun ?? true, new Set(parts.allowed), mayPlace);
    },
  });
}
