import { sql, type RawBuilder } from 'kysely';
import {
  ErrorCode,
  OBJECT_RIGHTS,
  type AccessNodeRef,
  type AccessObjectType,
  type GeneralRight,
  type ObjectRight,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import { TREE_OF } from './access.repository.js';
import { TREE_BY_NAME, treeNameOf, type ObjectAccess, type TreeName } from './object-access.js';
import type { ListFilter, TreeAccess } from './tree-access.js';
import { folderFilterSql, objectFilterSql, type TreeScope } from './list-filter-sql.js';

/** The not-found code and noun of each object type (the codes its own routes answer with). */
export const NOT_FOUND: Record<AccessObjectType, { code: ErrorCode; what: string }> = {
  device: { code: ErrorCode.DeviceNotFound, what: 'Device' },
  'device-folder': { code: ErrorCode.FolderNotFound, what: 'Folder' },
  profile: { code: ErrorCode.ProfileNotFound, what: 'Profile' },
  'profile-folder': { code: ErrorCode.ProfileFolderNotFound, what: 'Profile folder' },
  view: { code: ErrorCode.ViewNotFound, what: 'View' },
  'view-folder': { code: ErrorCode.ViewFolderNotFound, what: 'View folder' },
};

export const notFoundError = (ref: AccessNodeRef, field = 'params.id') => {
  const { code, what } = NOT_FOUND[ref.type];
  return new AppError(code, `${what} ${ref.id} does not exist`, { field });
};

/** The administrator a request acts for. */
export interface RightsActor {
  userId: number;
  superuser: boolean;
  generalRights: readonly GeneralRight[];
}

/** Objects of a bulk request, sorted by what the administrator may do with them. */
export interface Partitioned {
  allowed: number[];
  /** Visible (Browse) but the right is missing. */
  refused: number[];
  /** Missing, or not visible to this administrator (reported alike, so nothing leaks). */
  unknown: number[];
}

const CHUNK = 1000;
const list = (rights: ObjectRight | readonly ObjectRight[]) => (typeof rights === 'string' ? [rights] : rights);

/**
 * The access decisions of one request (ADR 0006). Every route that is not public or for
 * devices must make at least one through this object — a general right, an object right, a
 * list filter, or the explicit "any administrator" — or the answer is replaced by 403
 * (`installAccessControl`'s guard): a route that forgets to decide fails closed.
 *
 * An object the administrator may not browse is answered as missing (its own not-found code),
 * so its existence does not leak; a visible object without the right needed is 403 FORBIDDEN
 * naming the right.
 */
export class RequestRights {
  /** What decided access for this request, for the guard and the route-walking test. */
  decision: string | null = null;

  constructor(
    private readonly access: ObjectAccess,
    private readonly db: Db,
    readonly actor: RightsActor,
  ) {}

  get superuser(): boolean {
    return this.actor.superuser;
  }

  private decided(how: string) {
    this.decision ??= how;
  }

  /** The route is open to every administrator (own account, server identity). */
  anyAdministrator(why: string): void {
    this.decided(`any administrator: ${why}`);
  }

  hasGeneral(right: GeneralRight): boolean {
    return this.actor.superuser || this.actor.generalRights.includes(right);
  }

  /** 403 unless the administrator holds the general right. */
  general(right: GeneralRight): void {
    if (!this.hasGeneral(right)) throw new AppError(ErrorCode.Forbidden, `The general right ${right} is required`);
    this.decided(`general:${right}`);
  }

  /** The administrator's rights in a tree (lists and folder trees filter with it). */
  async tree(name: TreeName): Promise<TreeAccess> {
    const t = await this.access.tree(this.actor, name);
    this.decided(`tree:${name}`);
    return t;
  }

  /** How a list of the tree's objects keeps those the administrator has `right` on. */
  async listFilter(name: TreeName, right: ObjectRight = 'browse'): Promise<ListFilter> {
    if (this.actor.superuser) {
      this.decided('superuser');
      return { all: true };
    }
    return (await this.tree(name)).listFilter(right);
  }

  /**
   * What lists of the tree may show: the folders the administrator may browse (Browse implied
   * above its grants) and the objects it may browse, as SQL conditions on unqualified `id` /
   * `folder_id` / `parent_id` columns (null = no condition, for a superuser).
   */
  async scope(name: TreeName): Promise<TreeScope> {
    if (this.actor.superuser) {
      this.decided('superuser');
      return { folders: null, objects: null };
    }
    const t = await this.tree(name);
    return {
      folders: folderFilterSql(t.folderIdsWith('browse'), 'id'),
      objects: objectFilterSql(t.listFilter('browse'), 'id', 'folder_id'),
    };
  }

  /**
   * The objects condition of a list of one folder (`folderId`; null = top level; undefined = the
   * whole tree), narrowed to that folder: a folder the administrator may browse needs only its
   * own-entry exclusions, one it may not only its own-entry inclusions — so the database still
   * walks the folder's index instead of a condition over every allowed folder.
   */
  async objectsIn(name: TreeName, folderId: number | null | undefined, recursive: boolean): Promise<RawBuilder<boolean> | null> {
    const filter = await this.listFilter(name, 'browse');
    if (filter.all || folderId === undefined) return objectFilterSql(filter, 'id', 'folder_id');
    const kept = new Set(filter.folderIds);
    let folders: number[];
    let topLevel = false;
    if (folderId === null) {
      // The top level (recursive or not, the repository adds its own folder condition).
      folders = recursive ? filter.folderIds : [];
      topLevel = filter.includeTopLevel;
    } else {
      const within = recursive ? await this.access.subtree(name, folderId) : [folderId];
      folders = within.filter((f) => kept.has(f));
    }
    return objectFilterSql({ ...filter, folderIds: folders, includeTopLevel: topLevel }, 'id', 'folder_id');
  }

  /**
   * One object or folder: allowed when the administrator holds one of `rights` on it; else
   * 404 with the node's not-found code if it is missing or the administrator holds no right on
   * it at all (its existence does not leak), 403 naming the right otherwise.
   */
  async require(ref: AccessNodeRef, rights: ObjectRight | readonly ObjectRight[], field = 'params.id'): Promise<void> {
    if (this.actor.superuser) {
      this.decided('superuser');
      return;
    }
    const name = treeNameOf(ref.type);
    const tree = TREE_OF[ref.type];
    const isFolder = tree.folderType === ref.type;
    let folderId: number | null;
    if (isFolder) {
      if (!(await this.access.knowsFolder(name, ref.id))) throw notFoundError(ref, field);
      folderId = null;
    } else {
      const r = await sql<{ folder_id: number | null }>`select folder_id from ${sql.table(tree.objects)} where id = ${ref.id}`.execute(
        this.db,
      );
      const row = r.rows[0];
      if (!row) throw notFoundError(ref, field);
      folderId = row.folder_id === null ? null : Number(row.folder_id);
      if (folderId !== null && !(await this.access.knowsFolder(name, folderId))) throw notFoundError(ref, field);
    }
    const t = await this.tree(name);
    const has = (right: ObjectRight) => (isFolder ? t.folderAllowed(ref.id, right) : t.objectAllowed(ref.id, folderId, right));
    const wanted = list(rights);
    if (!wanted.some(has)) {
      // Rights are independent (ADR 0006): a node is hidden only from those who hold no right on it at all.
      if (!OBJECT_RIGHTS.some(has)) throw notFoundError(ref, field);
      throw new AppError(ErrorCode.Forbidden, `The ${wanted.join(' or ')} right on ${ref.type} ${ref.id} is required`, { field });
    }
    this.decided(`${ref.type}:${wanted.join('|')}`);
  }

  /** Every right the administrator holds on a node (404 if it holds none, as everywhere). */
  async mine(ref: AccessNodeRef): Promise<Record<ObjectRight, boolean>> {
    await this.require(ref, OBJECT_RIGHTS);
    if (this.actor.superuser) return Object.fromEntries(OBJECT_RIGHTS.map((r) => [r, true])) as Record<ObjectRight, boolean>;
    const t = await this.tree(treeNameOf(ref.type));
    const isFolder = TREE_OF[ref.type].folderType === ref.type;
    let folderId: number | null = null;
    if (!isFolder) {
      const r = await sql<{
        folder_id: number | null;
      }>`select folder_id from ${sql.table(TREE_OF[ref.type].objects)} where id = ${ref.id}`.execute(this.db);
      folderId = r.rows[0]?.folder_id == null ? null : Number(r.rows[0].folder_id);
    }
    return Object.fromEntries(
      OBJECT_RIGHTS.map((r) => [r, isFolder ? t.folderAllowed(ref.id, r) : t.objectAllowed(ref.id, folderId, r)]),
    ) as Record<ObjectRight, boolean>;
  }

  /**
   * A folder (or the top level, null) something is created in or moved to: `right` on it.
   * The top level of a tree carries no access list, so only a superuser may place things there.
   */
  async requireDestination(name: TreeName, folderId: number | null, right: ObjectRight, field: string): Promise<void> {
    if (this.actor.superuser) {
      this.decided('superuser');
      return;
    }
    if (folderId === null) {
      throw new AppError(ErrorCode.Forbidden, `Only a superuser may place objects at the top level (${field} is null)`, { field });
    }
    await this.require({ type: TREE_BY_NAME[name].folderType, id: folderId }, right, field);
  }

  /** Objects of one type sorted into allowed / refused / unknown for `rights` (any of them). */
  async partition(type: 'device' | 'profile', ids: readonly number[], rights: ObjectRight | readonly ObjectRight[]): Promise<Partitioned> {
    const tree = TREE_OF[type];
    const folderOf = new Map<number, number | null>();
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      const r = await sql<{ id: number; folder_id: number | null }>`select id, folder_id from ${sql.table(tree.objects)}
        where id in (${sql.join(chunk)})`.execute(this.db);
      for (const row of r.rows) folderOf.set(Number(row.id), row.folder_id === null ? null : Number(row.folder_id));
    }
    const out: Partitioned = { allowed: [], refused: [], unknown: [] };
    if (this.actor.superuser) {
      this.decided('superuser');
      for (const id of ids) (folderOf.has(id) ? out.allowed : out.unknown).push(id);
      return out;
    }
    const name = treeNameOf(type);
    // Folders created a moment ago (on another process) reload the snapshot once, before evaluating.
    const folderIds = new Set([...folderOf.values()].filter((f): f is number => f !== null));
    const known = new Set<number>();
    for (const f of folderIds) if (await this.access.knowsFolder(name, f)) known.add(f);
    const t = await this.tree(name);
    const wanted = list(rights);
    for (const id of ids) {
      const folderId = folderOf.get(id);
      if (folderId === undefined || (folderId !== null && !known.has(folderId)) || !t.objectAllowed(id, folderId, 'browse')) {
        out.unknown.push(id);
      } else if (wanted.some((r) => t.objectAllowed(id, folderId, r))) out.allowed.push(id);
      else out.refused.push(id);
    }
    return out;
  }
}

/** The request's decisions; only on routes for administrators ('authenticated' or a general right). */
export function rightsOf(req: { rights: RequestRights | null }): RequestRights {
  if (!req.rights) throw new AppError(ErrorCode.Unauthenticated, 'Log in first');
  return req.rights;
}
