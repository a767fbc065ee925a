import { createWriteStream } from 'node:fs';
import { readdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ErrorCode, type AdminTaskOptions } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { DialectName } from '../../db/dialect.js';
import type { Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { RequestRights, RightsActor } from '../access/request-rights.js';
import { SYSTEM_CONTEXT } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommandsService } from '../commands/commands.service.js';
import type { Mailer } from '../mail/mailer.js';
import type { ProfilesService } from '../profiles/profiles.service.js';
import { SavedViewsRepository } from '../views/saved-views.repository.js';
import { SavedViewsService } from '../views/saved-views.service.js';
import { ViewActionsRepository } from '../views/view-actions.repository.js';
import { ViewActionsService } from '../views/view-actions.service.js';
import { ViewDevices } from '../views/view-devices.js';
import { resolveColumns } from '../views/view-export.js';
import { checkWritableDirectory } from './directory.js';

type AssignOptions = Extract<AdminTaskOptions, { type: 'assignProfilesToView' }>;
type ExportOptions = Extract<AdminTaskOptions, { type: 'exportView' }>;
export type ViewTaskOptions = AssignOptions | ExportOptions;

export const isViewTask = (o: AdminTaskOptions): o is ViewTaskOptions => o.type === 'assignProfilesToView' || o.type === 'exportView';

type Rights = Pick<RequestRights, 'require' | 'scope' | 'partition'>;

/** What the view tasks go through: the view actions' own service (export, mail, assignment), not a copy. */
export interface ViewTaskDeps {
  views: Pick<ViewActionsService, 'assignProfiles' | 'mailView' | 'exportView'>;
  saved: Pick<SavedViewsService, 'getView'>;
  profiles: Pick<ProfilesService, 'requireProfile'>;
  /** Checks export column names (device fields, `attribute:<identifier>`), 400 naming `field`. */
  columns: (names: readonly string[] | undefined, field: string) => Promise<unknown>;
  /** An administrator's object rights (the task's creator at run time). */
  rightsFor: (actor: Omit<RightsActor, 'generalRights'>) => Rights;
}

/** The view tasks' services, built on the same classes as the routes of a view (docs/views.md). */
export function viewTaskDeps(p: {
  db: Db;
  dialect: DialectName;
  clock: Clock;
  audit: Pick<AuditLog, 'record'>;
  profiles: ProfilesService;
  commands: Pick<CommandsService, 'sendCommand'>;
  mailer: () => Pick<Mailer, 'send' | 'sendToRecipients'>;
  rights: { forRequest(actor: RightsActor): Rights };
}): ViewTaskDeps {
  const saved = new SavedViewsService(new SavedViewsRepository(p.db), p.clock, p.audit);
  const repo = new ViewActionsRepository(p.db);
  const mailer = {
    send: (...a: Parameters<Mailer['send']>) => p.mailer().send(...a),
    sendToRecipients: (...a: Parameters<Mailer['sendToRecipients']>) => p.mailer().sendToRecipients(...a),
  };
  const devices = new ViewDevices(p.db, p.dialect, p.clock);
  const views = new ViewActionsService({ saved, devices, repo, commands: p.commands, profiles: p.profiles, mailer, audit: p.audit });
  return {
    views,
    saved,
    profiles: p.profiles,
    columns: (names, field) => resolveColumns(names, repo, field),
    rightsFor: (actor) => p.rights.forRequest({ ...actor, generalRights: [] }),
  };
}

/** An object that must exist: its not-found error again, naming the request field. */
async function mustExist(field: string, find: () => Promise<unknown>): Promise<void> {
  try {
    await find();
  } catch (err) {
    if (err instanceof AppError && (err.code === ErrorCode.ViewNotFound || err.code === ErrorCode.ProfileNotFound)) {
      throw new AppError(err.code, `${field}: ${err.message}`, { field });
    }
    throw err;
  }
}

/**
 * Checks when a view task is saved: the view and profiles exist and the administrator saving it
 * may read them (one not visible is answered as missing), the columns are known, the directory
 * is writable. Nothing is saved when one fails.
 */
export async function checkViewTask(o: ViewTaskOptions, rights: Pick<RequestRights, 'require'> | null, d: ViewTaskDeps): Promise<void> {
  await mustExist('body.options.viewId', () => d.saved.getView(o.viewId));
  await rights?.require({ type: 'view', id: o.viewId }, 'read', 'body.options.viewId');
  if (o.type === 'assignProfilesToView') {
    for (const id of o.profileIds) {
      await mustExist('body.options.profileIds', () => d.profiles.requireProfile(id));
      await rights?.require({ type: 'profile', id }, 'read', 'body.options.profileIds');
    }
    return;
  }
  await d.columns(o.columns, 'body.options.columns');
  if ('directory' in o.to) {
    const problem = await checkWritableDirectory(o.to.directory);
    if (problem)
      throw new AppError(ErrorCode.ValidationFailed, `body.options.to.directory: ${problem}`, { field: 'body.options.to.directory' });
  }
}

/**
 * A run of a view task, with the rights of the task's creator as they are at run time (like a
 * job): only devices the creator may browse are reached, assignments need their assign right.
 * A view or profile deleted since the task was saved ends the run as "target gone".
 */
export async function runViewTask(
  taskId: number,
  o: ViewTaskOptions,
  creator: { userId: number; superuser: boolean } | null,
  d: ViewTaskDeps,
  now: number,
): Promise<string> {
  if (!creator) {
    throw new Error("the task's creator no longer exists or is disabled (a view task acts with its creator's rights); save the task again");
  }
  const rights = d.rightsFor(creator);
  try {
    await rights.require({ type: 'view', id: o.viewId }, 'read', 'options.viewId');
    const view = await d.saved.getView(o.viewId);
    const visible = (await rights.scope('device')).objects;
    if (o.type === 'assignProfilesToView') {
      for (const id of o.profileIds) await rights.require({ type: 'profile', id }, 'read', 'options.profileIds');
      const r = await d.views.assignProfiles(
        SYSTEM_CONTEXT,
        o.viewId,
        { profileIds: o.profileIds, apply: o.apply ?? 'now' },
        (ids) => rights.partition('device', ids, 'assign'),
        visible,
      );
      // Counts first: the task list shows the first two lines of a run's message.
      return `${r.assigned} assigned, ${r.skipped} skipped, ${r.refused} refused (device × profile); view "${view.name}", profile(s) ${o.profileIds.join(', ')}`;
    }
    if ('mail' in o.to) {
      const r = await d.views.mailView(SYSTEM_CONTEXT, o.viewId, { format: o.format, columns: o.columns, recipients: o.to.mail }, visible);
      return `mailed ${r.devices} device(s) of view "${view.name}" (${r.fileName}, ${r.bytes} bytes) to ${r.recipients.join(', ')}`;
    }
    return await exportToDirectory(taskId, o, o.to, visible, d, now);
  } catch (err) {
    if (err instanceof AppError && (err.code === ErrorCode.ViewNotFound || err.code === ErrorCode.ProfileNotFound)) {
      throw new Error(`target gone: ${err.message}`);
    }
    if (err instanceof AppError && err.code === ErrorCode.Forbidden) throw new Error(`the task's creator lacks a right: ${err.message}`);
    throw err;
  }
}

/** `<view name>_<time>_task<id>.<format>`: the view's name, sortable by time, this task's own for retention. */
const taskFile = (taskId: number) => new RegExp(`_(\\d{4}-\\d\\d-\\d\\dT[\\d-]+Z)_task${taskId}\\.(csv|json|xlsx)$`);

async function exportToDirectory(
  taskId: number,
  o: ExportOptions,
  to: { directory: string; keep?: number },
  visible: Parameters<ViewTaskDeps['views']['exportView']>[4],
  d: ViewTaskDeps,
  now: number,
): Promise<string> {
  const problem = await checkWritableDirectory(to.directory);
  if (problem) throw new Error(problem);
  const ex = await d.views.exportView(o.viewId, o.format, o.columns, 'options.columns', visible);
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  const file = join(to.directory, `${ex.fileName.slice(0, -(o.format.length + 1))}_${stamp}_task${taskId}.${o.format}`);
  // Written under another name first: a reader never sees half a file under the final one.
  const partial = `${file}.partial`;
  try {
    await pipeline(ex.stream, createWriteStream(partial, { mode: 0o640 }));
    await rename(partial, file);
  } catch (err) {
    await unlink(partial).catch(() => undefined);
    throw err;
  }
  const size = (await stat(file)).size;
  let deleted = 0;
  if (to.keep) {
    const pattern = taskFile(taskId);
    const mine = (await readdir(to.directory))
      .map((f) => ({ f, stamp: pattern.exec(f)?.[1] }))
      .filter((x): x is { f: string; stamp: string } => x.stamp !== undefined)
      .sort((a, b) => (a.stamp < b.stamp ? -1 : a.stamp > b.stamp ? 1 : 0));
    for (const x of mine.slice(0, Math.max(0, mine.length - to.keep))) {
      await unlink(join(to.directory, x.f));
      deleted++;
    }
  }
  return `exported ${ex.written.rows} device(s) of view "${ex.view.name}" to ${file} (${size} bytes)${deleted ? `; ${deleted} older export(s) deleted (keeping ${to.keep})` : ''}`;
}
