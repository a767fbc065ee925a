import {
  VIEW_ATTRIBUTE_PREFIX,
  VIEW_DEVICE_FIELDS,
  VIEW_KIND_OPS,
  viewFieldDef,
  type ViewAttributeDef,
  type ViewAttributeDefs,
  type ViewCriteria,
  type ViewCriterion,
  type ViewFieldKind,
  type ViewOp,
} from '@openums/protocol';

/**
 * The builder's editable tree. Every node has a stable key (React rows, error placement); a group
 * carries its own NOT, so `{"not": …}` is a switch on the group rather than a node of its own.
 * Pure functions only: the builder's components call these and keep the result in state.
 */
export interface GroupNode {
  key: string;
  type: 'group';
  join: 'and' | 'or';
  negated: boolean;
  children: EditorNode[];
}
export interface CriterionNode {
  key: string;
  type: 'criterion';
  field: string;
  op: ViewOp;
  value: unknown;
  caseSensitive: boolean;
}
export type EditorNode = GroupNode | CriterionNode;

let counter = 0;
const nextKey = () => `n${++counter}`;

/** Kinds whose criteria take "case-sensitive" (the checker refuses it on the others). */
export const CASE_KINDS: readonly ViewFieldKind[] = ['text', 'mac', 'ip', 'version'];
/** Operators where case matters at all. */
const CASE_OPS: readonly ViewOp[] = ['eq', 'ne', 'contains', 'startsWith', 'endsWith', 'regex', 'lt', 'lte', 'gt', 'gte', 'between'];

export interface FieldOption {
  field: string;
  kind: ViewFieldKind;
  label: string;
  attribute?: ViewAttributeDef & { name?: string };
}

const FIELD_LABELS: Record<string, string> = {
  name: 'Name',
  networkName: 'Network name',
  mac: 'MAC address',
  unitId: 'Unit ID',
  lastIp: 'Last IP address',
  product: 'Product',
  version: 'Version',
  serialNumber: 'Serial number',
  folderId: 'Folder',
  lastContact: 'Last contact',
  lastBoot: 'Last boot',
  registeredAt: 'Registered',
  structureTag: 'Structure tag',
  profile: 'Assigned profile',
  configChanges: 'Configuration changes pending',
  costCenter: 'Cost center',
  assetId: 'Asset ID',
};

/** "serialNumber" → "Serial number": a field added to the protocol gets a readable label without a change here. */
export function humanizeField(field: string): string {
  const words = field.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Every field criteria may name: the protocol's device fields, then the defined device attributes. */
export function fieldOptions(attributes: readonly (ViewAttributeDef & { name?: string })[] = []): FieldOption[] {
  const device = Object.entries(VIEW_DEVICE_FIELDS).map(([field, def]) => ({
    field,
    kind: def.kind as ViewFieldKind,
    label: FIELD_LABELS[field] ?? humanizeField(field),
  }));
  const attrs = attributes.map((a) => {
    const field = VIEW_ATTRIBUTE_PREFIX + a.identifier;
    return {
      field,
      kind: viewFieldDef(field, attributeDefs(attributes))!.kind,
      label: `Attribute: ${a.name ?? a.identifier}`,
      attribute: a,
    };
  });
  return [...device, ...attrs];
}

export function attributeDefs(attributes: readonly ViewAttributeDef[]): ViewAttributeDefs {
  return new Map(attributes.map((a) => [a.identifier, a]));
}

export const OP_LABELS: Record<ViewOp, string> = {
  eq: 'equals',
  ne: 'does not equal',
  contains: 'contains',
  startsWith: 'starts with',
  endsWith: 'ends with',
  regex: 'matches regex',
  lt: 'less than',
  lte: 'at most',
  gt: 'greater than',
  gte: 'at least',
  between: 'between',
  isEmpty: 'is empty',
  inCidr: 'in network (CIDR)',
  withinLastDays: 'within the last … days',
  moreThanDaysAgo: 'more than … days ago',
  betweenDaysAgo: 'between … days ago',
  inFolder: 'in folder',
};

/** Date fields read the comparisons as time. */
const DATE_OP_LABELS: Partial<Record<ViewOp, string>> = { lt: 'before', lte: 'on or before', gt: 'after', gte: 'on or after' };
/** Versions read them as older / newer. */
const VERSION_OP_LABELS: Partial<Record<ViewOp, string>> = { lt: 'older than', lte: 'at most', gt: 'newer than', gte: 'at least' };

export function opLabel(kind: ViewFieldKind, op: ViewOp): string {
  if (kind === 'date') return DATE_OP_LABELS[op] ?? OP_LABELS[op];
  if (kind === 'version') return VERSION_OP_LABELS[op] ?? OP_LABELS[op];
  return OP_LABELS[op];
}

export function opsForKind(kind: ViewFieldKind): readonly ViewOp[] {
  return VIEW_KIND_OPS[kind];
}

export function caseApplies(kind: ViewFieldKind, op: ViewOp): boolean {
  return CASE_KINDS.includes(kind) && CASE_OPS.includes(op);
}

/** The first value an operator on a kind starts with (empty inputs; the checker says what is missing). */
export function defaultValue(kind: ViewFieldKind, op: ViewOp, attribute?: ViewAttributeDef): unknown {
  switch (op) {
    case 'isEmpty':
      return true;
    case 'between':
      return ['', ''];
    case 'betweenDaysAgo':
      return [1, 7];
    case 'withinLastDays':
    case 'moreThanDaysAgo':
      return 2;
    case 'inFolder':
      return { id: null, recursive: true };
    default:
      break;
  }
  if (kind === 'boolean') return true;
  if (kind === 'range') return attribute?.range?.[0] ?? '';
  if (kind === 'folder' || kind === 'profile' || kind === 'number') return null;
  return '';
}

/** Whether a value kept from the previous operator still fits the new one. */
function keepsValue(kind: ViewFieldKind, from: ViewOp, to: ViewOp): boolean {
  const shape = (op: ViewOp) => {
    if (op === 'between' || op === 'betweenDaysAgo' || op === 'isEmpty' || op === 'inFolder') return op;
    if (op === 'withinLastDays' || op === 'moreThanDaysAgo') return 'days';
    return kind === 'ip' && op === 'inCidr' ? 'text' : 'single';
  };
  const a = shape(from);
  const b = shape(to);
  return a === b || (kind !== 'date' && ((a === 'single' && b === 'text') || (a === 'text' && b === 'single')));
}

export function newCriterion(field = 'name', op?: ViewOp, options: readonly FieldOption[] = fieldOptions()): CriterionNode {
  const opt = options.find((o) => o.field === field);
  const kind = opt?.kind ?? 'text';
  const first = op ?? (opsForKind(kind).includes('contains') ? 'contains' : opsForKind(kind)[0]!);
  return { key: nextKey(), type: 'criterion', field, op: first, value: defaultValue(kind, first, opt?.attribute), caseSensitive: false };
}

export function newGroup(join: 'and' | 'or' = 'and', children: EditorNode[] = []): GroupNode {
  return { key: nextKey(), type: 'group', join, negated: false, children };
}

/** Changing the field keeps the operator (and value) when the new field allows it. */
export function withField(node: CriterionNode, field: string, options: readonly FieldOption[]): CriterionNode {
  const opt = options.find((o) => o.field === field);
  const kind = opt?.kind ?? 'text';
  const oldKind = options.find((o) => o.field === node.field)?.kind ?? 'text';
  const ops = opsForKind(kind);
  const op = ops.includes(node.op) ? node.op : ops.includes('contains') ? 'contains' : ops[0]!;
  const sameValues = kind === oldKind && op === node.op && kind !== 'range';
  return {
    ...node,
    field,
    op,
    value: sameValues ? node.value : defaultValue(kind, op, opt?.attribute),
    caseSensitive: caseApplies(kind, op) && node.caseSensitive,
  };
}

export function withOp(node: CriterionNode, op: ViewOp, options: readonly FieldOption[]): CriterionNode {
  const opt = options.find((o) => o.field === node.field);
  const kind = opt?.kind ?? 'text';
  return {
    ...node,
    op,
    value: keepsValue(kind, node.op, op) ? node.value : defaultValue(kind, op, opt?.attribute),
    caseSensitive: caseApplies(kind, op) && node.caseSensitive,
  };
}

// ── tree editing ─────────────────────────────────────────────────────────────

/** Applies `fn` to the node with `key` (returning null removes it); other nodes stay the same objects. */
export function updateNode(root: GroupNode, key: string, fn: (node: EditorNode) => EditorNode | null): GroupNode {
  const visit = (node: EditorNode): EditorNode | null => {
    if (node.key === key) return fn(node);
    if (node.type === 'criterion') return node;
    let changed = false;
    const children: EditorNode[] = [];
    for (const child of node.children) {
      const next = visit(child);
      if (next !== child) changed = true;
      if (next) children.push(next);
    }
    return changed ? { ...node, children } : node;
  };
  if (root.key === key) {
    const next = fn(root);
    return next && next.type === 'group' ? next : root;
  }
  return visit(root) as GroupNode;
}

export const removeNode = (root: GroupNode, key: string) => updateNode(root, key, () => null);

export function appendChild(root: GroupNode, groupKey: string, child: EditorNode): GroupNode {
  return updateNode(root, groupKey, (g) => (g.type === 'group' ? { ...g, children: [...g.children, child] } : g));
}

/** Puts the node into a new group of its own (so a criterion can get an OR beside it, or a NOT). */
export function wrapInGroup(root: GroupNode, key: string, join: 'and' | 'or' = 'or'): GroupNode {
  return updateNode(root, key, (node) => newGroup(join, [node]));
}

/** A group of one child is replaced by that child (keeps trees shallow after removals); NOT stays. */
export function unwrapGroup(root: GroupNode, key: string): GroupNode {
  return updateNode(root, key, (node) => (node.type === 'group' && !node.negated && node.children.length === 1 ? node.children[0]! : node));
}

export function countCriteria(node: EditorNode): number {
  return node.type === 'criterion' ? 1 : node.children.reduce((n, c) => n + countCriteria(c), 0);
}

// ── JSON ─────────────────────────────────────────────────────────────────────

/** Where each node lands in the JSON (`criteria.and.0`), to place the checker's and the server's errors. */
export type NodePaths = Map<string, string>;

/** The criteria JSON of the tree, and the path of each node. A negated group is `{"not": {"and": …}}`. */
export function toCriteria(root: GroupNode, base = 'criteria'): { criteria: ViewCriteria; paths: NodePaths } {
  const paths: NodePaths = new Map();
  const visit = (node: EditorNode, at: string): ViewCriteria => {
    if (node.type === 'criterion') {
      paths.set(at, node.key);
      const c: ViewCriterion = { field: node.field, op: node.op };
      if (!(node.op === 'isEmpty' && node.value === true)) c.value = node.value;
      if (node.caseSensitive) c.caseSensitive = true;
      return c;
    }
    const inner = node.negated ? `${at}.not` : at;
    paths.set(at, node.key);
    if (node.negated) paths.set(inner, node.key);
    const group =
      node.join === 'and'
        ? { and: node.children.map((c, i) => visit(c, `${inner}.and.${i}`)) }
        : {
            or: node.children.map((c, i) => visit(c, `${inner}.or.${i}`)),
          };
    return node.negated ? { not: group } : group;
  };
  return { criteria: visit(root, base), paths };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A saved view's criteria as an editable tree; the root is always a group. */
export function fromCriteria(criteria: unknown): GroupNode {
  const visit = (v: unknown): EditorNode => {
    if (isObject(v) && Array.isArray(v.and)) return newGroup('and', v.and.map(visit));
    if (isObject(v) && Array.isArray(v.or)) return newGroup('or', v.or.map(visit));
    if (isObject(v) && 'not' in v) {
      const inner = visit(v.not);
      return inner.type === 'group' && !inner.negated ? { ...inner, negated: true } : { ...newGroup('and', [inner]), negated: true };
    }
    const c = (isObject(v) ? v : {}) as Partial<ViewCriterion>;
    return {
      key: nextKey(),
      type: 'criterion',
      field: typeof c.field === 'string' ? c.field : 'name',
      op: (c.op ?? 'eq') as ViewOp,
      value: c.op === 'isEmpty' && c.value === undefined ? true : c.value,
      caseSensitive: c.caseSensitive === true,
    };
  };
  const node = visit(criteria);
  return node.type === 'group' ? node : newGroup('and', [node]);
}

/** Where an error's `field` (`body.criteria.and.2.value`) belongs: the node and the part of it ('' = the node itself). */
export function locateError(field: string, paths: NodePaths): { key: string; part: string } | null {
  const at = field;
  let best: { path: string; key: string } | null = null;
  for (const [path, key] of paths) {
    if ((at === path || at.startsWith(path + '.')) && (!best || path.length > best.path.length)) best = { path, key };
  }
  if (!best) return null;
  return { key: best.key, part: at.slice(best.path.length).replace(/^\./, '') };
}

/** A value not entered yet (an empty input, a pair with an empty side, a folder not chosen). */
export function isBlank(value: unknown): boolean {
  if (value === '' || value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.some(isBlank);
  if (typeof value === 'object') return isBlank((value as { id?: unknown }).id);
  return false;
}

export function findNode(root: GroupNode, key: string): EditorNode | undefined {
  if (root.key === key) return root;
  for (const child of root.children) {
    const found = child.key === key ? child : child.type === 'group' ? findNode(child, key) : undefined;
    if (found) return found;
  }
  return undefined;
}
