import type { RawBuilder } from 'kysely';
import { DEFAULT_PAGE_LIMIT, ErrorCode, type ProfileFolder } from '@openums/protocol';
import { AppError } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import type { Db } from '../../db/database.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import type { ProfileFolderRow, ProfilesRepository } from './profiles.repository.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';
import { transaction } from '../../db/transaction.js';

const folderObject = (id: number, name: string) => ({ type: 'profile-folder', id, name });

/** Profile folders: a tree for organising profiles; it has no effect on precedence. */
export class ProfileFoldersService {
  constructor(
    private readonly repo: ProfilesRepository,
    private readonly clock: Clock,
    /** Every change is recorded in its transaction. */
    private readonly audit: Pick<AuditLog, 'record'>,
  ) {}

  /** `visible` keeps the folders the administrator may browse. */
  async list(q: { limit?: number; cursor?: string }, visible: RawBuilder<boolean> | null = null) {
    const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
    const afterId = q.cursor ? (decodeCursor(q.cursor, 'profile-folders', ['number'])[0] as number) : null;
    const { page, nextCursor } = toPage(await this.repo.listFolders(limit + 1, afterId, visible), limit, 'profile-folders', (r) => [r.id]);
    return { items: page.map(toFolder), nextCursor };
  }

  async create(by: AuditContext, input: { name: string; parentId?: number | null }): Promise<ProfileFolder> {
    const parentId = input.parentId ?? null;
    if (parentId !== null) await this.requireFolder(parentId, 'parentId');
    const name = input.name.trim();
    await this.requireFreeName(parentId, name, null);
    const id = await transaction(this.repo.db, async (trx) => {
      const newId = await this.repo.insertFolder(name, parentId, this.clock.now(), trx);
      await this.audit.record(trx, { by, action: 'profile-folder.create', object: folderObject(newId, name), after: { name, parentId } });
      return newId;
    });
    return toFolder((await this.repo.findFolder(id))!);
  }

  async update(by: AuditContext, id: number, input: { name?: string; parentId?: number | null }): Promise<ProfileFolder> {
    const folder = await this.requireFolder(id);
    const name = input.name?.trim() ?? folder.name;
    const parentId = input.parentId === undefined ? folder.parent_id : input.parentId;
    if (parentId !== null && parentId !== folder.parent_id) {
      const path = await this.repo.folderPath(parentId);
      if (!path.length)
        throw new AppError(ErrorCode.ProfileFolderNotFound, `Profile folder ${parentId} does not exist`, { field: 'parentId' });
      if (path.some((f) => f.id === id)) {
        throw new AppError(ErrorCode.FolderCycle, `Profile folder ${id} cannot be moved into itself or one of its sub-folders`, {
          field: 'parentId',
        });
      }
    }
    if (name !== folder.name || parentId !== folder.parent_id) await this.requireFreeName(parentId, name, id);
    await transaction(this.repo.db, async (trx) => {
      await this.repo.updateFolder(id, { name, parent_id: parentId }, trx);
      const edit = changedFields({ name: folder.name, parentId: folder.parent_id }, { name, parentId });
      await this.audit.record(trx, { by, action: 'profile-folder.update', object: folderObject(id, name), ...edit });
    });
    return toFolder((await this.repo.findFolder(id))!);
  }

  async remove(by: AuditContext, id: number): Promise<void> {
    const folder = await this.requireFolder(id);
    if (!(await this.repo.folderIsEmpty(id))) {
      throw new AppError(
        ErrorCode.ProfileFolderNotEmpty,
        `Profile folder ${id} is not empty; move or delete its profiles and sub-folders first`,
      );
    }
    await this.repo.deleteFolder(id, (trx) =>
      this.audit.record(trx, {
        by,
        action: 'profile-folder.delete',
        object: folderObject(id, folder.name),
        before: { name: folder.name, parentId: folder.parent_id },
      }),
    );
  }

  async requireFolder(id: number, field = 'id'): Promise<ProfileFolderRow> {
    const f = await this.repo.findFolder(id);
    if (!f) throw new AppError(ErrorCode.ProfileFolderNotFound, `Profile folder ${id} does not exist`, { field });
    return f;
  }

  /** The folder at `path` (names from the top), created where missing. */
  async ensurePath(path: readonly string[], db?: Db): Promise<number | null> {
    let parent: number | null = null;
    for (const name of path) {
      const found: ProfileFolderRow | undefined = await this.repo.findFolderByName(parent, name, db);
      parent = found ? found.id : await this.repo.insertFolder(name, parent, this.clock.now(), db);
    }
    return parent;
  }

  async pathOf(id: number | null): Promise<string[]> {
    return id === null ? [] : (await this.repo.folderPath(id)).map((f) => f.name);
  }

  private async requireFreeName(parentId: number | null, name: string, self: number | null): Promise<void> {
    const other = await this.repo.findFolderByName(parentId, name);
    if (other && other.id !== self)
      throw new AppError(ErrorCode.FolderNameTaken, `A profile folder named "${name}" exists here already`, { field: 'name' });
  }
}

const toFolder = (f: ProfileFolderRow): ProfileFolder => ({ id: f.id, name: f.name, parentId: f.parent_id });
