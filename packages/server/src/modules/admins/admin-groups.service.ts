import {
  ErrorCode,
  type AdminGroup,
  type CreateAdminGroupRequest,
  type GroupMember,
  type UpdateAdminGroupRequest,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { isUniqueViolation } from '../../db/dialect.js';
import { AppError, notFound } from '../../lib/errors.js';
import type { Clock } from '../../lib/clock.js';
import { parseRights } from '../auth/auth.repository.js';
import type { AuthService } from '../auth/auth.service.js';
import type { AdminGroupsRepository, GroupRow, MemberRef } from './admin-groups.repository.js';
import type { AuditContext } from '../audit/audit-context.js';
import { changedFields, type AuditLog } from '../audit/audit-log.js';

/**
 * Groups of administrators. A group's members are administrators and other groups; a member
 * group's administrators get the group's rights too. A loop (a group nested in itself, at any
 * depth) is refused with 409 GROUP_CYCLE.
 */
export class AdminGroupsService {
  constructor(
    private readonly repo: AdminGroupsRepository,
    private readonly auth: AuthService,
    private readonly clock: Clock,
    /** Group changes (rights and members included) are recorded in their transaction. */
    private readonly audit: AuditLog,
  ) {}

  async listGroups(): Promise<{ items: AdminGroup[] }> {
    const rows = await this.repo.listGroups();
    const members = await this.repo.listMembers(rows.map((r) => r.id));
    return { items: rows.map((r) => toGroup(r, members)) };
  }

  async getGroup(id: number, db?: Db): Promise<AdminGroup> {
    const row = await this.repo.findGroupById(id, db);
    if (!row) throw notFound(ErrorCode.GroupNotFound, 'Group', id);
    return toGroup(row, await this.repo.listMembers([id], db));
  }

  async createGroup(by: AuditContext, req: CreateAdminGroupRequest): Promise<AdminGroup> {
    const members = req.members ?? [];
    const id = await this.writing(req.name, () =>
      this.repo.inMembershipTransaction(async (trx) => {
        const gid = await this.repo.insertGroup({ name: req.name, generalRights: req.generalRights ?? [], now: this.clock.now() }, trx);
        await this.addMembersIn(trx, gid, members);
        const after = await this.getGroup(gid, trx);
        await this.audit.record(trx, { by, action: 'admin-group.create', object: groupObject(after), after: groupOf(after) });
        return gid;
      }),
    );
    this.auth.accountsChanged(await this.repo.listAffectedAdminIds(id));
    return this.getGroup(id);
  }

  async updateGroup(by: AuditContext, id: number, req: UpdateAdminGroupRequest): Promise<AdminGroup> {
    await this.writing(req.name ?? '', () =>
      this.repo.inMembershipTransaction(async (trx) => {
        const before = await this.getGroup(id, trx);
        await this.repo.updateGroup(id, req, trx);
        const after = await this.getGroup(id, trx);
        const edit = changedFields(groupOf(before), groupOf(after));
        await this.audit.record(trx, { by, action: 'admin-group.update', object: groupObject(after), ...edit });
      }),
    );
    if (req.generalRights !== undefined) this.auth.accountsChanged(await this.repo.listAffectedAdminIds(id));
    return this.getGroup(id);
  }

  async deleteGroup(by: AuditContext, id: number): Promise<void> {
    if (!(await this.repo.findGroupById(id))) throw notFound(ErrorCode.GroupNotFound, 'Group', id);
    const before = await this.getGroup(id);
    const affected = await this.repo.listAffectedAdminIds(id);
    await this.repo.deleteGroup(id, (trx) =>
      this.audit.record(trx, { by, action: 'admin-group.delete', object: groupObject(before), before: groupOf(before) }),
    );
    this.auth.accountsChanged(affected);
  }

  async addMembers(by: AuditContext, id: number, members: GroupMember[]): Promise<AdminGroup> {
    await this.repo.inMembershipTransaction(async (trx) => {
      const before = await this.getGroup(id, trx);
      await this.addMembersIn(trx, id, members);
      const after = await this.getGroup(id, trx);
      const edit = changedFields(groupOf(before), groupOf(after));
      await this.audit.record(trx, { by, action: 'admin-group.update', object: groupObject(after), ...edit });
    });
    this.auth.accountsChanged(await this.repo.listAffectedAdminIds(id));
    return this.getGroup(id);
  }

  async removeMember(by: AuditContext, id: number, member: MemberRef): Promise<AdminGroup> {
    if (!(await this.repo.findGroupById(id))) throw notFound(ErrorCode.GroupNotFound, 'Group', id);
    const affected = await this.repo.listAffectedAdminIds(id);
    await this.repo.inMembershipTransaction(async (trx) => {
      const before = await this.getGroup(id, trx);
      if (!(await this.repo.removeMember(id, member, trx))) {
        throw new AppError(
          member.type === 'admin' ? ErrorCode.AdminNotFound : ErrorCode.GroupNotFound,
          `${member.type === 'admin' ? 'Administrator' : 'Group'} ${member.id} is not a member of group ${id}`,
        );
      }
      const after = await this.getGroup(id, trx);
      const edit = changedFields(groupOf(before), groupOf(after));
      await this.audit.record(trx, { by, action: 'admin-group.update', object: groupObject(after), ...edit });
    });
    this.auth.accountsChanged(affected);
    return this.getGroup(id);
  }

  /** Checks every member exists and no group would contain itself, then adds them (in `trx`). */
  private async addMembersIn(trx: Db, groupId: number, members: GroupMember[]): Promise<void> {
    for (const type of ['admin', 'group'] as const) {
      const ids = [...new Set(members.filter((m) => m.type === type).map((m) => m.id))];
      const found = await this.repo.existingIds(type, ids, trx);
      const missing = ids.find((i) => !found.has(i));
      if (missing !== undefined) {
        throw type === 'admin'
          ? notFound(ErrorCode.AdminNotFound, 'Administrator', missing)
          : notFound(ErrorCode.GroupNotFound, 'Group', missing);
      }
    }
    for (const m of members) {
      // Adding group C to P closes a loop when P is C or is nested (at any depth) in C.
      if (m.type === 'group' && (await this.repo.listNestedGroupIds(m.id, trx)).has(groupId)) {
        throw new AppError(ErrorCode.GroupCycle, `Group ${m.id} contains group ${groupId} (or is it): adding it would make a loop`, {
          groupId,
          memberGroupId: m.id,
        });
      }
      await this.repo.addMember(groupId, m, trx);
    }
  }

  private async writing<T>(name: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err)) {
        throw new AppError(ErrorCode.GroupNameTaken, `A group named ${JSON.stringify(name.slice(0, 128))} exists`, { field: 'body.name' });
      }
      throw err;
    }
  }
}

const groupObject = (g: AdminGroup) => ({ type: 'admin-group', id: g.id, name: g.name });
const groupOf = (g: AdminGroup): Record<string, unknown> => ({ name: g.name, generalRights: g.generalRights, members: g.members });

function toGroup(r: GroupRow, members: Array<MemberRef & { groupId: number }>): AdminGroup {
  return {
    id: Number(r.id),
    name: r.name,
    generalRights: parseRights(r.general_rights),
    members: members.filter((m) => m.groupId === Number(r.id)).map((m) => ({ type: m.type, id: m.id })),
    createdAt: new Date(Number(r.created_at)).toISOString(),
  };
}
