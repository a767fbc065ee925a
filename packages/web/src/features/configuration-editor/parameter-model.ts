import {
  findInstanceGroup,
  findParameter,
  instanceKey,
  parseInstanceKey,
  PARAMETER_CATALOGUE,
  validateSetting,
  type CatalogueParameter,
  type InstanceGroup,
  type ParameterCatalogue,
} from '@openums/protocol';

/** What the API sends back instead of a stored secret; sending it back keeps the secret. */
export const SECRET_MASK = '********';

export type Settings = Record<string, unknown>;

/** A node of the setup tree: System › Remote Management, Sessions › RDP › RDP Sessions … */
export interface GroupNode {
  /** The path joined with '/', unique. */
  id: string;
  name: string;
  path: readonly string[];
  /** Parameters directly in this group (catalogue order). */
  params: CatalogueParameter[];
  children: GroupNode[];
  /** Set when the group's parameters are the template of a repeatable group (RDP sessions). */
  instanceGroup?: InstanceGroup;
}

/** One editable line: a plain parameter, or a template parameter of one instance. */
export interface ParamRow {
  /** The concrete key stored in the profile (`sessions.rdp[2].server`). */
  key: string;
  param: CatalogueParameter;
  instance?: { group: InstanceGroup; id: string };
}

export const groupId = (path: readonly string[]) => path.join('/');

/** `sessions.rdp` for `sessions.rdp[].server`, undefined for a plain key. */
export function templateGroupKey(paramKey: string): string | undefined {
  const at = paramKey.indexOf('[]');
  return at < 0 ? undefined : paramKey.slice(0, at);
}

/** The setup tree of a catalogue, groups in the order their first parameter appears. */
export function buildGroupTree(catalogue: ParameterCatalogue = PARAMETER_CATALOGUE): GroupNode[] {
  const roots: GroupNode[] = [];
  const byId = new Map<string, GroupNode>();
  const nodeFor = (path: readonly string[]): GroupNode => {
    const id = groupId(path);
    let node = byId.get(id);
    if (node) return node;
    node = { id, name: path[path.length - 1] ?? '', path, params: [], children: [] };
    byId.set(id, node);
    if (path.length === 1) roots.push(node);
    else nodeFor(path.slice(0, -1)).children.push(node);
    return node;
  };
  for (const param of catalogue.parameters) {
    const node = nodeFor(param.group);
    node.params.push(param);
    const group = templateGroupKey(param.key);
    if (group && !node.instanceGroup) {
      const found = findInstanceGroup(group);
      if (found) node.instanceGroup = found;
    }
  }
  return roots;
}

export function flattenGroups(nodes: readonly GroupNode[]): GroupNode[] {
  return nodes.flatMap((n) => [n, ...flattenGroups(n.children)]);
}

/** Instance ids of a repeatable group that the settings use, in a stable order (numbers first, numerically). */
export function instanceIds(settings: Settings, group: string): string[] {
  const ids = new Set<string>();
  for (const key of Object.keys(settings)) {
    const inst = parseInstanceKey(key);
    if (inst && inst.group === group) ids.add(inst.instanceId);
  }
  return sortInstanceIds([...ids]);
}

export function sortInstanceIds(ids: readonly string[]): string[] {
  return [...ids].sort((a, b) => {
    const na = Number(a);
    const nb = Number(b);
    const aNum = /^\d+$/.test(a);
    const bNum = /^\d+$/.test(b);
    if (aNum && bNum) return na - nb;
    if (aNum !== bNum) return aNum ? -1 : 1;
    return a.localeCompare(b);
  });
}

/** The next free numeric id (1, 2, … after the largest number in use). */
export function nextInstanceId(existing: readonly string[]): string {
  let max = 0;
  for (const id of existing) if (/^\d+$/.test(id)) max = Math.max(max, Number(id));
  return String(max + 1);
}

/** Instances a group shows: the fixed ones, or those in the settings plus ones just added. */
export function visibleInstances(group: InstanceGroup, settings: Settings, added: readonly string[] = []): string[] {
  if (group.kind === 'fixed' && group.fixedIds) return [...group.fixedIds];
  return sortInstanceIds([...new Set([...instanceIds(settings, group.key), ...added])]);
}

/** The rows of one group: its plain parameters, then (for a repeatable group) each instance's. */
export function rowsOfGroup(
  node: GroupNode,
  settings: Settings,
  added: readonly string[] = [],
): { plain: ParamRow[]; instances: { id: string; rows: ParamRow[] }[] } {
  const plain: ParamRow[] = [];
  const templates: CatalogueParameter[] = [];
  for (const param of node.params) {
    if (param.key.includes('[]')) templates.push(param);
    else plain.push({ key: param.key, param });
  }
  const group = node.instanceGroup;
  const instances = group
    ? visibleInstances(group, settings, added).map((id) => ({
        id,
        rows: templates.map((param) => ({ key: concreteKey(param.key, id), param, instance: { group, id } })),
      }))
    : [];
  return { plain, instances };
}

/** `sessions.rdp[].server` with instance `2` → `sessions.rdp[2].server`. */
export function concreteKey(templateKey: string, id: string): string {
  const at = templateKey.indexOf('[]');
  return instanceKey(templateKey.slice(0, at), id, templateKey.slice(at + 3));
}

/** Every row a search can find: plain parameters and the template parameters of visible instances. */
export function allRows(
  tree: readonly GroupNode[],
  settings: Settings,
  added: Readonly<Record<string, readonly string[]>> = {},
): ParamRow[] {
  const rows: ParamRow[] = [];
  for (const node of flattenGroups(tree)) {
    const { plain, instances } = rowsOfGroup(node, settings, node.instanceGroup ? added[node.instanceGroup.key] : undefined);
    rows.push(...plain);
    for (const inst of instances) rows.push(...inst.rows);
  }
  return rows;
}

/** Case-insensitive; every word must occur in the key, description, group path, type or current value. */
export function matchesSearch(row: ParamRow, words: readonly string[], settings: Settings): boolean {
  if (words.length === 0) return true;
  const value = row.key in settings && row.param.type !== 'secret' ? formatValue(settings[row.key]) : '';
  const haystack = `${row.key} ${row.param.description} ${row.param.group.join(' ')} ${row.param.type} ${value}`.toLowerCase();
  return words.every((w) => haystack.includes(w));
}

export function searchWords(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter(Boolean);
}

/** Activated parameters per group id, counted into every ancestor as well. */
export function activatedCounts(settings: Settings): Map<string, number> {
  const counts = new Map<string, number>();
  for (const key of Object.keys(settings)) {
    const param = findParameter(key);
    if (!param) continue;
    for (let i = 1; i <= param.group.length; i++) {
      const id = groupId(param.group.slice(0, i));
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

/** A fresh copy of the parameter's default, as the value of a newly activated parameter. */
export function defaultValue(param: CatalogueParameter): unknown {
  return param.type === 'list' ? [...param.default] : param.default;
}

/** A value as one line of text: lists comma-separated, booleans On/Off, empty string quoted. */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'On' : 'Off';
  if (Array.isArray(value)) return value.length ? value.map(String).join(', ') : '(empty list)';
  if (value === '') return '(empty)';
  return String(value);
}

export function formatDefault(param: CatalogueParameter): string {
  if (param.type === 'secret') return '(none)';
  return formatValue(param.default);
}

/** The catalogue's message for each invalid activated value, by key. */
export function validateSettings(settings: Settings): Map<string, string> {
  const errors = new Map<string, string>();
  for (const [key, value] of Object.entries(settings)) {
    const problem = validateSetting(key, value);
    if (problem) errors.set(key, problem.message);
  }
  return errors;
}

/** The message without the leading "key: " (the row already names the key). */
export function shortMessage(key: string, message: string): string {
  return message.startsWith(`${key}: `) ? message.slice(key.length + 2) : message;
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Keys added, removed or changed between the saved and the edited settings. */
export function changedKeys(saved: Settings, draft: Settings): string[] {
  const keys = new Set([...Object.keys(saved), ...Object.keys(draft)]);
  return [...keys].filter((k) => !(k in saved && k in draft && sameValue(saved[k], draft[k]))).sort();
}

/** How many keys of a change were activated, deactivated or given another value (for "Save" summaries). */
export function changeCounts(
  saved: Settings,
  draft: Settings,
  changed: readonly string[],
): { activated: number; deactivated: number; changed: number } {
  return {
    activated: changed.filter((k) => !(k in saved)).length,
    deactivated: changed.filter((k) => !(k in draft)).length,
    changed: changed.filter((k) => k in saved && k in draft).length,
  };
}

/**
 * The edits made on top of `base`, applied to `next` (the settings changed on the server while
 * they were being edited): keys the user did not touch follow the server, touched keys keep the
 * user's value (or stay removed).
 */
export function rebaseDraft(base: Settings, draft: Settings, next: Settings): Settings {
  const result: Settings = { ...next };
  for (const key of changedKeys(base, draft)) {
    if (key in draft) result[key] = draft[key];
    else delete result[key];
  }
  return result;
}

/** Settings whose key is a catalogue parameter, and the rest (reported by a device with a newer catalogue). */
export function splitByCatalogue(settings: Settings): { known: Settings; unknown: Settings } {
  const known: Settings = {};
  const unknown: Settings = {};
  for (const [key, value] of Object.entries(settings)) {
    if (findParameter(key)) known[key] = value;
    else unknown[key] = value;
  }
  return { known, unknown };
}

/** Drops every setting of one instance (removing an RDP session). */
export function withoutInstance(settings: Settings, group: string, id: string): Settings {
  const next: Settings = {};
  for (const [key, value] of Object.entries(settings)) {
    const inst = parseInstanceKey(key);
    if (!(inst && inst.group === group && inst.instanceId === id)) next[key] = value;
  }
  return next;
}

/** A human name for an instance: its `name` (or `ssid`, `ip`) setting, else "RDP session 2". */
export function instanceTitle(group: InstanceGroup, id: string, settings: Settings): string {
  for (const field of ['name', 'ssid', 'ip']) {
    const value = settings[instanceKey(group.key, id, field)];
    if (typeof value === 'string' && value.trim()) return `${value.trim()} (${group.label} ${id})`;
  }
  return `${group.label} ${id}`;
}

/** "RDP session" stays, "Wireless network" → "wireless network" (for use inside a sentence). */
export function inSentence(label: string): string {
  const [first = '', ...rest] = label.split(' ');
  return /^[A-Z][a-z]+$/.test(first) ? [first.toLowerCase(), ...rest].join(' ') : label;
}
