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
import type { AccessRepository, EntryRow } from './access.repository.js';
import type { AclEntry } from './evaluate.js';
import type { ObjectAccess } from './object-access.js';
import { notFoundError } from './request-rights.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';

const principalKey = (type: string, id: number) => `${type}:${id}`;
const toAclEntry = (r: EntryRow): AclEntry => ({
  principal: { type: r.principal_type, id: r.principal_id },
  rights: masksToRights({ allow: r.allow_mask, deny: r.deny_mask }),
});

/**
 * Object access lists (ADR 0006): read and replace the list of one device, device folder,
 * profile or profile folder, and explain an administrator's effective rights on it (from the
 * per-process snapshot of ObjectAccess); a change is announced after its commit through
 * `onChanged`.
 */
export class AccessService {
  constructor(
    private readonly repo: AccessRepository,
    private readonly audit: Pick<AuditLog, 'record'>,
    /** Announces a committed change (drops the rights snapshots here, tells the other processes). */
    private readonly onChanged: (objectType: AccessObjectType, ids: number[]) => void,
    /** Effective rights are explained from the per-process snapshot (object-access.ts). */
    private readonly snapshot: Pick<ObjectAccess, 'explain'>,
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
      const key = principalKey(e.principal.type, e.principal.id);
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
    return { adminId, object: ref, rights: await this.snapshot.explain(admin, ref, node.parentId) };
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
