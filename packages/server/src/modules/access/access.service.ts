import {
  ErrorCode,
  type AccessList,
  type AccessNodeRef,
  type AccessObjectType,
  type EffectiveAccess,
  type PrincipalType,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { AppError } from '../../lib/errors.js';
import { masksToRights, rightsToMasks } from './access-masks.js';
import { TREE_OF, isFolderType, type AccessRepository, type EntryRow, type PrincipalSet } from './access.repository.js';
import { evaluateAccess, type AclEntry, type AclNode, type EffectiveRights } from './evaluate.js';
import { resolveGroups } from './groups.js';
import type { ObjectAccess } from './object-access.js';
import { notFoundError } from './request-rights.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';

const nodeKey = (type: string, id: number) => `${type}:${id}`;
const toAclEntry = (r: EntryRow): AclEntry => ({
  principal: { type: r.principal_type, id: r.principal_id },
  rights: masksToRights({ allow: r.allow_mask, deny: r.deny_mask }),
});

/**
 * Object access lists (ADR 0006): read and replace the list of one device, device folder,
 * profile or profile folder, and explain an administrator's effective rights on it. Rights are
 * evaluated by `evaluate.ts` from rows read per request (no cache yet); a change is announced
 * after its commit through `onChanged` (the cluster bus), so caches added later can drop it.
 */
export class AccessService {
  constructor(
    private readonly repo: AccessRepository,
    private readonly audit: Pick<AuditLog, 'record'>,
    private readonly onChanged: (objectType: AccessObjectType, ids: number[]) => void = () => undefined,
    /** Explains from the per-process snapshot (no reads of the tree per request) when given. */
    private readonly snapshot: Pick<ObjectAccess, 'explain'> | null = null,
  ) {}

  /** The node's list. The caller has decided access (read or accessControl on the node). */
  async getList(ref: AccessNodeRef): Promise<AccessList> {
    await this.requireNode(ref);
    return { entries: (await this.repo.listEntries(ref)).map(toAclEntry) };
  }

  /**
   * Replaces the whole list in one transaction. Refused, with nothing changed: a principal given
   * twice (400 naming the second), a principal that does not exist (404 ADMIN_NOT_FOUND /
   * GROUP_NOT_FOUND naming it), the object gone (its own not-found code).
   */
  async putList(ref: AccessNodeRef, list: AccessList, by: AuditContext): Promise<AccessList> {
    await this.requireNode(ref);
    const seen = new Map<string, number>();
    list.entries.forEach((e, i) => {
      const key = nodeKey(e.principal.type, e.principal.id);
      const first = seen.get(key);
      if (first !== undefined) {
        const field = `body.entries.${i}.principal`;
        throw new AppError(
          ErrorCode.ValidationFailed,
          `${field} repeats the principal of body.entries.${first} (${e.principal.type} ${e.principal.id}); give each principal once`,
          { field, issues: [{ field, message: `${field} repeats body.entries.${first}.principal` }] },
        );
      }
      seen.set(key, i);
    });
    const entries = await this.repo.inListTransaction(async (trx) => {
      await this.requireNode(ref, trx);
      for (const type of ['admin', 'group'] as const) await this.requirePrincipals(list, type, trx);
      const before = (await this.repo.listEntries(ref, trx)).map(toAclEntry);
      await this.repo.replaceEntries(
        ref,
        list.entries.map((e) => {
          const { allow, deny } = rightsToMasks(e.rights);
          return { principalType: e.principal.type, principalId: e.principal.id, allow, deny };
        }),
        trx,
      );
      const after = await this.repo.listEntries(ref, trx);
      // A change of rights is on record with the list before and after, in the same transaction.
      await this.audit.record(trx, {
        by,
        action: 'access.update',
        object: { type: ref.type, id: ref.id },
        before,
        after: after.map(toAclEntry),
      });
      return after;
    });
    this.onChanged(ref.type, [ref.id]);
    return { entries: entries.map(toAclEntry) };
  }

  /** Names of the principals on the node's list: accounts as `user` or `user@DOMAIN`, groups by name. */
  async principalNames(ref: AccessNodeRef): Promise<Array<{ type: PrincipalType; id: number; name: string }>> {
    await this.requireNode(ref);
    return this.repo.listPrincipalNames(ref);
  }

  /** Every right of `adminId` on the node, each with the entry that decided it. The caller has decided access. */
  async effective(ref: AccessNodeRef, adminId: number): Promise<EffectiveAccess> {
    const node = await this.requireNode(ref);
    const admin = await this.repo.findAdmin(adminId);
    if (!admin) {
      throw new AppError(ErrorCode.AdminNotFound, `Administrator ${adminId} does not exist`, { field: 'query.adminId' });
    }
    const rights = this.snapshot
      ? await this.snapshot.explain(admin, ref, node.parentId)
      : await this.evaluate(admin, ref, node.parentId, true);
    return { adminId, object: ref, rights };
  }

  private async evaluate(
    admin: { id: number; superuser: boolean },
    ref: AccessNodeRef,
    parentId: number | null,
    withBelow: boolean,
  ): Promise<EffectiveRights> {
    if (admin.superuser) return evaluateAccess({ adminId: admin.id, superuser: true, groupIds: new Set() }, [{ ref, entries: [] }]);
    const [direct, parents] = await Promise.all([this.repo.listDirectGroupIds(admin.id), this.repo.listGroupParents()]);
    // A loop in the membership data (refused on write) does not stop resolution.
    const { groupIds } = resolveGroups(direct, parents);
    const principals: PrincipalSet = { adminId: admin.id, groupIds: [...groupIds] };
    const tree = TREE_OF[ref.type];
    const folderIds = parentId === null ? [] : await this.repo.listFolderChain(tree, parentId);
    const byNode = new Map<string, AclEntry[]>();
    const add = (r: EntryRow) => {
      const key = nodeKey(r.object_type, r.object_id);
      const list = byNode.get(key);
      if (list) list.push(toAclEntry(r));
      else byNode.set(key, [toAclEntry(r)]);
    };
    for (const r of await this.repo.listEntriesOnPath(tree, folderIds, ref, principals)) add(r);
    const path: AclNode[] = [
      ...folderIds.map((id): AclNode => ({ ref: { type: tree.folderType, id }, entries: byNode.get(nodeKey(tree.folderType, id)) ?? [] })),
      { ref, entries: byNode.get(nodeKey(ref.type, ref.id)) ?? [] },
    ];
    const below: AclNode[][] = [];
    if (withBelow && isFolderType(ref.type)) {
      const { parents: folderParents, entries } = await this.repo.listBelow(tree, ref.id, principals);
      const folderNode = (id: number): AclNode => ({
        ref: { type: tree.folderType, id },
        entries: byNode.get(nodeKey(tree.folderType, id)) ?? [],
      });
      for (const e of entries) add(e);
      const seen = new Set<string>();
      for (const e of entries) {
        const key = nodeKey(e.object_type, e.object_id);
        if (seen.has(key)) continue;
        seen.add(key);
        // From the node with the entry up to just below the folder asked about.
        const chain: AclNode[] = [{ ref: { type: e.object_type as AccessObjectType, id: e.object_id }, entries: byNode.get(key)! }];
        let up = e.parent_id;
        while (up !== null && up !== ref.id && chain.length <= 1000) {
          chain.unshift(folderNode(up));
          up = folderParents.get(up) ?? null;
        }
        if (up === ref.id) below.push(chain);
      }
    }
    return evaluateAccess({ adminId: admin.id, superuser: false, groupIds }, path, below);
  }

  private async requireNode(ref: AccessNodeRef, db?: Db) {
    const node = await this.repo.findNodeParent(ref, db);
    if (!node) throw notFoundError(ref);
    return node;
  }

  private async requirePrincipals(list: AccessList, type: PrincipalType, db: Db) {
    const at = list.entries.map((e, i) => [e, i] as const).filter(([e]) => e.principal.type === type);
    const found = await this.repo.existingPrincipalIds(
      type,
      at.map(([e]) => e.principal.id),
      db,
    );
    const missing = at.find(([e]) => !found.has(e.principal.id));
    if (!missing) return;
    const [e, i] = missing;
    throw new AppError(
      type === 'admin' ? ErrorCode.AdminNotFound : ErrorCode.GroupNotFound,
      `${type === 'admin' ? 'Administrator' : 'Group'} ${e.principal.id} (body.entries.${i}.principal) does not exist`,
      { field: `body.entries.${i}.principal.id` },
    );
  }
}
