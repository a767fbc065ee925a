import { ErrorCode, MAX_PAGE_LIMIT, type CreateJobFolderRequest, type JobFolder, type UpdateJobFolderRequest } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { exclusiveWriteLock, isUniqueViolation, type DialectName } from '../../db/dialect.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { decodeCursor, toPage } from '../../lib/cursor.js';
import { AppError } from '../../lib/errors.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { JobFoldersRepository } from './job-folders.repository.js';
import type { JobFolderRow } from './jobs.tables.js';
import { transaction } from '../../db/transaction.js';

const toFolder = (f: JobFolderRow): JobFolder => ({ id: f.id, name: f.name, parentId: f.parent_id, createdAt: toIso(f.created_at)! });

/**
 * Job folders nest (docs/jobs.md#folders): a name is unique among its siblings; a move under
 * itself or one of its sub-folders is FOLDER_CYCLE; a folder with sub-folders is not deleted
 * (FOLDER_NOT_EMPTY), and the jobs of a deleted folder move to its parent (or to no folder).
 * Changes of the tree are serialised (a table lock on PostgreSQL; SQLite serialises writers),
 * so two moves at once cannot make a cycle.
 */
export class JobFoldersService {
  constructor(
    private readonly repo: JobFoldersRepository,
    private readonly db: Db,
    private readonly dialect: DialectName,
    private readonly audit: Pick<AuditLog, 'record'>,
    private readonly clock: Clock,
  ) {}

  /** By id; 1,000 a page unless `limit` says otherwise. */
  async list(q: { limit?: number; cursor?: string }) {
    const limit = q.limit ?? MAX_PAGE_LIMIT;
    const after = q.cursor ? (decodeCursor(q.cursor, 'job-folders', ['number'])[0] as number) : 0;
    const { page, nextCursor } = toPage(await this.repo.listFolders(after, limit + 1), limit, 'job-folders', (f) => [f.id]);
    return { items: page.map(toFolder), nextCursor };
  }

  async get(id: number): Promise<JobFolder> {
    return toFolder(await this.require(id));
  }

  /** 404 naming `field` unless the folder exists. */
  async require(id: number, field = 'params.id', db?: Db): Promise<JobFolderRow> {
    const f = await this.repo.findFolder(id, db);
    if (!f) throw new AppError(ErrorCode.JobFolderNotFound, `Job folder ${id} does not exist`, { field });
    return f;
  }

  async create(by: AuditContext, body: CreateJobFolderRequest): Promise<JobFolder> {
    const parentId = body.parentId ?? null;
    const id = await this.write(async (trx) => {
      if (parentId !== null) await this.require(parentId, 'body.parentId', trx);
      const fid = await this.repo.insertFolder(body.name, parentId, this.clock.now(), trx);
      await this.audit.record(trx, {
        by,
        action: 'job-folder.create',
        object: { type: 'job-folder', id: fid, name: body.name },
        after: body,
      });
      return fid;
    });
    return this.get(id);
  }

  async update(by: AuditContext, id: number, patch: UpdateJobFolderRequest): Promise<JobFolder> {
    await this.write(async (trx) => {
      const before = await this.require(id, 'params.id', trx);
      if (patch.parentId !== undefined && patch.parentId !== null) {
        await this.require(patch.parentId, 'body.parentId', trx);
        if ((await this.repo.ancestorsOf(patch.parentId, trx)).includes(id))
          throw new AppError(ErrorCode.FolderCycle, `Job folder ${id} cannot be moved into itself or one of its sub-folders`, {
            field: 'body.parentId',
          });
      }
      await this.repo.updateFolder(
        id,
        {
          ...(patch.name !== undefined ? { name: patch.name } : {}),
          ...(patch.parentId !== undefined ? { parent_id: patch.parentId } : {}),
        },
        trx,
      );
      await this.audit.record(trx, {
        by,
        action: 'job-folder.update',
        object: { type: 'job-folder', id, name: patch.name ?? before.name },
        before: toFolder(before),
        after: patch,
      });
    });
    return this.get(id);
  }

  /** Refused while it has sub-folders; its jobs move to its parent (or to no folder). */
  async remove(by: AuditContext, id: number): Promise<void> {
    await this.write(async (trx) => {
      const f = await this.require(id, 'params.id', trx);
      if (await this.repo.hasChildren(id, trx))
        throw new AppError(ErrorCode.FolderNotEmpty, `Job folder ${id} has sub-folders: delete or move them first`, { field: 'params.id' });
      await this.repo.deleteFolder(id, f.parent_id, trx);
      await this.audit.record(trx, {
        by,
        action: 'job-folder.delete',
        object: { type: 'job-folder', id, name: f.name },
        before: toFolder(f),
      });
    });
  }

  /** A change of the tree in one transaction, serialised; a sibling of the same name → 400 naming `body.name`. `fn` may run more than once (db/transaction.ts). */
  private async write<T>(fn: (trx: Db) => Promise<T>): Promise<T> {
    try {
      return await transaction(this.db, async (trx) => {
        const lock = exclusiveWriteLock(this.dialect, 'job_folders');
        if (lock) await lock.execute(trx);
        return fn(trx as unknown as Db);
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError(ErrorCode.ValidationFailed, 'A job folder of that name exists in that folder', { field: 'body.name' });
      throw err;
    }
  }
}
