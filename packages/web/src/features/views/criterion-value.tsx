import type { ViewFieldKind, ViewOp } from '@openums/protocol';
import { Checkbox, Group, NumberInput, Select, Text, TextInput } from '@mantine/core';
import { useMemo, type ReactNode } from 'react';
import { useAllFolders } from '../devices/queries';
import { useProfileOptions } from '../profiles/profile-options';
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
  if (op === 'isEmpty') return <YesNoValue no="no (is set)" value={value} onChange={onChange} invalid={invalid} />;
  if (op === 'withinLastDays' || op === 'moreThanDaysAgo')
    return <NumberValue days label="Days" value={value} onChange={onChange} invalid={invalid} />;
  if (op === 'betweenDaysAgo') {
    return (
      <PairValue
        value={value}
        blank={null}
        onChange={onChange}
        input={(half, v, set) => (
          <NumberValue days label={half === 0 ? 'From days ago' : 'To days ago'} value={v} onChange={set} invalid={invalid} />
        )}
      />
    );
  }
  if (op === 'inFolder' || kind === 'folder') return <FolderValue op={op} value={value} onChange={onChange} invalid={invalid} />;
  if (kind === 'boolean') return <YesNoValue no="no" value={value} onChange={onChange} invalid={invalid} />;
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
        error={invalid || undefined}
        comboboxProps={{ withinPortal: true }}
      />
    );
  }
  if (kind === 'profile') return <ProfileValue value={value} onChange={onChange} invalid={invalid} />;
  if (op === 'between') {
    return (
      <PairValue
        value={value}
        blank=""
        onChange={onChange}
        input={(half, v, set) => (
          <Single kind={kind} op={op} label={half === 0 ? 'From' : 'To'} value={v} onChange={set} invalid={invalid} />
        )}
      />
    );
  }
  return <Single kind={kind} op={op} label="Value" value={value} onChange={onChange} invalid={invalid} />;
}

interface InputProps {
  value: unknown;
  onChange: (value: unknown) => void;
  invalid: boolean;
}

/** Two inputs joined by "and", for a [from, to] value (`blank` for a half not set). */
function PairValue({
  value,
  blank,
  onChange,
  input,
}: Omit<InputProps, 'invalid'> & { blank: unknown; input: (half: 0 | 1, value: unknown, set: (v: unknown) => void) => ReactNode }) {
  const [a, b] = Array.isArray(value) ? value : [blank, blank];
  return (
    <Group gap={4} wrap="nowrap">
      {input(0, a, (v) => onChange([v, b]))}
      <Text size="xs">and</Text>
      {input(1, b, (v) => onChange([a, v]))}
    </Group>
  );
}

/** Yes or no; `no` names the no (for "is empty": "no (is set)"). */
function YesNoValue({ no, value, onChange, invalid }: InputProps & { no: string }) {
  return (
    <Select
      aria-label="Value"
      size="xs"
      w={W.small}
      data={[
        { value: 'true', label: 'yes' },
        { value: 'false', label: no },
      ]}
      value={value === false ? 'false' : 'true'}
      onChange={(v) => onChange(v !== 'false')}
      allowDeselect={false}
      error={invalid || undefined}
    />
  );
}

/** A number; `days` for a whole number of days (0 to 100 years, "days" after it). */
function NumberValue({ label, days = false, value, onChange, invalid }: InputProps & { label: string; days?: boolean }) {
  const dayProps = days
    ? {
        min: 0,
        max: 36_500,
        allowDecimal: false,
        allowNegative: false,
        rightSection: (
          <Text size="xs" c="dimmed" pr={6}>
            days
          </Text>
        ),
        rightSectionWidth: 36,
      }
    : {};
  return (
    <NumberInput
      aria-label={label}
      size="xs"
      w={days ? 100 : W.small}
      {...dayProps}
      value={typeof value === 'number' ? value : ''}
      onChange={(v) => onChange(typeof v === 'number' ? v : v === '' ? null : Number(v))}
      error={invalid || undefined}
    />
  );
}

function Single({ kind, op, label, value, onChange, invalid }: InputProps & { kind: ViewFieldKind; op: ViewOp; label: string }) {
  if (kind === 'number') return <NumberValue label={label} value={value} onChange={onChange} invalid={invalid} />;
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

/** A choice of one folder or profile by name; the value is its id. */
function IdSelect({
  label,
  noun,
  options,
  loading,
  id,
  onChange,
  invalid,
  ...more
}: {
  label: string;
  /** "folder": "Choose a folder", "Loading folders…". */
  noun: string;
  options: { value: string; label: string }[];
  loading: boolean;
  id: unknown;
  onChange: (id: number | null) => void;
  invalid: boolean;
  nothingFoundMessage?: string;
  limit?: number;
}) {
  return (
    <Select
      aria-label={label}
      size="xs"
      w={W.text}
      data={options}
      value={typeof id === 'number' ? String(id) : null}
      onChange={(s) => onChange(s === null ? null : Number(s))}
      searchable
      placeholder={loading ? `Loading ${noun}s…` : `Choose a ${noun}`}
      {...more}
      error={invalid || undefined}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

function FolderValue({ op, value, onChange, invalid }: InputProps & { op: ViewOp }) {
  const folders = useAllFolders();
  const options = useMemo(
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
      <IdSelect
        label="Folder"
        noun="folder"
        options={options}
        loading={folders.isPending}
        id={id}
        onChange={(next) => onChange(inFolder ? { id: next, recursive } : next)}
        nothingFoundMessage="No folder with that name"
        limit={300}
        invalid={invalid}
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

function ProfileValue({ value, onChange, invalid }: InputProps) {
  const { options, isPending } = useProfileOptions();
  return <IdSelect label="Profile" noun="profile" options={options} loading={isPending} id={value} onChange={onChange} invalid={invalid} />;
}
