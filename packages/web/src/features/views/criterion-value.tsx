import type { ViewFieldKind, ViewOp } from '@openums/protocol';
import { Checkbox, Group, NumberInput, Select, Text, TextInput } from '@mantine/core';
import { useMemo } from 'react';
import { useAllFolders } from '../devices/queries';
import { useAllProfiles } from '../profiles/queries';
import type { FieldOption } from './criteria-model';

interface ValueProps {
  option: FieldOption | undefined;
  op: ViewOp;
  value: unknown;
  onChange: (value: unknown) => void;
  /** The checker's or the server's problem with the value (marks the inputs). */
  invalid: boolean;
}

const PLACEHOLDER: Partial<Record<ViewFieldKind, string>> = {
  mac: '00:E0:C5 or 00e0c5',
  ip: '10.1.2.3',
  version: '12.3',
  date: 'YYYY-MM-DD',
};

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const W = { text: 200, small: 110 };

/** The value input(s) fitting the field's kind and the operator. */
export function CriterionValue({ option, op, value, onChange, invalid }: ValueProps) {
  const kind = option?.kind ?? 'text';
  const error = invalid || undefined;
  if (op === 'isEmpty') {
    return (
      <Select
        aria-label="Value"
        size="xs"
        w={W.small}
        data={[
          { value: 'true', label: 'yes' },
          { value: 'false', label: 'no (is set)' },
        ]}
        value={value === false ? 'false' : 'true'}
        onChange={(v) => onChange(v !== 'false')}
        allowDeselect={false}
        error={error}
      />
    );
  }
  if (op === 'withinLastDays' || op === 'moreThanDaysAgo') {
    return <DaysInput label="Days" value={value} onChange={onChange} invalid={invalid} />;
  }
  if (op === 'betweenDaysAgo') {
    const [a, b] = Array.isArray(value) ? value : [null, null];
    return (
      <Group gap={4} wrap="nowrap">
        <DaysInput label="From days ago" value={a} onChange={(v) => onChange([v, b])} invalid={invalid} />
        <Text size="xs">and</Text>
        <DaysInput label="To days ago" value={b} onChange={(v) => onChange([a, v])} invalid={invalid} />
      </Group>
    );
  }
  if (op === 'inFolder' || kind === 'folder') return <FolderValue op={op} value={value} onChange={onChange} invalid={invalid} />;
  if (kind === 'boolean') {
    return (
      <Select
        aria-label="Value"
        size="xs"
        w={W.small}
        data={[
          { value: 'true', label: 'yes' },
          { value: 'false', label: 'no' },
        ]}
        value={value === false ? 'false' : 'true'}
        onChange={(v) => onChange(v !== 'false')}
        allowDeselect={false}
        error={error}
      />
    );
  }
  if (kind === 'range') {
    return (
      <Select
        aria-label="Value"
        size="xs"
        w={W.text}
        data={[...(option?.attribute?.range ?? [])]}
        value={typeof value === 'string' ? value : null}
        onChange={(v) => onChange(v ?? '')}
        searchable
        error={error}
        comboboxProps={{ withinPortal: true }}
      />
    );
  }
  if (kind === 'profile') return <ProfileValue value={value} onChange={onChange} invalid={invalid} />;
  if (op === 'between') {
    const [a, b] = Array.isArray(value) ? value : ['', ''];
    return (
      <Group gap={4} wrap="nowrap">
        <Single kind={kind} op={op} label="From" value={a} onChange={(v) => onChange([v, b])} invalid={invalid} />
        <Text size="xs">and</Text>
        <Single kind={kind} op={op} label="To" value={b} onChange={(v) => onChange([a, v])} invalid={invalid} />
      </Group>
    );
  }
  return <Single kind={kind} op={op} label="Value" value={value} onChange={onChange} invalid={invalid} />;
}

function Single({
  kind,
  op,
  label,
  value,
  onChange,
  invalid,
}: {
  kind: ViewFieldKind;
  op: ViewOp;
  label: string;
  value: unknown;
  onChange: (value: unknown) => void;
  invalid: boolean;
}) {
  if (kind === 'number') {
    return (
      <NumberInput
        aria-label={label}
        size="xs"
        w={W.small}
        value={typeof value === 'number' ? value : ''}
        onChange={(v) => onChange(typeof v === 'number' ? v : v === '' ? null : Number(v))}
        error={invalid || undefined}
      />
    );
  }
  const text = typeof value === 'string' ? value : value === null || value === undefined ? '' : String(value);
  // A saved date-time (not a plain date) stays editable as text.
  const dateInput = kind === 'date' && (text === '' || DATE_ONLY.test(text));
  const placeholder = op === 'inCidr' ? '10.1.0.0/16' : op === 'regex' ? '^ITC[0-9a-f]+$' : PLACEHOLDER[kind];
  return (
    <TextInput
      aria-label={label}
      size="xs"
      w={kind === 'date' ? 150 : W.text}
      type={dateInput ? 'date' : 'text'}
      value={text}
      placeholder={placeholder}
      onChange={(e) => onChange(e.currentTarget.value)}
      error={invalid || undefined}
      maxLength={op === 'regex' ? 256 : 255}
      styles={op === 'regex' ? { input: { fontFamily: 'var(--mantine-font-family-monospace)' } } : undefined}
      spellCheck={false}
    />
  );
}

function DaysInput({
  label,
  value,
  onChange,
  invalid,
}: {
  label: string;
  value: unknown;
  onChange: (v: unknown) => void;
  invalid: boolean;
}) {
  return (
    <NumberInput
      aria-label={label}
      size="xs"
      w={100}
      min={0}
      max={36_500}
      allowDecimal={false}
      allowNegative={false}
      value={typeof value === 'number' ? value : ''}
      onChange={(v) => onChange(typeof v === 'number' ? v : v === '' ? null : Number(v))}
      rightSection={
        <Text size="xs" c="dimmed" pr={6}>
          days
        </Text>
      }
      rightSectionWidth={36}
      error={invalid || undefined}
    />
  );
}

function FolderValue({ op, value, onChange, invalid }: { op: ViewOp; value: unknown; onChange: (v: unknown) => void; invalid: boolean }) {
  const folders = useAllFolders();
  const data = useMemo(
    () =>
      (folders.data ?? [])
        .map((f) => ({ value: String(f.id), label: folders.index.path(f.id) }))
        .sort((a, b) => a.label.localeCompare(b.label)),
    [folders.data, folders.index],
  );
  const inFolder = op === 'inFolder';
  const v = (inFolder ? (value as { id?: unknown; recursive?: unknown } | null) : null) ?? {};
  const id = inFolder ? v.id : value;
  const recursive = inFolder ? v.recursive !== false : false;
  return (
    <Group gap={8} wrap="nowrap">
      <Select
        aria-label="Folder"
        size="xs"
        w={W.text}
        data={data}
        value={typeof id === 'number' ? String(id) : null}
        onChange={(s) => {
          const next = s === null ? null : Number(s);
          onChange(inFolder ? { id: next, recursive } : next);
        }}
        searchable
        placeholder={folders.isPending ? 'Loading folders…' : 'Choose a folder'}
        nothingFoundMessage="No folder with that name"
        limit={300}
        error={invalid || undefined}
        comboboxProps={{ withinPortal: true }}
      />
      {inFolder && (
        <Checkbox
          size="xs"
          label="include subfolders"
          checked={recursive}
          onChange={(e) => onChange({ id: typeof id === 'number' ? id : null, recursive: e.currentTarget.checked })}
        />
      )}
    </Group>
  );
}

function ProfileValue({ value, onChange, invalid }: { value: unknown; onChange: (v: unknown) => void; invalid: boolean }) {
  const profiles = useAllProfiles();
  const data = useMemo(
    () => (profiles.data ?? []).map((p) => ({ value: String(p.id), label: p.name })).sort((a, b) => a.label.localeCompare(b.label)),
    [profiles.data],
  );
  return (
    <Select
      aria-label="Profile"
      size="xs"
      w={W.text}
      data={data}
      value={typeof value === 'number' ? String(value) : null}
      onChange={(s) => onChange(s === null ? null : Number(s))}
      searchable
      placeholder={profiles.isPending ? 'Loading profiles…' : 'Choose a profile'}
      error={invalid || undefined}
      comboboxProps={{ withinPortal: true }}
    />
  );
}
