import {
  checkViewCriteria,
  DEFAULT_FOLDER_RULE_REFUSED_FIELDS,
  DEFAULT_FOLDER_RULES_MAX,
  ErrorCode,
  type CreateDefaultFolderRuleRequest,
  type DefaultFolderRule,
  type DefaultFolderRuleList,
  type FolderRuleTarget,
  type FolderRuleTargetMode,
  type UpdateDefaultFolderRuleRequest,
  type ViewAttributeDefs,
  type ViewCriteria,
} from '@openums/protocol';
import type { Db } from '../../db/database.js';
import { toIso, type Clock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import type { AuditContext } from '../audit/audit-context.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { DefaultFolderRulesRepository, RuleRow } from './default-folder-rules.repository.js';
import { loadViewAttributes, namesAttributes } from '../views/view-attributes.js';
import type { CompiledRule } from './rule-evaluation.js';
import { transaction } from '../../db/transaction.js';

/** The rules as one process holds them, with the version stamp they were read at. */
export interface RuleSet {
  version: string;
  roots: CompiledRule[];
  count: number;
  /** Some rule is applied at boot (else hellos need no look at all). */
  hasBootRules: boolean;
  /** Some rule names a device attribute (else attribute values are never read). */
  usesAttributes: boolean;
  /** The attribute definitions by identifier, when some rule names one (re-read with every stamp check). */
  attributes?: ViewAttributeDefs;
  /**
   * The rules' target folders (and per-subnet parents) that exist, re-read with every stamp
   * check: enrollment places by it without a query (a folder deleted since is caught by the
   * foreign key, and that enrollment is retried without rules).
   */
  existingFolders?: ReadonlySet<number>;
}

const EMPTY: RuleSet = { version: '', roots: [], count: 0, hasBootRules: false, usesAttributes: false };

/**
 * The rule tree: changes (each in a transaction with its audit entry and a new version stamp in
 * the database) and the per-process cache evaluation reads. The cache re-reads the stamp at most
 * once per `maxAgeMs` and the rules only when it changed, so a change on another process of the
 * cluster applies there within that time without any bus message.
 */
export class DefaultFolderRulesService {
  private cache: (RuleSet & { checkedAt: number }) | null = null;
  private loading: Promise<RuleSet> | null = null;

  constructor(
    private readonly repo: DefaultFolderRulesRepository,
    private readonly clock: Clock,
    private readonly audit: AuditLog,
  ) {}

  /** The current rules (cached; the stamp is checked when the copy is older than `maxAgeMs`). */
  async ruleSet(maxAgeMs = 1000): Promise<RuleSet> {
    const now = this.clock.now();
    if (this.cache && now - this.cache.checkedAt <= maxAgeMs && now >= this.cache.checkedAt) return this.cache;
    this.loading ??= (async () => {
      try {
        const version = await this.repo.readVersion();
        const same = this.cache?.version === version ? this.cache : null;
        const set = same ?? { ...compile(version === '' ? [] : await this.repo.listRules()), version };
        // Definitions change apart from the rules (a type, a deletion): read again with every check.
        const attributes = set.usesAttributes ? await loadViewAttributes(this.repo.db, { field: 'attribute:' }) : undefined;
        const existingFolders = new Set(await this.repo.existingFolderIds(targetFolders(set.roots)));
        this.cache = { ...set, ...(attributes ? { attributes } : {}), existingFolders, checkedAt: now };
        return this.cache;
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  async list(): Promise<DefaultFolderRuleList> {
    const rows = await this.repo.listRules();
    const byParent = childrenOf(rows);
    const out: DefaultFolderRule[] = [];
    const walk = (parent: number | null) => {
      for (const r of byParent.get(parent) ?? []) {
        out.push(toRule(r));
        walk(r.id);
      }
    };
    walk(null);
    return { items: out };
  }

  async get(id: number): Promise<DefaultFolderRule> {
    return toRule(await this.require(id, 'params.id'));
  }

  async create(by: AuditContext, input: CreateDefaultFolderRuleRequest): Promise<DefaultFolderRule> {
    const criteria = await checkCriteria(this.repo.db, input.criteria);
    const id = await this.change(async (trx) => {
      if ((await this.repo.countRules(trx)) >= DEFAULT_FOLDER_RULES_MAX)
        throw new AppError(ErrorCode.ValidationFailed, `At most ${DEFAULT_FOLDER_RULES_MAX} default folder rules`, { field: 'body' });
      const parentId = input.parentId ?? null;
      if (parentId !== null) await this.require(parentId, 'body.parentId', trx);
      const target = await this.checkTarget(input.target, trx);
      const now = this.clock.now();
      const siblings = await this.repo.listSiblingIds(parentId, trx);
      const newId = await this.repo.insertRule(
        {
          parent_id: parentId,
          position: siblings.length,
          name: input.name.trim(),
          criteria_json: JSON.stringify(criteria),
          target_mode: target.mode,
          target_folder_id: target.folderId,
          prefix_length: target.prefixLength,
          overrides_existing: input.overridesExistingFolder ? 1 : 0,
          apply_at_boot: input.applyAtBoot ? 1 : 0,
          leave_in_subfolder: input.leaveInSubfolder ? 1 : 0,
          created_at: now,
          updated_at: now,
        },
        trx,
      );
      if (input.position !== undefined && input.position < siblings.length) await this.renumber(parentId, newId, input.position, trx);
      const after = toRule((await this.repo.findRule(newId, trx))!);
      await this.audit.record(trx, { by, action: 'default-folder-rule.create', object: ruleObject(after), after: auditShape(after) });
      return newId;
    });
    return this.get(id);
  }

  async update(by: AuditContext, id: number, input: UpdateDefaultFolderRuleRequest): Promise<DefaultFolderRule> {
    const criteria = input.criteria === undefined ? undefined : await checkCriteria(this.repo.db, input.criteria);
    await this.change(async (trx) => {
      const row = await this.require(id, 'params.id', trx);
      const before = toRule(row);
      const parentId = input.parentId === undefined ? row.parent_id : input.parentId;
      if (parentId !== row.parent_id && parentId !== null) {
        await this.require(parentId, 'body.parentId', trx);
        if (await this.isInSubtree(parentId, id, trx))
          throw new AppError(ErrorCode.DefaultFolderRuleCycle, `Rule ${id} cannot be moved below itself or one of its own rules`, {
            field: 'body.parentId',
          });
      }
      const target = input.target === undefined ? null : await this.checkTarget(input.target, trx);
      await this.repo.updateRule(
        id,
        {
          ...(input.name !== undefined ? { name: input.name.trim() } : {}),
          ...(criteria !== undefined ? { criteria_json: JSON.stringify(criteria) } : {}),
          ...(target ? { target_mode: target.mode, target_folder_id: target.folderId, prefix_length: target.prefixLength } : {}),
          ...(input.overridesExistingFolder !== undefined ? { overrides_existing: input.overridesExistingFolder ? 1 : 0 } : {}),
          ...(input.applyAtBoot !== undefined ? { apply_at_boot: input.applyAtBoot ? 1 : 0 } : {}),
          ...(input.leaveInSubfolder !== undefined ? { leave_in_subfolder: input.leaveInSubfolder ? 1 : 0 } : {}),
          parent_id: parentId,
          updated_at: this.clock.now(),
        },
        trx,
      );
      if (parentId !== row.parent_id || input.position !== undefined) {
        // Close the gap among the old siblings, then insert at the wanted place among the new ones.
        if (parentId !== row.parent_id) await this.renumber(row.parent_id, null, 0, trx);
        await this.renumber(parentId, id, input.position ?? Number.MAX_SAFE_INTEGER, trx);
      }
      const after = toRule((await this.repo.findRule(id, trx))!);
      await this.audit.record(trx, {
        by,
        action: 'default-folder-rule.update',
        object: ruleObject(after),
        before: auditShape(before),
        after: auditShape(after),
      });
    });
    return this.get(id);
  }

  /** Deletes the rule with every rule below it. */
  async delete(by: AuditContext, id: number): Promise<void> {
    await this.change(async (trx) => {
      const row = await this.require(id, 'params.id', trx);
      const rows = await this.repo.listRules(trx);
      const byParent = childrenOf(rows);
      const gone: number[] = [];
      const walk = (r: number) => {
        gone.push(r);
        for (const c of byParent.get(r) ?? []) walk(c.id);
      };
      walk(id);
      await this.repo.deleteRules(gone, trx);
      await this.renumber(row.parent_id, null, 0, trx);
      await this.audit.record(trx, {
        by,
        action: 'default-folder-rule.delete',
        object: ruleObject(row),
        before: { ...auditShape(toRule(row)), ...(gone.length > 1 ? { deletedBelow: gone.slice(1) } : {}) },
      });
    });
  }

  /** A change: its transaction bumps the version stamp; this process forgets its copy at once. `work` may run more than once (db/transaction.ts). */
  private async change<T>(work: (trx: Db) => Promise<T>): Promise<T> {
    try {
      return await transaction(this.repo.db, async (trx) => {
        const result = await work(trx);
        await this.repo.bumpVersion(trx);
        return result;
      });
    } finally {
      this.cache = null;
    }
  }

  /** Siblings of `parentId` renumbered 0…n-1, with `placed` (if any) moved to `at`. */
  private async renumber(parentId: number | null, placed: number | null, at: number, trx: Db): Promise<void> {
    const rows = (await this.repo.listRules(trx))
      .filter((r) => r.parent_id === parentId)
      .sort((a, b) => a.position - b.position || a.id - b.id);
    const ordered = rows.map((r) => r.id).filter((x) => x !== placed);
    if (placed !== null) ordered.splice(Math.min(at, ordered.length), 0, placed);
    await this.repo.setPositions(ordered, new Map(rows.map((r) => [r.id, r.position])), trx);
  }

  private async isInSubtree(candidate: number, root: number, trx: Db): Promise<boolean> {
    const parents = new Map((await this.repo.listRules(trx)).map((r) => [r.id, r.parent_id]));
    for (let at: number | null | undefined = candidate, steps = 0; at != null && steps <= parents.size; at = parents.get(at), steps++)
      if (at === root) return true;
    return false;
  }

  private async require(id: number, field: string, db?: Db): Promise<RuleRow> {
    const row = await this.repo.findRule(id, db);
    if (!row)
      throw new AppError(
        ErrorCode.DefaultFolderRuleNotFound,
        field === 'params.id' ? `Default folder rule ${id} does not exist` : `${field}: default folder rule ${id} does not exist`,
        { field },
      );
    return row;
  }

  private async checkTarget(
    t: FolderRuleTarget,
    db: Db,
  ): Promise<{ mode: FolderRuleTargetMode; folderId: number | null; prefixLength: number | null }> {
    const folderId = t.folderId ?? null;
    if (t.mode === 'none') return { mode: 'none', folderId: null, prefixLength: null };
    if (t.mode === 'folder' && folderId === null)
      throw new AppError(ErrorCode.ValidationFailed, 'body.target.folderId is required when body.target.mode is folder', {
        field: 'body.target.folderId',
      });
    if (t.mode === 'perSubnet' && (t.prefixLength ?? null) === null)
      throw new AppError(ErrorCode.ValidationFailed, 'body.target.prefixLength (1 to 32) is required when body.target.mode is perSubnet', {
        field: 'body.target.prefixLength',
      });
    if (folderId !== null && !(await this.repo.findFolder(folderId, db)))
      throw new AppError(ErrorCode.FolderNotFound, `body.target.folderId: folder ${folderId} does not exist`, {
        field: 'body.target.folderId',
      });
    return { mode: t.mode, folderId, prefixLength: t.mode === 'perSubnet' ? t.prefixLength! : null };
  }
}

/** The views' check plus the fields rules refuse; 400 VIEW_CRITERIA_INVALID naming the path. */
export async function checkCriteria(db: Db, criteria: unknown, path = 'body.criteria'): Promise<ViewCriteria> {
  const problem = checkViewCriteria(criteria, path, await loadViewAttributes(db, criteria));
  if (problem) throw new AppError(ErrorCode.ViewCriteriaInvalid, problem.message, { field: problem.field });
  const refused = findField(criteria as ViewCriteria, path, (f) => DEFAULT_FOLDER_RULE_REFUSED_FIELDS.includes(f));
  if (refused)
    throw new AppError(
      ErrorCode.ViewCriteriaInvalid,
      `${refused.at} '${refused.field}' cannot be a rule criterion: rules decide the folder, and assignments follow from it`,
      { field: refused.at },
    );
  return criteria as ViewCriteria;
}

/** The first criterion whose field satisfies `pred`, with its path. */
export function findField(c: ViewCriteria, at: string, pred: (field: string) => boolean): { field: string; at: string } | null {
  if ('and' in c) return c.and.reduce<{ field: string; at: string } | null>((f, x, i) => f ?? findField(x, `${at}.and.${i}`, pred), null);
  if ('or' in c) return c.or.reduce<{ field: string; at: string } | null>((f, x, i) => f ?? findField(x, `${at}.or.${i}`, pred), null);
  if ('not' in c) return findField(c.not, `${at}.not`, pred);
  return pred(c.field) ? { field: c.field, at: `${at}.field` } : null;
}

function childrenOf(rows: readonly RuleRow[]): Map<number | null, RuleRow[]> {
  const m = new Map<number | null, RuleRow[]>();
  for (const r of rows) m.set(r.parent_id, [...(m.get(r.parent_id) ?? []), r]);
  for (const list of m.values()) list.sort((a, b) => a.position - b.position || a.id - b.id);
  return m;
}

/** The rows as the in-memory tree evaluation walks. */
export function compile(rows: readonly RuleRow[]): Omit<RuleSet, 'version'> {
  const byParent = childrenOf(rows);
  let hasBootRules = false;
  let usesAttributes = false;
  const build = (parent: number | null, depth: number): CompiledRule[] =>
    depth > DEFAULT_FOLDER_RULES_MAX
      ? []
      : (byParent.get(parent) ?? []).map((r) => {
          const criteria = JSON.parse(r.criteria_json) as ViewCriteria;
          const attrs = namesAttributes(criteria);
          hasBootRules ||= r.apply_at_boot === 1;
          usesAttributes ||= attrs;
          return {
            id: r.id,
            parentId: r.parent_id,
            position: r.position,
            name: r.name,
            criteria,
            target: { mode: r.target_mode as FolderRuleTargetMode, folderId: r.target_folder_id, prefixLength: r.prefix_length },
            overridesExistingFolder: r.overrides_existing === 1,
            applyAtBoot: r.apply_at_boot === 1,
            leaveInSubfolder: r.leave_in_subfolder === 1,
            usesAttributes: attrs,
            children: build(r.id, depth + 1),
          };
        });
  const roots = build(null, 0);
  return { roots, count: rows.length, hasBootRules, usesAttributes };
}

export const emptyRuleSet = EMPTY;

/** Every folder a rule of the tree names (targets and per-subnet parents). */
function targetFolders(roots: readonly CompiledRule[]): number[] {
  const out = new Set<number>();
  const walk = (rules: readonly CompiledRule[]) => {
    for (const r of rules) {
      if (r.target.folderId !== null) out.add(r.target.folderId);
      walk(r.children);
    }
  };
  walk(roots);
  return [...out];
}

function toRule(r: RuleRow): DefaultFolderRule {
  return {
    id: r.id,
    parentId: r.parent_id,
    position: r.position,
    name: r.name,
    criteria: JSON.parse(r.criteria_json) as ViewCriteria,
    target: { mode: r.target_mode as FolderRuleTargetMode, folderId: r.target_folder_id, prefixLength: r.prefix_length },
    overridesExistingFolder: r.overrides_existing === 1,
    applyAtBoot: r.apply_at_boot === 1,
    leaveInSubfolder: r.leave_in_subfolder === 1,
    createdAt: toIso(r.created_at)!,
    updatedAt: toIso(r.updated_at)!,
  };
}

const ruleObject = (r: { id: number; name: string }) => ({ type: 'default-folder-rule', id: r.id, name: r.name });
const auditShape = (r: DefaultFolderRule) => {
  const { createdAt: _c, updatedAt: _u, id: _i, ...rest } = r;
  return rest;
};
