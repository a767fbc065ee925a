import { viewDateMs, type ViewAttributeDef, type ViewCriterion } from '@openums/protocol';
import { viewRegexTest } from '../../lib/linear-regex.js';
import type { DeviceRow } from '../devices/devices.repository.js';
import { DAY_MS } from './device-fields.js';

/**
 * What the in-memory evaluator needs beyond the device row, for the criteria on related
 * tables (criteria-related-sql.ts gives the databases the same semantics).
 */
export interface RelatedMemoryContext {
  now: number;
  parentOf(folderId: number): number | null | undefined;
  /** A device's value of an attribute (by attribute id), if it has one. */
  attributeValue?(deviceId: number, attributeId: number): string | undefined;
  /** Profiles assigned to the device itself. */
  deviceProfiles?(deviceId: number): readonly number[];
  /** Profiles assigned to a folder itself. */
  folderProfiles?(folderId: number): readonly number[];
}

const compare = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
const cmp = (op: string, c: number) =>
  op === 'lt' ? c < 0 : op === 'lte' ? c <= 0 : op === 'gt' ? c > 0 : op === 'gte' ? c >= 0 : c === 0;

/** `attribute:<identifier>` on one device. */
export function attributeMatches(c: ViewCriterion, attribute: ViewAttributeDef, row: DeviceRow, ctx: RelatedMemoryContext): boolean {
  const raw = ctx.attributeValue?.(row.id, attribute.id);
  const present = raw !== undefined && raw !== '';
  if (c.op === 'isEmpty') return c.value === false ? present : !present;
  if (c.op === 'ne') return !present || !attributeMatches({ ...c, op: 'eq' }, attribute, row, ctx);
  if (!present) return false;
  switch (attribute.type) {
    case 'number': {
      const n = Number(raw);
      if (c.op === 'between') {
        const [lo, hi] = c.value as [number, number];
        return n >= lo && n <= hi;
      }
      return cmp(c.op, n - (c.value as number));
    }
    case 'range':
      return raw === c.value;
    case 'date':
      return dayMatches(c, Date.parse(`${raw}T00:00:00Z`), ctx.now);
    case 'string':
      return textMatches(c, raw);
  }
}

function dayMatches(c: ViewCriterion, t: number, now: number): boolean {
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

function textMatches(c: ViewCriterion, text: string): boolean {
  const cs = c.caseSensitive === true;
  if (c.op === 'regex') return viewRegexTest(c.value as string, text, cs);
  const fold = (s: string) => (cs ? s : s.toLowerCase());
  const a = fold(text);
  const b = (x: unknown) => fold(x as string);
  switch (c.op) {
    case 'eq':
      return a === b(c.value);
    case 'contains':
      return a.includes(b(c.value));
    case 'startsWith':
      return a.startsWith(b(c.value));
    case 'endsWith':
      return a.endsWith(b(c.value));
    case 'between': {
      const [lo, hi] = c.value as [string, string];
      return compare(a, b(lo)) >= 0 && compare(a, b(hi)) <= 0;
    }
    default:
      return cmp(c.op, compare(a, b(c.value)));
  }
}

/** The profiles that reach a device: its own and those of its folder and every folder above. */
function profilesReaching(row: DeviceRow, ctx: RelatedMemoryContext): Set<number> {
  const out = new Set(ctx.deviceProfiles?.(row.id) ?? []);
  for (let f: number | null | undefined = row.folder_id; f != null; f = ctx.parentOf(f)) {
    for (const p of ctx.folderProfiles?.(f) ?? []) out.add(p);
  }
  return out;
}

/** `profile` on one device. */
export function profileMatches(c: ViewCriterion, row: DeviceRow, ctx: RelatedMemoryContext): boolean {
  const reaching = profilesReaching(row, ctx);
  if (c.op === 'isEmpty') return c.value === false ? reaching.size > 0 : reaching.size === 0;
  const has = reaching.has(c.value as number);
  return c.op === 'eq' ? has : !has;
}

/** `configChanges` on one device. */
export function configChangesMatches(c: ViewCriterion, row: DeviceRow): boolean {
  const pending = row.config_state === 'PENDING';
  return c.op === 'eq' ? pending === c.value : pending !== c.value;
}
