import { Type, type Static } from 'typebox';
import { Cursor, Nullable, PageLimit } from './common.js';
import { DEVICE_SORTS, Device } from './devices.js';

/**
 * Device view criteria (issue 12 item 1): the one JSON language of views, default folder rules,
 * the API and the web app. A group is `{"and":[…]}`, `{"or":[…]}` or `{"not":…}`; a criterion is
 * `{"field", "op", "value", "caseSensitive"}`. `checkViewCriteria` (view-criteria-check.ts) is
 * the semantic check both the server and the web app run.
 */
export const VIEW_OPS = [
  'eq',
  'ne',
  'contains',
  'startsWith',
  'endsWith',
  'regex',
  'lt',
  'lte',
  'gt',
  'gte',
  'between',
  'isEmpty',
  'inCidr',
  'withinLastDays',
  'moreThanDaysAgo',
  'betweenDaysAgo',
  'inFolder',
] as const;
export type ViewOp = (typeof VIEW_OPS)[number];

/**
 * What a field holds decides its operators and values: `text` compares strings (lower-cased
 * unless `caseSensitive`), `mac` is text whose values lose `:`/`-`, `ip` is text plus IPv4
 * ranges and CIDR, `version` compares numerically part by part (11.10.100 > 11.9.0), `date`
 * takes absolute instants and relative days, `boolean` and `folder` take what they hold.
 */
export type ViewFieldKind = 'text' | 'mac' | 'ip' | 'version' | 'date' | 'boolean' | 'folder' | 'number' | 'range' | 'profile';

const TEXT_OPS = ['eq', 'ne', 'contains', 'startsWith', 'endsWith', 'regex', 'lt', 'lte', 'gt', 'gte', 'between', 'isEmpty'] as const;
export const VIEW_KIND_OPS: Record<ViewFieldKind, readonly ViewOp[]> = {
  text: TEXT_OPS,
  mac: TEXT_OPS,
  ip: [...TEXT_OPS, 'inCidr'],
  version: TEXT_OPS,
  date: ['lt', 'lte', 'gt', 'gte', 'between', 'isEmpty', 'withinLastDays', 'moreThanDaysAgo', 'betweenDaysAgo'],
  boolean: ['eq', 'ne'],
  folder: ['eq', 'ne', 'isEmpty', 'inFolder'],
  // Device attributes of type number compare numerically; range attributes take one of their values.
  number: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte', 'between', 'isEmpty'],
  range: ['eq', 'ne', 'isEmpty'],
  // Assigned profile (directly or through a folder above the device): a profile id.
  profile: ['eq', 'ne', 'isEmpty'],
};

export interface ViewFieldDef {
  kind: ViewFieldKind;
  /** Set for `attribute:<identifier>` fields: the attribute's definition. */
  attribute?: ViewAttributeDef;
}

/** What criteria need of a device attribute definition (`attribute:<identifier>`). */
export interface ViewAttributeDef {
  id: number;
  identifier: string;
  type: 'string' | 'number' | 'date' | 'range';
  range: readonly string[] | null;
}
/** The attribute definitions by identifier, as the evaluation loaded them (once per evaluation). */
export type ViewAttributeDefs = ReadonlyMap<string, ViewAttributeDef>;

/** Prefix of device attribute fields: `attribute:location`. */
export const VIEW_ATTRIBUTE_PREFIX = 'attribute:';
const ATTRIBUTE_KIND: Record<ViewAttributeDef['type'], ViewFieldKind> = { string: 'text', number: 'number', date: 'date', range: 'range' };

/**
 * The device fields criteria may name, as the API names them. `profile` is an assigned profile
 * (directly or through any folder above the device), `configChanges` whether settings are
 * pending. Device attributes (`attribute:<identifier>`) resolve through `viewFieldDef`, which is
 * the only lookup the checker and the evaluators use.
 */
export const VIEW_DEVICE_FIELDS = {
  name: { kind: 'text' },
  networkName: { kind: 'text' },
  mac: { kind: 'mac' },
  unitId: { kind: 'text' },
  lastIp: { kind: 'ip' },
  product: { kind: 'text' },
  version: { kind: 'version' },
  serialNumber: { kind: 'text' },
  site: { kind: 'text' },
  department: { kind: 'text' },
  costCenter: { kind: 'text' },
  comment: { kind: 'text' },
  assetId: { kind: 'text' },
  folderId: { kind: 'folder' },
  online: { kind: 'boolean' },
  lastContact: { kind: 'date' },
  lastBoot: { kind: 'date' },
  registeredAt: { kind: 'date' },
  structureTag: { kind: 'text' },
  profile: { kind: 'profile' },
  configChanges: { kind: 'boolean' },
} as const satisfies Record<string, ViewFieldDef>;
export type ViewDeviceField = keyof typeof VIEW_DEVICE_FIELDS;

/** A field's definition; `attribute:<identifier>` resolves through `attributes` (undefined: unknown). */
export function viewFieldDef(field: string, attributes?: ViewAttributeDefs): ViewFieldDef | undefined {
  if (field.startsWith(VIEW_ATTRIBUTE_PREFIX)) {
    const attribute = attributes?.get(field.slice(VIEW_ATTRIBUTE_PREFIX.length));
    return attribute && { kind: ATTRIBUTE_KIND[attribute.type], attribute };
  }
  return Object.prototype.hasOwnProperty.call(VIEW_DEVICE_FIELDS, field) ? VIEW_DEVICE_FIELDS[field as ViewDeviceField] : undefined;
}

export const VIEW_CRITERIA_LIMITS = {
  /** Groups inside groups, the outermost counting as 1. */
  depth: 10,
  /** Criteria (leaves) in one tree. */
  criteria: 100,
  /** Text values. */
  textLength: 255,
  /** Regular expressions (see view-regex.ts). */
  regexLength: 256,
  /** Days in relative date criteria (100 years). */
  days: 36_500,
} as const;

export interface ViewCriterion {
  field: string;
  op: ViewOp;
  value?: unknown;
  caseSensitive?: boolean;
}
export type ViewCriteria = ViewCriterion | { and: ViewCriteria[] } | { or: ViewCriteria[] } | { not: ViewCriteria };

/** One criterion's shape; values and the tree are checked by `checkViewCriteria`. */
export const ViewCriterionSchema = Type.Object(
  {
    field: Type.String({ minLength: 1, maxLength: 128 }),
    op: Type.Union(VIEW_OPS.map((o) => Type.Literal(o))),
    value: Type.Optional(Type.Unknown()),
    caseSensitive: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

/**
 * The tree on the wire: any object here, checked node by node by `checkViewCriteria`, which
 * names the path of the first problem (`body.criteria.and.2.value must be …`) — a recursive
 * schema would only say "must match a schema in anyOf".
 */
export const ViewCriteriaSchema = Type.Unsafe<ViewCriteria>({
  type: 'object',
  description:
    'A group {"and":[…]}, {"or":[…]} or {"not":…}, or a criterion {"field","op","value","caseSensitive"}; at most 10 levels and 100 criteria (docs/views.md)',
});

export const EvaluateViewRequest = Type.Object(
  {
    criteria: ViewCriteriaSchema,
    sort: Type.Optional(
      Type.Union(
        DEVICE_SORTS.map((s) => Type.Literal(s)),
        { default: 'name' },
      ),
    ),
    limit: Type.Optional(PageLimit),
    cursor: Type.Optional(Cursor),
  },
  { additionalProperties: false },
);
export type EvaluateViewRequest = Static<typeof EvaluateViewRequest>;

export const EvaluateViewResponse = Type.Object({
  /** Every matching device you may browse, not only this page. */
  count: Type.Integer(),
  items: Type.Array(Device),
  nextCursor: Nullable(Type.String()),
});
export type EvaluateViewResponse = Static<typeof EvaluateViewResponse>;

/**
 * The sortable key of a version: lower-cased, every run of digits without leading zeros and
 * left-padded to 10 digits, so that byte-wise order is version order (`11.10.100` > `11.9.0`,
 * `12.3` < `12.3.1`). The databases compute the same key (`openums_version_key`).
 */
export function viewVersionKey(version: string | null): string | null {
  if (version === null || version === '') return null;
  return version.toLowerCase().replace(/[0-9]+/g, (d) => {
    const s = d.replace(/^0+/, '');
    return s.length >= 10 ? s : s.padStart(10, '0');
  });
}

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
export const IPV4_PATTERN = `^${OCTET}(\\.${OCTET}){3}$`;
const IPV4 = new RegExp(IPV4_PATTERN);

/** An IPv4 address as 8 lower-case hex digits (byte-wise order = numeric order); null for anything else. */
export function viewIpKey(ip: string | null): string | null {
  if (ip === null || !IPV4.test(ip)) return null;
  return ip
    .split('.')
    .map((o) => Number(o).toString(16).padStart(2, '0'))
    .join('');
}

/** `10.1.0.0/16` or `10.1.0.0/255.255.0.0` as the first and last key of the range; null if malformed. */
export function viewCidrRange(cidr: string): [string, string] | null {
  const [addr, suffix, extra] = cidr.split('/');
  if (extra !== undefined || addr === undefined || suffix === undefined) return null;
  const key = viewIpKey(addr);
  if (key === null) return null;
  let bits: number;
  if (/^[0-9]{1,2}$/.test(suffix)) bits = Number(suffix);
  else {
    const mask = viewIpKey(suffix);
    if (mask === null) return null;
    const m = parseInt(mask, 16);
    bits = 32 - Math.log2(2 ** 32 - m);
    if (!Number.isInteger(bits)) return null;
  }
  if (bits > 32) return null;
  const base = parseInt(key, 16);
  const size = 2 ** (32 - bits);
  const first = base - (base % size);
  const hex = (n: number) => n.toString(16).padStart(8, '0');
  return [hex(first), hex(first + size - 1)];
}
