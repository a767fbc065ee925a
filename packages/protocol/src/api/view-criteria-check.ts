import { checkViewRegex } from './view-regex.js';
import {
  VIEW_CRITERIA_LIMITS as LIMITS,
  VIEW_KIND_OPS,
  VIEW_OPS,
  viewCidrRange,
  viewFieldDef,
  viewIpKey,
  VIEW_ATTRIBUTE_PREFIX,
  type ViewAttributeDef,
  type ViewAttributeDefs,
  type ViewCriteria,
  type ViewFieldKind,
  type ViewOp,
} from './views.js';

export interface ViewCriteriaProblem {
  /** Where, e.g. `body.criteria.and.2.value`. */
  field: string;
  /** The whole sentence, starting with the field. */
  message: string;
}

const DATE = /^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,3})?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$/;
const TEXT_KINDS: readonly ViewFieldKind[] = ['text', 'mac', 'ip', 'version'];

/** Milliseconds of an absolute date criterion value (`2026-12-01` = midnight UTC), or null. */
export function viewDateMs(value: unknown): number | null {
  if (typeof value !== 'string' || !DATE.test(value)) return null;
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  return Number.isFinite(ms) ? ms : null;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The first problem of a criteria tree, or null when it can be evaluated: its shape, the
 * limits (depth, number of criteria), known fields, each operator allowed on its field, and each
 * value of the type the operator takes. Paths name array positions (`and.2`). `attribute:<id>`
 * fields must name one of `attributes` (the device attribute definitions; none when omitted).
 */
export function checkViewCriteria(criteria: unknown, path = 'criteria', attributes?: ViewAttributeDefs): ViewCriteriaProblem | null {
  let count = 0;
  const problem = (field: string, message: string): ViewCriteriaProblem => ({ field, message: `${field} ${message}` });

  const node = (v: unknown, at: string, depth: number): ViewCriteriaProblem | null => {
    if (!isObject(v)) return problem(at, 'must be an object: a group {"and":[…]}, {"or":[…]}, {"not":…} or a criterion');
    const keys = Object.keys(v);
    if ('and' in v || 'or' in v || 'not' in v) {
      if (depth > LIMITS.depth) return problem(at, `is nested deeper than ${LIMITS.depth} levels`);
      if (keys.length !== 1)
        return problem(at, `must have exactly one of "and", "or", "not" (found ${keys.map((k) => `'${k}'`).join(', ')})`);
      const key = keys[0]!;
      if (key === 'not') return node(v.not, `${at}.not`, depth + 1);
      const items = v[key];
      if (!Array.isArray(items) || items.length === 0) return problem(`${at}.${key}`, 'must be a non-empty array');
      for (let i = 0; i < items.length; i++) {
        const p = node(items[i], `${at}.${key}.${i}`, depth + 1);
        if (p) return p;
      }
      return null;
    }
    count++;
    if (count > LIMITS.criteria) return problem(path, `has more than ${LIMITS.criteria} criteria`);
    return criterion(v, at);
  };

  const criterion = (v: Record<string, unknown>, at: string): ViewCriteriaProblem | null => {
    for (const k of Object.keys(v))
      if (!['field', 'op', 'value', 'caseSensitive'].includes(k))
        return { field: `${at}.${k}`, message: `${at} has unknown field '${k.slice(0, 64)}'` };
    if (typeof v.field !== 'string') return problem(`${at}.field`, 'is required: the device field to compare');
    const def = viewFieldDef(v.field, attributes);
    if (!def && v.field.startsWith(VIEW_ATTRIBUTE_PREFIX))
      return problem(
        `${at}.field`,
        `names an unknown device attribute '${v.field.slice(VIEW_ATTRIBUTE_PREFIX.length, VIEW_ATTRIBUTE_PREFIX.length + 64)}' (see /api/v1/device-attributes)`,
      );
    if (!def) return problem(`${at}.field`, `names an unknown field '${v.field.slice(0, 64)}'`);
    if (typeof v.op !== 'string' || !(VIEW_OPS as readonly string[]).includes(v.op))
      return problem(`${at}.op`, `must be one of ${VIEW_OPS.join(', ')}`);
    const op = v.op as ViewOp;
    if (!VIEW_KIND_OPS[def.kind].includes(op))
      return problem(`${at}.op`, `'${op}' does not apply to ${v.field} (${def.kind}); use one of ${VIEW_KIND_OPS[def.kind].join(', ')}`);
    if (v.caseSensitive !== undefined) {
      if (typeof v.caseSensitive !== 'boolean') return problem(`${at}.caseSensitive`, 'must be a boolean');
      if (!TEXT_KINDS.includes(def.kind)) return problem(`${at}.caseSensitive`, `applies only to text fields, not to ${v.field}`);
    }
    const why = valueProblem(def.kind, op, v.value, def.attribute);
    return why ? problem(`${at}.value`, why) : null;
  };

  return node(criteria, path, 1);
}

const text = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= LIMITS.textLength;
const days = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= LIMITS.days;
const pair = (v: unknown, ok: (x: unknown) => boolean) => Array.isArray(v) && v.length === 2 && ok(v[0]) && ok(v[1]);
const TEXT_VALUE = `must be a text of 1 to ${LIMITS.textLength} characters`;

/** Why `value` does not fit `op` on a field of `kind`, or null. */
function valueProblem(kind: ViewFieldKind, op: ViewOp, value: unknown, attribute?: ViewAttributeDef): string | null {
  if (op === 'isEmpty') return value === undefined || typeof value === 'boolean' ? null : 'must be omitted, true or false (not empty)';
  if (value === undefined) return 'is required';
  switch (kind) {
    case 'number':
      if (op === 'between')
        return pair(value, isNumber) && (value as number[])[0]! <= (value as number[])[1]!
          ? null
          : 'must be [from, to]: two numbers, from ≤ to';
      return isNumber(value) ? null : `must be a number (${attribute?.identifier ?? 'the field'} holds numbers)`;
    case 'range': {
      const list = attribute?.range ?? [];
      if (typeof value === 'string' && list.includes(value)) return null;
      const shown = list.slice(0, 10).map((x) => `'${x}'`);
      return `must be one of the values of ${attribute?.identifier ?? 'the attribute'}: ${shown.join(', ')}${list.length > 10 ? ', …' : ''}`;
    }
    case 'profile':
      return isId(value) ? null : 'must be a profile id';
    case 'boolean':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'folder':
      if (op === 'inFolder') {
        if (!isObject(value) || !isId(value.id)) return 'must be {"id": <folder id>, "recursive": true|false}';
        const extra = Object.keys(value).find((k) => k !== 'id' && k !== 'recursive');
        if (extra) return `has unknown field '${extra}'`;
        return value.recursive === undefined || typeof value.recursive === 'boolean' ? null : 'recursive must be true or false';
      }
      return isId(value) ? null : 'must be a folder id';
    case 'date':
      if (op === 'withinLastDays' || op === 'moreThanDaysAgo')
        return days(value) ? null : `must be a whole number of days, 0 to ${LIMITS.days}`;
      if (op === 'betweenDaysAgo')
        return pair(value, days) && (value as number[])[0]! <= (value as number[])[1]!
          ? null
          : `must be [N, M]: whole numbers of days, 0 ≤ N ≤ M ≤ ${LIMITS.days}`;
      if (op === 'between')
        return pair(value, (x) => viewDateMs(x) !== null) && viewDateMs((value as unknown[])[0])! <= viewDateMs((value as unknown[])[1])!
          ? null
          : 'must be [from, to]: two ISO 8601 dates or date-times, from ≤ to';
      return viewDateMs(value) !== null ? null : 'must be an ISO 8601 date (2026-12-01) or date-time (2026-12-01T08:00:00Z)';
    default:
      return textValueProblem(kind, op, value);
  }
}

function textValueProblem(kind: ViewFieldKind, op: ViewOp, value: unknown): string | null {
  if (op === 'regex') {
    if (typeof value !== 'string') return 'must be a regular expression (a string)';
    return checkViewRegex(value);
  }
  if (op === 'inCidr')
    return typeof value === 'string' && viewCidrRange(value) ? null : 'must be an IPv4 network, 10.1.0.0/16 or 10.1.0.0/255.255.0.0';
  // IP ranges compare addresses numerically: the values must be addresses.
  const ipRange = kind === 'ip' && ['lt', 'lte', 'gt', 'gte', 'between'].includes(op);
  const one = ipRange ? (x: unknown) => typeof x === 'string' && viewIpKey(x) !== null : text;
  if (op === 'between') {
    if (!pair(value, one))
      return ipRange ? 'must be [from, to]: two IPv4 addresses' : `must be [from, to]: two texts of 1 to ${LIMITS.textLength} characters`;
    return null;
  }
  if (!one(value)) return ipRange ? 'must be an IPv4 address' : TEXT_VALUE;
  return null;
}

const isId = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 1;
const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);

/** Narrows after a successful check. */
export function isViewCriteria(v: unknown): v is ViewCriteria {
  return checkViewCriteria(v) === null;
}
