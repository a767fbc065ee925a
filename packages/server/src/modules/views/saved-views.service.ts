import type { RawBuilder } from 'kysely';
import {
  DEFAULT_PAGE_LIMIT,
  ErrorCode,
  checkViewCriteria,
  type CreateViewFolderRequest,
  type CreateViewRequest,
  type ListViewsQuery,
  type UpdateViewFolderRequest,
  type UpdateViewRequest,
  type View,
  type ViewCriteria,
  type ViewFolder,
  type ViewFolderPage,
  type ViewPage,
} from '@openums/protocol';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { AppError } from '../../lib/errors.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';
import type { Db } from '../../db/database.js';
import type { SavedViewsRepository, ViewFolderRow, ViewRow } from './saved-views.repository.js';
import { loadViewAttributes } from './view-attributes.js';
import { transaction } from '../../db/transaction.js';

const folderObject = (id: number, name: string) => ({ type: 'view-folder', id, name });
const viewObject = (id: number, name: string) => ({ type: 'view', id, name });

/** Saved views and view folders: criteria stored as they were checked, evaluated when asked. */
export class SavedViewsService {
  constructor(
    private readonly repo: SavedViewsRepository,
    private readonly clock: Clock,
    /** Every change is recorded in its transaction. */
    private readonly audit: Pick<AuditLog, 'record'>,
  ) {}

  // ── folders ───────────────────────────────────────────────────────────────
  /** `visible` keeps the folders the administrator may browse. */
  async listFolders(q: { limit?: number; cursor?: string }, visible: RawBuilder<boolean> | null): Promise<ViewFolderPage> {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const afterId = q.cursor ? (decodeCursor(q.cursor, 'view-folders', ['number'])[0] as number) : null;
    const { page, nextCursor } = toPage(await this.repo.listFolders(limit + 1, afterId, visible), limit, 'view-folders', (r) => [r.id]);
    return { items: page.map(toFolder), nextCursor };
  }

  async createFolder(by: AuditContext, input: CreateViewFolderRequest): Promise<ViewFolder> {
    const parentId = input.parentId ?? null;
    if (parentId !== null) await this.requireFolder(parentId, 'body.parentId');
    const name = input.name.trim();
    await this.requireFreeName(parentId, name, null);
    const id = await transaction(this.repo.db, async (trx) => {
      const newId = await this.repo.insertFolder(name, parentId, this.clock.now(), trx);
      await this.audit.record(trx, { by, action: 'view-folder.create', object: folderObject(newId, name), after: { name, parentId } });
      return newId;
    });
    return toFolder((await this.repo.findFolder(id))!);
  }

  async updateFolder(by: AuditContext, id: number, input: UpdateViewFolderRequest): Promise<ViewFolder> {
    const folder = await this.requireFolder(id);
    const name = input.name?.trim() ?? folder.name;
    const parentId = input.parentId === undefined ? folder.parent_id : input.parentId;
    if (parentId !== null && parentId !== folder.parent_id) {
      await this.requireFolder(parentId, 'body.parentId');
      if ((await this.repo.folderChain(parentId)).includes(id)) {
        throw new AppError(ErrorCode.FolderCycle, `View folder ${id} cannot be moved into itself or one of its sub-folders`, {
          field: 'body.parentId',
        });
      }
    }
    if (name !== folder.name || parentId !== folder.parent_id) await this.requireFreeName(parentId, name, id);
    await transaction(this.repo.db, async (trx) => {
      await this.repo.updateFolder(id, { name, parent_id: parentId }, trx);
      const edit = changedFields({ name: folder.name, parentId: folder.parent_id }, { name, parentId });
      await this.audit.record(trx, { by, action: 'view-folder.update', object: folderObject(id, name), ...edit });
    });
    return toFolder((await this.repo.findFolder(id))!);
  }

  async deleteFolder(by: AuditContext, id: number): Promise<void> {
    const folder = await this.requireFolder(id);
    await transaction(this.repo.db, async (trx) => {
      if (!(await this.repo.folderIsEmpty(id, trx))) {
        throw new AppError(ErrorCode.ViewFolderNotEmpty, `View folder ${id} is not empty; move or delete its views and sub-folders first`);
      }
      await this.repo.deleteFolder(id, trx);
      await this.audit.record(trx, {
        by,
        action: 'view-folder.delete',
        object: folderObject(id, folder.name),
        before: { name: folder.name, parentId: folder.parent_id },
      });
    });
  }

  async requireFolder(id: number, field = 'params.id'): Promise<ViewFolderRow> {
    const f = await this.repo.findFolder(id);
    if (!f) throw new AppError(ErrorCode.ViewFolderNotFound, `View folder ${id} does not exist`, { field });
    return f;
  }

  private async requireFreeName(parentId: number | null, name: string, self: number | null): Promise<void> {
    const other = await this.repo.findFolderByName(parentId, name);
    if (other && other.id !== self)
      throw new AppError(ErrorCode.FolderNameTaken, `A view folder named "${name}" exists here already`, { field: 'body.name' });
  }

  // ── views ─────────────────────────────────────────────────────────────────
  /** `visible` keeps the views the administrator may browse. */
  async listViews(q: ListViewsQuery, visible: RawBuilder<boolean> | null): Promise<ViewPage> {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const afterId = q.cursor ? (decodeCursor(q.cursor, 'views', ['number'])[0] as number) : null;
    const folderId = q.folderId === undefined ? undefined : q.folderId === 'root' ? null : q.folderId;
    const rows = await this.repo.listViews({ folderId, afterId, limit: limit + 1, visible });
    if (rows.length === 0 && typeof folderId === 'number') await this.requireFolder(folderId, 'query.folderId');
    const { page, nextCursor } = toPage(rows, limit, 'views', (r) => [r.id]);
    return { items: page.map(toView), nextCursor };
  }

  async getView(id: number): Promise<View> {
    return toView(await this.requireView(id));
  }

  /** The stored criteria of a view (checked when saved). */
  async criteriaOf(id: number): Promise<ViewCriteria> {
    return JSON.parse((await this.requireView(id)).criteria_json) as ViewCriteria;
  }

  async createView(by: AuditContext, input: CreateViewRequest): Promise<View> {
    await checkCriteria(this.repo.db, input.criteria);
    const folderId = input.folderId ?? null;
    if (folderId !== null) await this.requireFolder(folderId, 'body.folderId');
    const now = this.clock.now();
    const row = {
      name: input.name.trim(),
      description: input.description ?? '',
      folder_id: folderId,
      criteria_json: JSON.stringify(input.criteria),
      created_at: now,
      updated_at: now,
    };
    const id = await transaction(this.repo.db, async (trx) => {
      const newId = await this.repo.insertView(row, trx);
      await this.audit.record(trx, {
        by,
        action: 'view.create',
        object: viewObject(newId, row.name),
        after: { name: row.name, description: row.description, folderId, criteria: input.criteria },
      });
      return newId;
    });
    return this.getView(id);
  }

  async updateView(by: AuditContext, id: number, input: UpdateViewRequest): Promise<View> {
    const view = await this.requireView(id);
    if (input.criteria !== undefined) await checkCriteria(this.repo.db, input.criteria);
    if (input.folderId != null && input.folderId !== view.folder_id) await this.requireFolder(input.folderId, 'body.folderId');
    const before = toView(view);
    const after = {
      name: input.name?.trim() ?? before.name,
      description: input.description ?? before.description,
      folderId: input.folderId === undefined ? before.folderId : input.folderId,
      criteria: input.criteria ?? before.criteria,
    };
    await transaction(this.repo.db, async (trx) => {
      await this.repo.updateView(
        id,
        {
          name: after.name,
          description: after.description,
          folder_id: after.folderId,
          criteria_json: JSON.stringify(after.criteria),
          updated_at: this.clock.now(),
        },
        trx,
      );
      const { name, description, folderId, criteria } = before;
      const edit = changedFields(
        { name, description, folderId, criteria: JSON.stringify(criteria) },
        { ...after, criteria: JSON.stringify(after.criteria) },
      );
      await this.audit.record(trx, { by, action: 'view.update', object: viewObject(id, after.name), ...edit });
    });
    return this.getView(id);
  }

  async deleteView(by: AuditContext, id: number): Promise<void> {
    const view = await this.requireView(id);
    await transaction(this.repo.db, async (trx) => {
      await this.repo.deleteView(id, trx);
      const { name, description, folderId, criteria } = toView(view);
      await this.audit.record(trx, {
        by,
        action: 'view.delete',
        object: viewObject(id, name),
        before: { name, description, folderId, criteria },
      });
    });
  }

  private async requireView(id: number): Promise<ViewRow> {
    const v = await this.repo.findView(id);
    if (!v) throw new AppError(ErrorCode.ViewNotFound, `View ${id} does not exist`, { field: 'params.id' });
    return v;
  }
}

/** The one semantic check of criteria (as evaluate runs it); nothing is saved if it fails. */
async function checkCriteria(db: Db, criteria: ViewCriteria): Promise<void> {
  const problem = checkViewCriteria(criteria, 'body.criteria', await loadViewAttributes(db, criteria));
  if (problem) throw new AppError(ErrorCode.ViewCriteriaInvalid, problem.message, { field: problem.field, issues: [problem] });
}

const toFolder = (f: ViewFolderRow): ViewFolder => ({ id: f.id, name: f.name, parentId: f.parent_id });
const toView = (v: ViewRow): View => ({
  id: v.id,
  name: v.name,
  description: v.description,
  folderId: v.folder_id,
  criteria: JSON.parse(v.criteria_json) as ViewCriteria,
  createdAt: toIso(v.created_at)!,
  updatedAt: toIso(v.updated_at)!,
});
