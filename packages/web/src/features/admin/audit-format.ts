import type { AuditEntry } from '@openums/protocol';

/** Actions the server records (docs/access.md), offered in the action filter; others can be typed. */
export const AUDIT_ACTIONS = [
  'auth.login',
  'auth.logout',
  'auth.login-failed',
  'auth.password-change',
  'admin.create',
  'admin.update',
  'admin.delete',
  'admin.password-reset',
  'api-token.create',
  'api-token.revoke',
  'admin-group.create',
  'admin-group.update',
  'access.update',
  'device.create',
  'device.update',
  'device.delete',
  'device.move',
  'device.configuration-update',
  'device-folder.create',
  'device-folder.update',
  'device-folder.delete',
  'profile.create',
  'profile.copy',
  'profile.update',
  'profile.delete',
  'profile.assign',
  'profile.unassign',
  'enrollment-key.create',
  'enrollment-key.update',
  'enrollment-key.delete',
  'settings.update',
];

export const OBJECT_TYPES: { value: string; label: string }[] = [
  { value: 'admin', label: 'Account' },
  { value: 'admin-group', label: 'Group' },
  { value: 'api-token', label: 'API token' },
  { value: 'device', label: 'Device' },
  { value: 'device-folder', label: 'Device folder' },
  { value: 'profile', label: 'Profile' },
  { value: 'enrollment-key', label: 'Enrollment key' },
  { value: 'settings', label: 'Settings' },
];

export const objectTypeLabel = (type: string) => OBJECT_TYPES.find((t) => t.value === type)?.label ?? type;

export const ACTION_RE = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/;

/** One field of a change: its value before and after (undefined: not part of that side). */
export interface FieldChange {
  field: string;
  before: unknown;
  after: unknown;
  changed: boolean;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields of before and after side by side; a side that is not an object shows as one "value" row. */
export function fieldChanges(entry: Pick<AuditEntry, 'before' | 'after'>): FieldChange[] {
  const { before, after } = entry;
  if (before == null && after == null) return [];
  if ((before != null && !isRecord(before)) || (after != null && !isRecord(after))) {
    return [{ field: 'value', before: before ?? undefined, after: after ?? undefined, changed: true }];
  }
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
  return keys.map((field) => ({
    field,
    before: before == null ? undefined : b[field],
    after: after == null ? undefined : a[field],
    changed: JSON.stringify(b[field]) !== JSON.stringify(a[field]),
  }));
}

/** A value as one readable line: lists of words joined, objects as compact JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return '—';
  if (typeof value === 'string') return value === '' ? '""' : value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return value.length ? value.join(', ') : '(none)';
  }
  return JSON.stringify(value);
}

/** "created", "removed", or the changed fields' names (the row opens to show the values). */
export function changeSummary(entry: Pick<AuditEntry, 'before' | 'after'>): string {
  const hasBefore = entry.before != null;
  const hasAfter = entry.after != null;
  if (!hasBefore && !hasAfter) return '';
  if (!hasBefore) return 'created';
  if (!hasAfter) return 'removed';
  return fieldChanges(entry)
    .filter((f) => f.changed)
    .map((f) => f.field)
    .join(', ');
}

/** `datetime-local` text (local time) to ISO, or undefined when empty or not a time. */
export function localToIso(text: string): string | undefined {
  if (!text) return undefined;
  const d = new Date(text);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** ISO to `datetime-local` text in local time. */
export function isoToLocal(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}
