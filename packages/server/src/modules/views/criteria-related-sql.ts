import { sql, type RawBuilder } from 'kysely';
import { ErrorCode, viewDateMs, type ViewAttributeDef, type ViewCriterion } from '@openums/protocol';
import type { ViewSql } from '../../db/dialect.js';
import { AppError } from '../../lib/errors.js';
import { RegexNotLinear, viewRegExp } from '../../lib/linear-regex.js';
import { DAY_MS } from './device-fields.js';

/*
 * Criteria on what the device row does not hold itself: device attribute values
 * (`attribute:<identifier>`), assigned profiles (`profile`) and the delivery state
 * (`configChanges`). Each is one semi-join (`id in (select …)`) evaluated once per query through
 * an index, never a round trip per device; like the column criteria, each is two-valued.
 */

type Cond = RawBuilder<boolean>;

// ── device attributes ─────────────────────────────────────────────────────────

/**
 * Devices with a value of `attribute` meeting `cond` (on `v.value`): the (attribute_id, value)
 * index narrows to the attribute (and, for equality, prefixes and ranges, to the values).
 */
const withValue = (attribute: ViewAttributeDef, cond: Cond): Cond =>
  sql<boolean>`(id in (select v.device_id from device_attribute_values v where v.attribute_id = ${attribute.id} and ${cond}))`;
const VALUE = sql.ref('v.value');

/**
 * A criterion on a device attribute. Values are text: numbers compare as numbers, dates
 * (`yyyy-mm-dd`, midnight UTC) as instants, string attributes as the text fields do, range values
 * exactly. A device without a value matches no comparison but `ne`, `not` and `isEmpty`.
 */
export function attributeCriterion(c: ViewCriterion, at: string, attribute: ViewAttributeDef, d: ViewSql, now: number): Cond {
  const has = (cond: Cond) => withValue(attribute, cond);
  if (c.op === 'isEmpty') {
    const empty = sql<boolean>`(not ${has(sql<boolean>`v.value <> ''`)})`;
    return c.value === false ? sql<boolean>`(not ${empty})` : empty;
  }
  if (c.op === 'ne') return sql<boolean>`(not ${has(equals(c, attribute, d))})`;
  switch (attribute.type) {
    case 'number':
      return has(numberCond(c, attribute));
    case 'date':
      return has(dayCond(c, now));
    case 'range':
      return has(equals(c, attribute, d));
    case 'string':
      return has(textCond(c, at, d));
  }
}

function equals(c: ViewCriterion, attribute: ViewAttributeDef, d: ViewSql): Cond {
  const eq = { ...c, op: 'eq' as const };
  if (attribute.type === 'number') return numberCond(eq, attribute);
  if (attribute.type === 'range') return sql<boolean>`${VALUE} = ${str(c.value as string)}`;
  return textCond(eq, '', d);
}

const CMP: Record<string, string> = { lt: '<', lte: '<=', gt: '>', gte: '>=', eq: '=' };
/** A text parameter typed as text, so PostgreSQL can choose among overloads (length, lower). */
const str = (x: string) => sql<string>`cast(${x} as text)`;

function numberCond(c: ViewCriterion, attribute: ViewAttributeDef): Cond {
  // Only this attribute's values are cast (all are numbers: values are checked against the
  // type when set); the CASE keeps PostgreSQL from casting another attribute's text first.
  const n = sql`(case when v.attribute_id = ${attribute.id} then cast(v.value as double precision) end)`;
  if (c.op === 'between') {
    const [lo, hi] = c.value as [number, number];
    return sql<boolean>`(${n} >= ${lo} and ${n} <= ${hi})`;
  }
  return sql<boolean>`${n} ${sql.raw(CMP[c.op]!)} ${c.value as number}`;
}

/** The day (`yyyy-mm-dd`) of the first midnight at or after `ms`, and of the last at or before it. */
const dayString = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const ceilDay = (ms: number) => dayString(Math.ceil(ms / DAY_MS) * DAY_MS);
const floorDay = (ms: number) => dayString(Math.floor(ms / DAY_MS) * DAY_MS);

/**
 * Date attributes hold days; an instant bound becomes the day bound that gives the same answer
 * as comparing the day's midnight (UTC) with the instant, so the stored text compares byte-wise
 * (the index's order) with no conversion per row.
 */
function dayCond(c: ViewCriterion, now: number): Cond {
  const v = c.value;
  const from = (ms: number) => sql<boolean>`${VALUE} >= ${str(ceilDay(ms))}`;
  const to = (ms: number) => sql<boolean>`${VALUE} <= ${str(floorDay(ms))}`;
  const before = (ms: number) => sql<boolean>`${VALUE} < ${str(ceilDay(ms))}`;
  const after = (ms: number) => sql<boolean>`${VALUE} > ${str(floorDay(ms))}`;
  switch (c.op) {
    case 'withinLastDays':
      return from(now - (v as number) * DAY_MS);
    case 'moreThanDaysAgo':
      return before(now - (v as number) * DAY_MS);
    case 'betweenDaysAgo': {
      const [n, m] = v as [number, number];
      return sql<boolean>`(${from(now - m * DAY_MS)} and ${to(now - n * DAY_MS)})`;
    }
    case 'between': {
      const [a, b] = v as [string, string];
      return sql<boolean>`(${from(viewDateMs(a)!)} and ${to(viewDateMs(b)!)})`;
    }
    case 'lt':
      return before(viewDateMs(v)!);
    case 'lte':
      return to(viewDateMs(v)!);
    case 'gt':
      return after(viewDateMs(v)!);
    default:
      return from(viewDateMs(v)!);
  }
}

function textCond(c: ViewCriterion, at: string, d: ViewSql): Cond {
  const cs = c.caseSensitive === true;
  const v = c.value;
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
    return d.regex(VALUE, v as string, cs);
  }
  const f = (e: RawBuilder<unknown>) => (cs ? e : sql`lower(${e})`);
  const a = f(VALUE);
  const b = (x: unknown) => f(str(x as string));
  switch (c.op) {
    case 'eq':
      // Case-sensitive equality walks the (attribute_id, value) index.
      return cs ? sql<boolean>`${VALUE} = ${str(v as string)}` : sql<boolean>`${a} = ${b(v)}`;
    case 'contains':
      return d.contains(a, b(v));
    case 'startsWith':
      return sql<boolean>`substr(${a}, 1, length(${b(v)})) = ${b(v)}`;
    case 'endsWith':
      return sql<boolean>`(length(${a}) >= length(${b(v)}) and substr(${a}, length(${a}) - length(${b(v)}) + 1) = ${b(v)})`;
    case 'between': {
      const [lo, hi] = v as [string, string];
      return sql<boolean>`(${d.binary(a)} >= ${d.binary(b(lo))} and ${d.binary(a)} <= ${d.binary(b(hi))})`;
    }
    default:
      return sql<boolean>`${d.binary(a)} ${sql.raw(CMP[c.op]!)} ${d.binary(b(v))}`;
  }
}

// ── assigned profile ──────────────────────────────────────────────────────────

/**
 * Devices a profile reaches: assigned to the device, or to its folder or any folder above it
 * (the folders below each assigned folder, walked down from the assignments). `profileId` null:
 * any profile.
 */
function reachedBy(profileId: number | null): Cond {
  const only = profileId === null ? sql`` : sql`profile_id = ${profileId} and `;
  return sql<boolean>`(id in (select target_id from profile_assignments where ${only}target_type = 'device')
    or (folder_id is not null and folder_id in (
      with recursive reach(id) as (
        select target_id from profile_assignments where ${only}target_type = 'folder'
        union select f.id from device_folders f join reach on f.parent_id = reach.id
      ) select id from reach)))`;
}

/** `profile`: eq = the profile reaches the device (directly or through a folder); isEmpty = none does. */
export function profileCriterion(c: ViewCriterion): Cond {
  if (c.op === 'isEmpty') {
    const none = sql<boolean>`(not ${reachedBy(null)})`;
    return c.value === false ? sql<boolean>`(not ${none})` : none;
  }
  const reached = reachedBy(c.value as number);
  return c.op === 'eq' ? reached : sql<boolean>`(not ${reached})`;
}

// ── pending configuration ─────────────────────────────────────────────────────

/** `configChanges`: true = settings not yet applied by the device (delivery state PENDING). */
export function configChangesCriterion(c: ViewCriterion): Cond {
  const pending = sql<boolean>`(config_state is not null and config_state = 'PENDING')`;
  const wanted = c.op === 'eq' ? c.value === true : c.value !== true;
  return wanted ? pending : sql<boolean>`(not ${pending})`;
}
