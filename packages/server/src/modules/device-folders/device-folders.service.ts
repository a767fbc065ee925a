import { DEFAULT_PAGE_LIMIT, ErrorCode, type DeviceFolder, type FolderPage } from '@openums/protocol';
import { AppError, notFound } from '../../lib/errors.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import type { Clock } from '../../lib/clock.js';
import type { TreeScope } from '../access/list-filter-sql.js';
import type { Db } from '../../db/database.js';
import type { ConfigurationChanges, ConfigurationMarker } from '../configuration-delivery/configuration-changes.js';
import type { DeviceFoldersRepository, FolderRow } from './device-folders.repository.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';

/**
 * The device folder tree. Every change of the tree goes through ConfigurationChanges in the
 * tree-locking transaction: the cached tree reloads, and a moved folder's devices inherit anew.
 */
export class DeviceFoldersService {
  constructor(
    private readonly repo: DeviceFoldersRepository,
    private readonly clock: Clock,
    private readonly configuration: ConfigurationChanges,
    /** Every change of the tree is recorded in its transaction. */
    private readonly audit: AuditLog,
  ) {}

  private inTree<T>(work: (trx: Db, mark: ConfigurationMarker) => Promise<T>): Promise<T> {
    return this.configuration.change(work, this.repo.inTreeTransaction);
  }

  /** A page of folders; `scope` keeps what the administrator may browse (folders and the devices counted). */
  async listFolders(q: { parentId?: 'root' | number; limit?: number; cursor?: string }, scope?: TreeScope): Promise<FolderPage> {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const parentId = q.parentId === undefined ? undefined : q.parentId === 'root' ? null : q.parentId;
    if (typeof parentId === 'number') await this.requireFolder(parentId, 'parentId');
    const sortTag = parentId === undefined ? 'folders:id' : 'folders:name';
    const after = q.cursor
      ? (decodeCursor(q.cursor, sortTag, parentId === undefined ? ['number'] : ['string', 'number']) as [string, number] | [number])
      : null;
    const rows = await this.repo.listFolders({ parentId, limit: limit + 1, after, ...(scope ? { scope } : {}) });
    const { page, nextCursor } = toPage(rows, limit, sortTag, (r) => (parentId === undefined ? [r.id] : [r.name, r.id]));
    return { items: await this.withCounts(page, scope), nextCursor };
  }

  async getFolder(id: number, scope?: TreeScope): Promise<DeviceFolder> {
    const [folder] = await this.withCounts([await this.requireFolder(id)], scope);
    return folder!;
  }

  async createFolder(by: AuditContext, input: { name: string; parentId?: number | null }): Promise<DeviceFolder> {
    const name = input.name.trim();
    const parentId = input.parentId ?? null;
    const id = await this.inTree(async (trx, mark) => {
      if (parentId !== null) await this.requireFolder(parentId, 'parentId', trx);
      await this.requireFreeName(parentId, name, null, trx);
      await mark.tree();
      const newId = await this.repo.insertFolder({ name, parentId, now: this.clock.now() }, trx);
      const object = { type: 'device-folder', id: newId, name };
      await this.audit.record(trx, { by, action: 'device-folder.create', object, after: { name, parentId } });
      return newId;
    });
    return this.getFolder(id);
  }

  /** Rename and/or move. Moving a folder into itself or its own subtree is refused. */
  async updateFolder(by: AuditContext, id: number, input: { name?: string; parentId?: number | null }): Promise<DeviceFolder> {
    await this.inTree(async (trx, mark) => {
      const folder = await this.requireFolder(id, 'id', trx);
      const name = input.name?.trim() ?? folder.name;
      const parentId = input.parentId === undefined ? folder.parent_id : input.parentId;
      if (parentId !== null && parentId !== folder.parent_id) {
        await this.requireFolder(parentId, 'parentId', trx);
        if (parentId === id || (await this.repo.listAncestorIds(parentId, trx)).includes(id)) {
          throw new AppError(ErrorCode.FolderCycle, `Folder ${id} cannot be moved into itself or one of its sub-folders`, {
            field: 'parentId',
          });
        }
      }
      if (name !== folder.name || parentId !== folder.parent_id) await this.requireFreeName(parentId, name, id, trx);
      await this.repo.updateFolder(id, { name, parent_id: parentId }, trx);
      // A move changes what devices below inherit; a rename only the names shown as provenance.
      if (parentId !== folder.parent_id || name !== folder.name) await mark.tree();
      if (parentId !== folder.parent_id) await mark.folders([id]);
      const edit = changedFields({ name: folder.name, parentId: folder.parent_id }, { name, parentId });
      await this.audit.record(trx, { by, action: 'device-folder.update', object: { type: 'device-folder', id, name }, ...edit });
    });
    return this.getFolder(id);
  }

  async deleteFolder(by: AuditContext, id: number): Promise<void> {
    await this.inTree(async (trx, mark) => {
      const folder = await this.requireFolder(id, 'id', trx);
      const counts = (await this.repo.countContents([id], trx)).get(id)!;
      if (counts.childCount > 0 || counts.deviceCount > 0) {
        throw new AppError(
          ErrorCode.FolderNotEmpty,
          `Folder ${id} is not empty (${counts.childCount} sub-folders, ${counts.deviceCount} devices); move or delete them first`,
          counts,
        );
      }
      // Rules would place devices in a folder that is gone (the reference refuses this too).
      const rules = await this.repo.listRulesTargeting(id, trx);
      if (rules.length > 0) {
        throw new AppError(
          ErrorCode.FolderHasDefaultRules,
          `Folder ${id} is the target of default folder rule${rules.length > 1 ? 's' : ''} ${rules.map((r) => `"${r.name}"`).join(', ')}; change or delete the rule first`,
          { field: 'params.id', ruleIds: rules.map((r) => r.id) },
        );
      }
      // Empty, so no device changes; its assignments go with it.
      await this.repo.deleteFolder(id, trx);
      await mark.tree();
      const object = { type: 'device-folder', id, name: folder.name };
      await this.audit.record(trx, {
        by,
        action: 'device-folder.delete',
        object,
        before: { name: folder.name, parentId: folder.parent_id },
      });
    });
  }

  /** The folder, or a FOLDER_NOT_FOUND error naming the request field it came from. */
  async requireFolder(id: number, field = 'id', db?: Db): Promise<FolderRow> {
    const folder = await this.repo.findFolderById(id, db);
    if (!folder) throw Object.assign(notFound(ErrorCode.FolderNotFound, 'Folder', id), { details: { field } });
    return folder;
  }

  private async requireFreeName(parentId: number | null, name: string, selfId: number | null, db: Db) {
    const clash = await this.repo.findSiblingByName(parentId, name, db);
    if (clash && clash.id !== selfId) {
      throw new AppError(ErrorCode.FolderNameTaken, `A folder named "${clash.name}" already exists there`, { field: 'name' });
    }
  }

  private async withCounts(rows: FolderRow[], scope?: TreeScope): Promise<DeviceFolder[]> {
    const ids = rows.map((r) => r.id);
    const [counts, totals] = await Promise.all([
      this.repo.countContents(ids, undefined, scope),
      this.repo.countSubtreeDevices(ids, scope?.objects ?? null),
    ]);
    return rows.map((r) => ({ id: r.id, name: r.name, parentId: r.parent_id, ...counts.get(r.id)!, totalDeviceCount: totals.get(r.id)! }));
  }
}
