import {
  viewCidrRange,
  viewDateMs,
  viewFieldDef,
  viewIpKey,
  viewVersionKey,
  type ViewAttributeDefs,
  type ViewCriteria,
  type ViewCriterion,
} from '@openums/protocol';
import { viewRegexTest } from '../../lib/linear-regex.js';
import type { DeviceRow } from '../devices/devices.repository.js';
import { DAY_MS, deviceFieldColumn, isTextKind, normalizeMacValue } from './device-fields.js';
import { attributeMatches, configChangesMatches, profileMatches, type RelatedMemoryContext } from './criteria-related-memory.js';

export interface MemoryContext extends RelatedMemoryContext {
  /** The server's clock, for relative dates. */
  now: number;
  /** A folder's parent (null at the top level; undefined: no such folder), for recursive inFolder. */
  parentOf(folderId: number): number | null | undefined;
  /** Device attribute definitions by identifier, for `attribute:<identifier>`. */
  attributes?: ViewAttributeDefs;
}

/**
 * Checked criteria evaluated on one device row, with the semantics criteria-sql.ts gives the
 * databases (the property test holds them to each other): text lower-cased unless
 * caseSensitive, comparisons byte-wise, an empty field matches no comparison but `ne` and `not`.
 */
export function matchesCriteria(criteria: ViewCriteria, row: DeviceRow, ctx: MemoryContext): boolean {
  if ('and' in criteria) return criteria.and.every((c) => matchesCriteria(c, row, ctx));
  if ('or' in criteria) return criteria.or.some((c) => matchesCriteria(c, row, ctx));
  if ('not' in criteria) return !matchesCriteria(criteria.not, row, ctx);
  return matchesCriterion(criteria, row, ctx);
}

function matchesCriterion(c: ViewCriterion, row: DeviceRow, ctx: MemoryContext): boolean {
  const def = viewFieldDef(c.field, ctx.attributes)!;
  if (def.attribute) return attributeMatches(c, def.attribute, row, ctx);
  if (c.field === 'profile') return profileMatches(c, row, ctx);
  if (c.field === 'configChanges') return configChangesMatches(c, row);
  const kind = def.kind;
  const { column, neverIsZero } = deviceFieldColumn(c.field);
  const raw = row[column] as string | number | null;
  const present = neverIsZero ? raw !== 0 : raw !== null;
  const v = c.value;
  if (c.op === 'isEmpty') {
    const empty = !present || (isTextKind(kind) && raw === '');
    return v === false ? !empty : empty;
  }
  if (kind === 'boolean') return c.op === 'eq' ? raw === (v ? 1 : 0) : raw !== (v ? 1 : 0);
  if (kind === 'folder') {
    if (c.op === 'inFolder') {
      const f = v as { id: number; recursive?: boolean };
      if (!present) return false;
      if (!f.recursive) return raw === f.id;
      for (let at: number | null | undefined = raw as number; at != null; at = ctx.parentOf(at)) if (at === f.id) return true;
      return false;
    }
    return c.op === 'eq' ? present && raw === v : !present || raw !== v;
  }
  if (kind === 'date') return present && dateMatches(c, raw as number, ctx.now);

  const text = raw as string | null;
  if (c.op === 'inCidr') {
    const [lo, hi] = viewCidrRange(v as string)!;
    const k = viewIpKey(text);
    return k !== null && k >= lo && k <= hi;
  }
  const ordered = ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between'].includes(c.op);
  if (kind === 'version' && ordered) return keyed(c, viewVersionKey(text), (x) => viewVersionKey(x)!);
  if (kind === 'ip' && ordered && c.op !== 'eq' && c.op !== 'ne') return keyed(c, viewIpKey(text), (x) => viewIpKey(x)!);

  const cs = c.caseSensitive === true;
  if (c.op === 'ne') return !present || fold(text!, cs) !== fold(value(kind, v), cs);
  if (!present) return false;
  if (c.op === 'regex') return viewRegexTest(v as string, text!, cs);
  const a = fold(text!, cs);
  const b = (x: unknown) => fold(value(kind, x), cs);
  switch (c.op) {
    case 'eq':
      return a === b(v);
    case 'contains':
      return a.includes(b(v));
    case 'startsWith':
      return a.startsWith(b(v));
    case 'endsWith':
      return a.endsWith(b(v));
    case 'between': {
      const [lo, hi] = v as [string, string];
      return compare(a, b(lo)) >= 0 && compare(a, b(hi)) <= 0;
    }
    default:
      return cmp(c.op, compare(a, b(v)));
  }
}

const fold = (s: string, cs: boolean) => (cs ? s : s.toLowerCase());
const value = (kind: string, x: unknown) => (kind === 'mac' ? normalizeMacValue(x as string) : (x as string));

/** Byte-wise UTF-8 order, as the databases compare (`collate "C"`, SQLite BINARY). */
function compare(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function cmp(op: string, c: number): boolean {
  return op === 'lt' ? c < 0 : op === 'lte' ? c <= 0 : op === 'gt' ? c > 0 : op === 'gte' ? c >= 0 : c === 0;
}

function keyed(c: ViewCriterion, key: string | null, keyOf: (v: string) => string): boolean {
  if (c.op === 'ne') return key === null || key !== keyOf(c.value as string);
  if (key === null) return false;
  if (c.op === 'between') {
    const [lo, hi] = c.value as [string, string];
    return compare(key, keyOf(lo)) >= 0 && compare(key, keyOf(hi)) <= 0;
  }
  return cmp(c.op, compare(key, keyOf(c.value as string)));
}

function dateMatches(c: ViewCriterion, t: number, now: number): boolean {
  const v = c.value;
  switch (c.op) {
    case 'withinLastDays':
      return t >= now - (v as number) * DAY_MS;
    case 'moreThanDaysAgo':
      return t < now - (v as number) * DAY_MS;
    case 'betweenDaysAgo': {
      const [n, m] = v as [number, number];
      return t >= now - m * DAY_MS && t <= now - n * DAY_MS;
    }
    case 'between': {
      const [a, b] = v as [string, string];
      return t >= viewDateMs(a)! && t <= viewDateMs(b)!;
    }
    default:
      return cmp(c.op, t - viewDateMs(v)!);
  }
}
