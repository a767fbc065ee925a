import type { RawBuilder } from 'kysely';
import {
  ErrorCode,
  VIEW_ACTION_MAX_DEVICES,
  VIEW_MAIL_MAX_BYTES,
  type AssignViewProfilesRequest,
  type AssignViewProfilesResponse,
  type MailViewRequest,
  type MailViewResponse,
  type SendCommandResponse,
  type ViewCommandRequest,
  type ViewExportFormat,
} from '@openums/protocol';
import type { Readable } from 'node:stream';
import { AppError } from '../../lib/errors.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommandAuthorizer, CommandsService } from '../commands/commands.service.js';
import type { RecordAnswer } from '../idempotency/idempotency.service.js';
import type { Mailer } from '../mail/mailer.js';
import type { ProfilesService } from '../profiles/profiles.service.js';
import { majorVersion } from '../profiles/settings-hash.js';
import type { SavedViewsService } from './saved-views.service.js';
import type { ViewActionsRepository } from './view-actions.repository.js';
import type { ViewDevices } from './view-devices.js';
import { CONTENT_TYPES, exportFileName, exportStream, pageRows, resolveColumns, type Cell } from './view-export.js';

type Visible = RawBuilder<boolean> | null;
type AssignItem = AssignViewProfilesResponse['items'][number];

export interface ViewExport {
  fileName: string;
  contentType: string;
  stream: Readable;
}

export interface ViewActionsDeps {
  saved: Pick<SavedViewsService, 'getView'>;
  devices: ViewDevices;
  repo: ViewActionsRepository;
  commands: Pick<CommandsService, 'sendCommand'>;
  profiles: Pick<ProfilesService, 'requireProfile' | 'assign'>;
  mailer: Pick<Mailer, 'send' | 'sendToRecipients'>;
  audit: Pick<AuditLog, 'record'>;
  /** Limits (docs/views.md "Limits"); tests lower them. */
  maxMailBytes?: number;
  maxDevices?: number;
}

/** Export, mail and actions on a saved view's devices, resolved when called (docs/views.md). */
export class ViewActionsService {
  private readonly maxMailBytes: number;
  private readonly maxDevices: number;

  constructor(private readonly d: ViewActionsDeps) {
    this.maxMailBytes = d.maxMailBytes ?? VIEW_MAIL_MAX_BYTES;
    this.maxDevices = d.maxDevices ?? VIEW_ACTION_MAX_DEVICES;
  }

  /**
   * The export as a stream. The columns are checked and the first page is read before it is
   * returned, so bad input and an evaluation over its time limit answer 4xx, not a cut download.
   */
  async exportView(
    viewId: number,
    format: ViewExportFormat,
    names: string[] | undefined,
    field: string,
    visible: Visible,
  ): Promise<ViewExport & { view: { id: number; name: string }; written: { rows: number } }> {
    const view = await this.d.saved.getView(viewId);
    const columns = await resolveColumns(names, this.d.repo, field);
    const pages = this.d.devices.devicePages(view.criteria, visible);
    const first = await pages.next();
    const repo = this.d.repo;
    const written = { rows: 0 };
    async function* rows(): AsyncGenerator<Cell[][]> {
      if (first.done) return;
      written.rows += first.value.length;
      yield await pageRows(first.value, columns, repo);
      for await (const page of pages) {
        written.rows += page.length;
        yield await pageRows(page, columns, repo);
      }
    }
    const ref = { id: view.id, name: view.name };
    return {
      view: ref,
      written,
      fileName: exportFileName(view.name, format),
      contentType: CONTENT_TYPES[format],
      stream: exportStream(format, columns, rows(), ref),
    };
  }

  /** The export as a mail attachment: built whole (within the size limit) before SMTP is contacted. */
  async mailView(by: AuditContext, viewId: number, req: MailViewRequest, visible: Visible): Promise<MailViewResponse> {
    const ex = await this.exportView(viewId, req.format, req.columns, 'body.columns', visible);
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of ex.stream) {
      const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      bytes += b.length;
      if (bytes > this.maxMailBytes) {
        ex.stream.destroy();
        throw new AppError(
          ErrorCode.ViewExportTooLarge,
          `The export of view ${viewId} is larger than ${this.maxMailBytes} bytes, the limit of a mailed attachment; narrow the view, choose fewer columns, or download it`,
          { limit: this.maxMailBytes },
        );
      }
      chunks.push(b);
    }
    const content = Buffer.concat(chunks);
    const devices = ex.written.rows;
    const subject = `OpenUMS view "${ex.view.name}": ${devices} device${devices === 1 ? '' : 's'}`;
    const text = `The devices of the view "${ex.view.name}" (id ${ex.view.id}) as they are now: ${devices}, attached as ${ex.fileName}.\n`;
    const attachment = [{ filename: ex.fileName, content, contentType: ex.contentType }];
    const sent = req.recipients
      ? await this.d.mailer.send(req.recipients, subject, text, attachment)
      : await this.d.mailer.sendToRecipients(subject, text, attachment);
    await this.d.audit.record(this.d.repo.db, {
      by,
      action: 'view.mail',
      object: { type: 'view', id: ex.view.id, name: ex.view.name },
      after: { recipients: sent.accepted, format: req.format, columns: req.columns ?? null, devices, bytes },
    });
    return { recipients: sent.accepted, devices, bytes, fileName: ex.fileName };
  }

  /** The view's matching ids (at most maxDevices, else 422 before anything is done). */
  private async boundedIds(
    viewId: number,
    visible: Visible,
  ): Promise<{ view: { id: number; name: string }; pages: AsyncGenerator<Array<{ id: number; version: string | null }>> }> {
    const view = await this.d.saved.getView(viewId);
    const n = await this.d.devices.countUpTo(view.criteria, visible, this.maxDevices);
    if (n > this.maxDevices) {
      throw new AppError(
        ErrorCode.ViewTooManyDevices,
        `View ${viewId} matches more than ${this.maxDevices} devices; one call acts on at most ${this.maxDevices} — narrow the view`,
        { limit: this.maxDevices },
      );
    }
    return { view: { id: view.id, name: view.name }, pages: this.d.devices.idPages(view.criteria, visible) };
  }

  async sendCommand(
    by: AuditContext,
    viewId: number,
    req: ViewCommandRequest,
    createdBy: string | null,
    authorize: CommandAuthorizer,
    visible: Visible,
    /** Stores the answer with the commands (Idempotency-Key), as the bulk command route does. */
    record?: RecordAnswer,
  ): Promise<SendCommandResponse> {
    const { view, pages } = await this.boundedIds(viewId, visible);
    const deviceIds: number[] = [];
    for await (const page of pages) for (const d of page) deviceIds.push(d.id);
    const answer = await this.d.commands.sendCommand({ ...req, deviceIds }, createdBy, record, authorize, by);
    await this.d.audit.record(this.d.repo.db, {
      by,
      action: 'view.command',
      object: { type: 'view', id: view.id, name: view.name },
      after: { command: req.command, devices: answer.commands.length, refused: answer.refused.length },
    });
    return answer;
  }

  /**
   * Assigns each profile to each device of the view (page by page, through the profiles
   * service so settings are delivered as after an administrator's assignment): devices without
   * the assign right are refused, those already assigned or of another major version skipped.
   */
  async assignProfiles(
    by: AuditContext,
    viewId: number,
    req: AssignViewProfilesRequest,
    partition: (ids: number[]) => Promise<{ allowed: number[]; refused: number[]; unknown: number[] }>,
    visible: Visible,
  ): Promise<AssignViewProfilesResponse> {
    const profiles = [];
    for (const id of req.profileIds) profiles.push(await this.d.profiles.requireProfile(id));
    const { view, pages } = await this.boundedIds(viewId, visible);
    const items: AssignItem[] = [];
    for await (const page of pages) {
      const sorted = await partition(page.map((d) => d.id));
      const allowed = new Set(sorted.allowed);
      const refused = new Set(sorted.refused);
      for (const p of profiles) {
        const major = majorVersion(p.based_on);
        const already = await this.d.repo.listDirectlyAssigned(p.id, sorted.allowed);
        const assign: number[] = [];
        for (const d of page) {
          const base = { deviceId: d.id, profileId: p.id };
          if (refused.has(d.id)) items.push({ ...base, result: 'refused', reason: `the assign right on device ${d.id} is required` });
          else if (!allowed.has(d.id)) items.push({ ...base, result: 'skipped', reason: 'the device no longer exists' });
          else if (already.has(d.id)) items.push({ ...base, result: 'skipped', reason: 'already assigned' });
          else if (major !== null && majorVersion(d.version) !== null && majorVersion(d.version) !== major) {
            items.push({
              ...base,
              result: 'skipped',
              reason: `version mismatch: the profile is based on OS ${p.based_on}, the device runs ${d.version}`,
            });
          } else {
            assign.push(d.id);
            items.push({ ...base, result: 'assigned' });
          }
        }
        if (assign.length) {
          await this.d.profiles.assign(by, p.id, { targets: assign.map((id) => ({ type: 'device', id })), apply: req.apply ?? 'now' });
        }
      }
    }
    const count = (r: AssignItem['result']) => items.filter((i) => i.result === r).length;
    const answer = { items, assigned: count('assigned'), skipped: count('skipped'), refused: count('refused') };
    await this.d.audit.record(this.d.repo.db, {
      by,
      action: 'view.assign-profiles',
      object: { type: 'view', id: view.id, name: view.name },
      after: {
        profileIds: req.profileIds,
        apply: req.apply ?? 'now',
        assigned: answer.assigned,
        skipped: answer.skipped,
        refused: answer.refused,
      },
    });
    return answer;
  }
}
