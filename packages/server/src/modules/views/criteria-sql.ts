import { sql, type RawBuilder } from 'kysely';
import {
  ErrorCode,
  viewCidrRange,
  viewDateMs,
  viewFieldDef,
  viewIpKey,
  viewVersionKey,
  type ViewAttributeDefs,
  type ViewCriteria,
  type ViewCriterion,
} from '@openums/protocol';
import { viewSql, type DialectName, type ViewSql } from '../../db/dialect.js';
import { AppError } from '../../lib/errors.js';
import { RegexNotLinear, viewRegExp } from '../../lib/linear-regex.js';
import { inFolderSubtree } from '../device-folders/device-folders.repository.js';
import { DAY_MS, deviceFieldColumn, isTextKind, normalizeMacValue } from './device-fields.js';
import { attributeCriterion, configChangesCriterion, profileCriterion } from './criteria-related-sql.js';

type Cond = RawBuilder<boolean>;

export interface CriteriaContext {
  dialect: DialectName;
  /** The server's clock, for relative dates. */
  now: number;
  /** Device attribute definitions by identifier, for `attribute:<identifier>` (loaded once per evaluation). */
  attributes?: ViewAttributeDefs;
  /** Folder subtrees read beforehand (`readCriteriaSubtrees`) by root; a root not here is walked in the statement. */
  subtrees?: ReadonlyMap<number, readonly number[]>;
}

/**
 * Checked criteria (`checkViewCriteria`) as one condition on unqualified `devices` columns.
 * Every criterion is two-valued (true or false, never NULL), so `not` and `ne` mean what the
 * in-memory evaluator (criteria-memory.ts) computes: an empty field matches no comparison, and
 * `ne` and `not` match it.
 */
export function criteriaSql(criteria: ViewCriteria, ctx: CriteriaContext, path = 'body.criteria'): Cond {
  const d = viewSql(ctx.dialect);
  // Operands cheapest first (`rowCost`), in the given order among equals; paths keep the given index.
  const operands = (xs: ViewCriteria[], at: string) =>
    xs
      .map((x, i) => ({ cond: walk(x, `${at}.${i}`), cost: rowCost(x, ctx) }))
      .sort((a, b) => a.cost - b.cost)
      .map((o) => o.cond);
  const walk = (c: ViewCriteria, at: string): Cond => {
    if ('and' in c) return sql<boolean>`(${sql.join(operands(c.and, `${at}.and`), sql` and `)})`;
    if ('or' in c) return sql<boolean>`(${sql.join(operands(c.or, `${at}.or`), sql` or `)})`;
    if ('not' in c) return sql<boolean>`(not ${walk(c.not, `${at}.not`)})`;
    return criterion(c, at, d, ctx);
  };
  return walk(criteria, path);
}

/**
 * A rough cost per row of a criterion, to put cheap operands first: SQLite evaluates AND/OR
 * operands in the order written and stops at the first that decides, so at 1,000,000 devices a
 * regular expression (a JavaScript call per row there, ~1.3 µs) written first cost seconds.
 * Reordering changes no answer: every criterion is two-valued and has no side effect.
 * PostgreSQL orders quals by its own cost estimates anyway.
 */
function rowCost(c: ViewCriteria, ctx: CriteriaContext): number {
  if ('and' in c) return c.and.reduce((n, x) => n + rowCost(x, ctx), 0);
  if ('or' in c) return c.or.reduce((n, x) => n + rowCost(x, ctx), 0);
  if ('not' in c) return rowCost(c.not, ctx);
  if (c.op === 'regex') return 8;
  const kind = viewFieldDef(c.field, ctx.attributes)?.kind;
  // Semi-joins (attributes, profiles, configChanges) and folder subtrees probe another table.
  if (c.field.includes(':') || c.field === 'profile' || c.field === 'configChanges' || c.op === 'inFolder') return 4;
  if (c.op === 'contains' || c.op === 'startsWith' || c.op === 'endsWith') return 2;
  // Text compared through lower(); versions and IPs compare stored keys, dates and flags numbers.
  return (kind === 'text' || kind === 'mac') && c.caseSensitive !== true && c.op !== 'isEmpty' ? 1 : 0;
}

function criterion(c: ViewCriterion, at: string, d: ViewSql, ctx: CriteriaContext): Cond {
  const def = viewFieldDef(c.field, ctx.attributes);
  if (!def) {
    // Checked criteria name known fields; an attribute deleted since a view was saved does not.
    const field = `${at}.field`;
    const message = `${field} names a device attribute that does not exist (any more): '${c.field.slice(0, 80)}'`;
    throw new AppError(ErrorCode.ViewCriteriaInvalid, message, { field, issues: [{ field, message }] });
  }
  if (def.attribute) return attributeCriterion(c, at, def.attribute, d, ctx.now);
  if (c.field === 'profile') return profileCriterion(c);
  if (c.field === 'configChanges') return configChangesCriterion(c);
  const kind = def.kind;
  const { column, neverIsZero, keyColumn } = deviceFieldColumn(c.field);
  const stored = d.storedKeys && keyColumn ? sql.ref(keyColumn) : null;
  const col = sql.ref(column);
  const present = neverIsZero ? sql<boolean>`${col} <> 0` : sql<boolean>`${col} is not null`;
  const is = (cond: Cond) => sql<boolean>`(${present} and ${cond})`;
  const isNot = (cond: Cond) => sql<boolean>`(not ${present} or not ${cond})`;
  const v = c.value;

  if (c.op === 'isEmpty') {
    const empty = neverIsZero || !isTextKind(kind) ? sql<boolean>`(not ${present})` : sql<boolean>`(${col} is null or ${col} = '')`;
    return v === false ? sql<boolean>`(not ${empty})` : empty;
  }
  switch (kind) {
    case 'boolean':
      return c.op === 'eq' ? sql<boolean>`(${col} = ${v ? 1 : 0})` : sql<boolean>`(${col} <> ${v ? 1 : 0})`;
    case 'folder': {
      if (c.op === 'inFolder') {
        const f = v as { id: number; recursive?: boolean };
        return f.recursive ? is(inFolderSubtree(column, f.id, ctx.subtrees?.get(f.id))) : is(sql<boolean>`${col} = ${f.id}`);
      }
      return c.op === 'eq' ? is(sql<boolean>`${col} = ${v as number}`) : isNot(sql<boolean>`${col} = ${v as number}`);
    }
    case 'date':
      return is(dateCond(c, col, ctx.now));
  }
  // Text kinds. Versions and IP addresses compare through their sortable keys.
  if (c.op === 'inCidr') {
    const [lo, hi] = viewCidrRange(v as string)!;
    return keyRange(stored ?? sql`openums_ip_key(${col})`, d, '>=', lo, '<=', hi);
  }
  const ordered = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between'].includes(c.op);
  if (kind === 'version' && ordered) return keyed(c, stored ?? sql`openums_version_key(${col})`, d, (x) => viewVersionKey(x)!);
  if (kind === 'ip' && ordered && c.op !== 'eq' && c.op !== 'ne')
    return keyed(c, stored ?? sql`openums_ip_key(${col})`, d, (x) => viewIpKey(x)!);

  const cs = c.caseSensitive === true;
  if (c.op === 'regex') {
    try {
      viewRegExp(v as string, cs);
    } catch (err) {
      if (err instanceof RegexNotLinear) {
        const field = `${at}.value`;
        const message = `${field} cannot be evaluated in linear time: ${err.message}`;
        throw new AppError(ErrorCode.ViewCriteriaInvalid, message, { field, issues: [{ field, message }] });
      }
      throw err;
    }
    return is(d.regex(col, v as string, cs));
  }
  const value = (x: unknown) => (kind === 'mac' ? normalizeMacValue(x as string) : (x as string));
  const f = (e: RawBuilder<unknown>) => (cs ? e : sql`lower(${e})`);
  const a = f(col);
  const b = (x: unknown) => f(str(value(x)));
  switch (c.op) {
    case 'eq':
      return is(sql<boolean>`${a} = ${b(v)}`);
    case 'ne':
      return isNot(sql<boolean>`${a} = ${b(v)}`);
    case 'contains':
      return is(d.contains(a, b(v)));
    case 'startsWith':
      return is(sql<boolean>`substr(${a}, 1, length(${b(v)})) = ${b(v)}`);
    case 'endsWith':
      return is(sql<boolean>`(length(${a}) >= length(${b(v)}) and substr(${a}, length(${a}) - length(${b(v)}) + 1) = ${b(v)})`);
    case 'between': {
      const [lo, hi] = v as [string, string];
      return is(sql<boolean>`(${d.binary(a)} >= ${d.binary(b(lo))} and ${d.binary(a)} <= ${d.binary(b(hi))})`);
    }
    default:
      return is(sql<boolean>`${d.binary(a)} ${sql.raw(CMP[c.op]!)} ${d.binary(b(v))}`);
  }
}

const CMP: Record<string, string> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };
/** A text parameter typed as text, so PostgreSQL can choose among overloads (length, lower). */
const str = (x: string) => sql<string>`cast(${x} as text)`;

function keyRange(key: RawBuilder<unknown>, d: ViewSql, op1: string, v1: string, op2: string, v2: string): Cond {
  const k = d.binary(key);
  return sql<boolean>`(${key} is not null and ${k} ${sql.raw(op1)} ${d.binary(str(v1))} and ${k} ${sql.raw(op2)} ${d.binary(str(v2))})`;
}

/** eq/ne/lt/…/between on a sortable key; values were checked to have one. */
function keyed(c: ViewCriterion, key: RawBuilder<unknown>, d: ViewSql, keyOf: (v: string) => string): Cond {
  const k = d.binary(key);
  const val = (x: unknown) => d.binary(str(keyOf(x as string)));
  if (c.op === 'between') {
    const [lo, hi] = c.value as [string, string];
    return keyRange(key, d, '>=', keyOf(lo), '<=', keyOf(hi));
  }
  if (c.op === 'ne') return sql<boolean>`(${key} is null or ${k} <> ${val(c.value)})`;
  const op = c.op === 'eq' ? '=' : CMP[c.op]!;
  return sql<boolean>`(${key} is not null and ${k} ${sql.raw(op)} ${val(c.value)})`;
}

function dateCond(c: ViewCriterion, col: RawBuilder<unknown>, now: number): Cond {
  const v = c.value;
  switch (c.op) {
    case 'withinLastDays':
      return sql<boolean>`${col} >= ${now - (v as number) * DAY_MS}`;
    case 'moreThanDaysAgo':
      return sql<boolean>`${col} < ${now - (v as number) * DAY_MS}`;
    case 'betweenDaysAgo': {
      const [n, m] = v as [number, number];
      return sql<boolean>`(${col} >= ${now - m * DAY_MS} and ${col} <= ${now - n * DAY_MS})`;
    }
    case 'between': {
      const [a, b] = v as [string, string];
      return sql<boolean>`(${col} >= ${viewDateMs(a)!} and ${col} <= ${viewDateMs(b)!})`;
    }
    default:
      return sql<boolean>`${col} ${sql.raw(CMP[c.op]!)} ${viewDateMs(v)!}`;
  }
}
