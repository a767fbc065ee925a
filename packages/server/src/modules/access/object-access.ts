import { sql } from 'kysely';
import type { AccessNodeRef, AccessObjectType } from '@openums/protocol';
import type { Db } from '../../db/database.js';
import type { Clock } from '../../lib/clock.js';
import { masksToRights } from './access-masks.js';
import { TREE_OF, type AccessTree } from './access.repository.js';
import { evaluateAccess, type AclEntry, type AclNode, type AdminPrincipals, type EffectiveRights } from './evaluate.js';
import { resolveGroups } from './groups.js';
import { evaluateTree, type TreeAccess } from './tree-access.js';

/** The trees rights are evaluated in. */
export type TreeName = 'device' | 'profile' | 'view';
export const TREE_BY_NAME: Record<TreeName, AccessTree> = { device: TREE_OF.device, profile: TREE_OF.profile, view: TREE_OF.view };
export const treeNameOf = (type: AccessObjectType): TreeName => TREE_OF[type].objectType as TreeName;

/** Everything about one tree that evaluation needs, for every principal. */
interface TreeSnapshot {
  folders: Map<number, number | null>;
  /** folder id → its direct sub-folders (subtrees for recursive lists). */
  children: Map<number, number[]>;
  folderEntries: Map<number, AclEntry[]>;
  /** Objects with entries of their own, with their folder. */
  objects: Array<{ id: number; folderId: number | null; entries: AclEntry[] }>;
  objectsById: Map<number, { id: number; folderId: number | null; entries: AclEntry[] }>;
  loadedAt: number;
  generation: number;
}

/**
 * A snapshot is re-read at most this long after it was loaded even without a message: the
 * repair for a lost cluster-bus message, like the session cache (changes made on this process
 * and announced ones drop it at once).
 */
const MAX_AGE_MS = 5_000;
/** An unknown folder reloads a snapshot at most once per this period. */
const RELOAD_ON_MISS_MS = 250;
/** Evaluated trees kept per process (one per administrator and tree). */
const EVALUATED_MAX = 2_000;

/**
 * Object rights for requests (ADR 0006): a per-process snapshot of each tree's folders and
 * access entries (every principal's), evaluated per administrator with `evaluateTree` and
 * memoised until the snapshot changes. Nothing evaluated is stored in the database.
 * Invalidation: `changed(tree)` after a committed change on this process (access lists, folder
 * create/move/delete, objects with entries moved), the `access` / `admins` bus messages for
 * changes on other processes, and MAX_AGE_MS as the catch-up.
 */
export class ObjectAccess {
  private readonly snapshots = new Map<TreeName, Promise<TreeSnapshot>>();
  private readonly generations: Record<TreeName, number> = { device: 0, profile: 0, view: 0 };
  private readonly principals = new Map<number, Promise<ReadonlySet<number>>>();
  private principalsLoadedAt = 0;
  private readonly evaluated = new Map<string, TreeAccess>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Tells the other processes (bus `access` message) after a change made here. */
    private readonly announce: (objectType: AccessObjectType, ids: number[]) => void = () => undefined,
  ) {}

  /** A committed change on this process (an access list, or the tree's folders when no object is named): drop the tree here and tell the others. */
  changed(tree: TreeName, objectType: AccessObjectType = TREE_BY_NAME[tree].folderType, ids: number[] = []): void {
    this.forgetTree(tree);
    this.announce(objectType, ids);
  }

  /** A change announced by another process (or found stale here). */
  forgetTree(tree: TreeName): void {
    this.generations[tree]++;
    this.snapshots.delete(tree);
  }

  /** Group memberships changed: every administrator's groups are re-read. */
  forgetPrincipals(): void {
    this.principals.clear();
    this.evaluated.clear();
  }

  /** The administrator's rights in one tree. */
  async tree(admin: { userId: number; superuser: boolean }, name: TreeName): Promise<TreeAccess> {
    const snap = await this.snapshot(name);
    const key = `${name}:${admin.userId}:${admin.superuser ? 's' : ''}:${snap.generation}`;
    const hit = this.evaluated.get(key);
    if (hit) return hit;
    const groupIds = admin.superuser ? new Set<number>() : await this.groupsOf(admin.userId);
    const principals: AdminPrincipals = { adminId: admin.userId, superuser: admin.superuser, groupIds };
    const access = evaluateTree(principals, { folders: snap.folders, folderEntries: snap.folderEntries, objects: snap.objects });
    if (this.evaluated.size >= EVALUATED_MAX) this.evaluated.clear();
    this.evaluated.set(key, access);
    return access;
  }

  /**
   * Every right of an administrator on one node with its reason (`evaluateAccess`), from the
   * snapshot: no database read but the administrator's groups (cached). `folderId` is an
   * object's folder (ignored for a folder, whose parent the snapshot knows).
   */
  async explain(admin: { id: number; superuser: boolean }, ref: AccessNodeRef, folderId: number | null): Promise<EffectiveRights> {
    const name = treeNameOf(ref.type);
    const tree = TREE_BY_NAME[name];
    const groupIds = admin.superuser ? new Set<number>() : await this.groupsOf(admin.id);
    const principals: AdminPrincipals = { adminId: admin.id, superuser: admin.superuser, groupIds };
    const snap = await this.snapshot(name);
    const isFolder = ref.type === tree.folderType;
    const folderNode = (id: number): AclNode => ({ ref: { type: tree.folderType, id }, entries: snap.folderEntries.get(id) ?? [] });
    const ancestors = (from: number | null, stop: number | null): number[] => {
      const chain: number[] = [];
      for (let f = from; f !== null && f !== stop && chain.length <= snap.folders.size; f = snap.folders.get(f) ?? null) chain.unshift(f);
      return chain;
    };
    const start = isFolder ? (snap.folders.get(ref.id) ?? null) : folderId;
    const own = isFolder ? (snap.folderEntries.get(ref.id) ?? []) : (snap.objectsById.get(ref.id)?.entries ?? []);
    const path: AclNode[] = [...ancestors(start, null).map(folderNode), { ref, entries: own }];
    const below: AclNode[][] = [];
    if (isFolder) {
      const inside = new Set(await this.subtree(name, ref.id));
      for (const f of inside) {
        if (f !== ref.id && snap.folderEntries.has(f)) below.push(ancestors(f, ref.id).map(folderNode));
      }
      for (const o of snap.objects) {
        if (o.folderId !== null && inside.has(o.folderId)) {
          below.push([...ancestors(o.folderId, ref.id).map(folderNode), { ref: { type: tree.objectType, id: o.id }, entries: o.entries }]);
        }
      }
    }
    return evaluateAccess(principals, path, below);
  }

  /** The folder and every folder below it, from the snapshot (a corrupt tree's cycle ends the walk). */
  async subtree(name: TreeName, folderId: number): Promise<number[]> {
    const { children } = await this.snapshot(name);
    const out = [folderId];
    const seen = new Set(out);
    for (let i = 0; i < out.length; i++) {
      for (const c of children.get(out[i]!) ?? []) {
        if (seen.has(c)) continue;
        seen.add(c);
        out.push(c);
      }
    }
    return out;
  }

  /** Whether the snapshot knows the folder; an unknown one (created elsewhere a moment ago) reloads it once. */
  async knowsFolder(name: TreeName, folderId: number): Promise<boolean> {
    const snap = await this.snapshot(name);
    if (snap.folders.has(folderId)) return true;
    // A folder that really is missing must not reload the tree on every call.
    if (this.clock.now() - snap.loadedAt < RELOAD_ON_MISS_MS) return false;
    this.forgetTree(name);
    return (await this.snapshot(name)).folders.has(folderId);
  }

  private snapshot(name: TreeName): Promise<TreeSnapshot> {
    const cached = this.snapshots.get(name);
    if (cached) {
      return cached.then((s) => {
        if (this.clock.now() - s.loadedAt <= MAX_AGE_MS || this.snapshots.get(name) !== cached) return s;
        this.forgetTree(name);
        return this.snapshot(name);
      });
    }
    const generation = this.generations[name];
    const loading = this.load(name, generation);
    this.snapshots.set(name, loading);
    // A failed read is not kept: the next request tries again.
    loading.catch(() => {
      if (this.snapshots.get(name) === loading) this.snapshots.delete(name);
    });
    return loading;
  }

  private async groupsOf(adminId: number): Promise<ReadonlySet<number>> {
    if (this.clock.now() - this.principalsLoadedAt > MAX_AGE_MS) {
      this.principals.clear();
      this.principalsLoadedAt = this.clock.now();
    }
    let p = this.principals.get(adminId);
    if (!p) {
      p = this.loadGroups(adminId);
      this.principals.set(adminId, p);
      p.catch(() => this.principals.delete(adminId));
    }
    return p;
  }

  private async loadGroups(adminId: number): Promise<ReadonlySet<number>> {
    const rows = await this.db.selectFrom('admin_group_members').select(['group_id', 'member_admin_id', 'member_group_id']).execute();
    const direct: number[] = [];
    const parents = new Map<number, number[]>();
    for (const r of rows) {
      if (r.member_admin_id !== null && Number(r.member_admin_id) === adminId) direct.push(Number(r.group_id));
      if (r.member_group_id !== null) {
        const child = Number(r.member_group_id);
        const list = parents.get(child);
        if (list) list.push(Number(r.group_id));
        else parents.set(child, [Number(r.group_id)]);
      }
    }
    // A loop in the membership data (refused on write) does not stop resolution.
    return resolveGroups(direct, parents).groupIds;
  }

  private async load(name: TreeName, generation: number): Promise<TreeSnapshot> {
    const tree = TREE_BY_NAME[name];
    const loadedAt = this.clock.now();
    const [folderRows, entryRows] = await Promise.all([
      sql<{ id: number; parent_id: number | null }>`select id, parent_id from ${sql.table(tree.folders)}`.execute(this.db),
      sql<{
        object_type: string;
        object_id: number;
        principal_type: 'admin' | 'group';
        principal_id: number;
        allow_mask: number;
        deny_mask: number;
        folder_id: number | null;
      }>`select e.object_type, e.object_id, e.principal_type, e.principal_id, e.allow_mask, e.deny_mask, o.folder_id
         from access_entries e left join ${sql.table(tree.objects)} o on e.object_type = ${tree.objectType} and o.id = e.object_id
         where e.object_type in (${tree.folderType}, ${tree.objectType})`.execute(this.db),
    ]);
    const folders = new Map<number, number | null>();
    for (const r of folderRows.rows) folders.set(Number(r.id), r.parent_id === null ? null : Number(r.parent_id));
    const folderEntries = new Map<number, AclEntry[]>();
    const objects = new Map<number, { id: number; folderId: number | null; entries: AclEntry[] }>();
    for (const r of entryRows.rows) {
      const entry: AclEntry = {
        principal: { type: r.principal_type, id: Number(r.principal_id) },
        rights: masksToRights({ allow: Number(r.allow_mask), deny: Number(r.deny_mask) }),
      };
      const id = Number(r.object_id);
      if (r.object_type === tree.folderType) {
        if (!folders.has(id)) continue; // the folder was deleted after its entries were read
        const list = folderEntries.get(id);
        if (list) list.push(entry);
        else folderEntries.set(id, [entry]);
        continue;
      }
      const folderId = r.folder_id === null ? null : Number(r.folder_id);
      if (folderId !== null && !folders.has(folderId)) continue;
      const o = objects.get(id);
      if (o) o.entries.push(entry);
      else objects.set(id, { id, folderId, entries: [entry] });
    }
    const children = new Map<number, number[]>();
    for (const [id, parent] of folders) {
      if (parent === null) continue;
      const list = children.get(parent);
      if (list) list.push(id);
      else children.set(parent, [id]);
    }
    return { folders, children, folderEntries, objects: [...objects.values()], objectsById: objects, loadedAt, generation };
  }
}
