import type { CreateEnrollmentKeysRequest } from '@openums/protocol';
import { NumberInput, SegmentedControl, Select, Stack, Text, TextInput, Textarea } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createEnrollmentKeys, type CreatedEnrollmentKey } from '../../api/enrollment';
import { FormDialog } from '../../components/form-dialog';
import { FolderSelect } from '../devices/folder-select';
import type { FolderKey } from '../devices/queries';
import { enrollmentKeys } from './queries';

type KeyType = CreateEnrollmentKeysRequest['type'];

const UNIT_ID_RE = /^[A-Za-z0-9:._-]{1,64}$/;
const VALIDITY = [
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '1 day' },
  { value: '604800', label: '7 days' },
  { value: '2592000', label: '30 days' },
  { value: '31536000', label: '1 year' },
  { value: 'never', label: 'Does not expire' },
  { value: 'date', label: 'Until a date…' },
];

export function parseUnitIds(text: string): { ids: string[]; invalid: string[] } {
  const ids = [
    ...new Set(
      text
        .split(/[\s,;]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  return { ids, invalid: ids.filter((id) => !UNIT_ID_RE.test(id)) };
}

export function CreateKeysDialog({
  onClose,
  onCreated,
}: {
  onClose: () => void;
  onCreated: (keys: CreatedEnrollmentKey[], type: KeyType) => void;
}) {
  const queryClient = useQueryClient();
  const [type, setType] = useState<KeyType>('one-time');
  const [count, setCount] = useState<number | string>(1);
  const [unitIdText, setUnitIdText] = useState('');
  const [maxUses, setMaxUses] = useState<number | string>('');
  const [validity, setValidity] = useState('604800');
  const [until, setUntil] = useState('');
  const [folder, setFolder] = useState<FolderKey>('root');
  const [comment, setComment] = useState('');

  const unitIds = parseUnitIds(unitIdText);
  const untilDate = until ? new Date(until) : null;
  const problems: string[] = [];
  if (
    type === 'one-time' &&
    unitIds.ids.length === 0 &&
    !(Number(count) >= 1 && Number(count) <= 1000 && Number.isInteger(Number(count)))
  ) {
    problems.push('Enter how many keys to create (1–1000).');
  }
  if (type === 'one-time' && unitIds.invalid.length) problems.push(`Not a valid unit ID: ${unitIds.invalid.slice(0, 3).join(', ')}`);
  if (type === 'one-time' && unitIds.ids.length > 1000) problems.push('At most 1000 unit IDs at once.');
  if (validity === 'date' && !(untilDate && untilDate.getTime() > Date.now())) problems.push('Choose an expiry date in the future.');

  const submit = async () => {
    const body: CreateEnrollmentKeysRequest = { type, folderId: folder === 'root' ? null : folder };
    if (type === 'one-time') {
      if (unitIds.ids.length) body.unitIds = unitIds.ids;
      else body.count = Number(count);
    } else if (maxUses !== '' && Number(maxUses) > 0) {
      body.maxUses = Number(maxUses);
    }
    if (validity === 'date' && untilDate) body.expiresAt = untilDate.toISOString();
    else if (validity !== 'never') body.expiresAt = new Date(Date.now() + Number(validity) * 1000).toISOString();
    if (comment.trim()) body.comment = comment.trim();
    const { keys } = await createEnrollmentKeys(body);
    await queryClient.invalidateQueries({ queryKey: enrollmentKeys.keys });
    return keys;
  };

  return (
    <FormDialog
      opened
      title="New enrollment key"
      submitLabel={type === 'mass' ? 'Create key' : unitIds.ids.length > 1 || Number(count) > 1 ? 'Create keys' : 'Create key'}
      size="lg"
      onClose={onClose}
      submitDisabled={problems.length > 0}
      onSubmit={submit}
      onDone={(keys) => onCreated(keys, type)}
    >
      <Stack gap={4}>
        <SegmentedControl
          value={type}
          onChange={(v) => setType(v as KeyType)}
          data={[
            { value: 'one-time', label: 'One-time keys' },
            { value: 'mass', label: 'Mass key' },
          ]}
          aria-label="Key type"
        />
        <Text size="xs" c="dimmed">
          {type === 'one-time'
            ? 'Each key enrolls exactly one device. Safest choice: hand one key to each device.'
            : 'One key for many devices, e.g. in an installation image. Anyone who has it can enroll devices until it expires, is used up or is disabled.'}
        </Text>
      </Stack>
      {type === 'one-time' ? (
        <>
          <NumberInput
            label="Number of keys"
            min={1}
            max={1000}
            allowDecimal={false}
            value={count}
            onChange={setCount}
            disabled={unitIds.ids.length > 0}
            description={unitIds.ids.length > 0 ? `One key per unit ID (${unitIds.ids.length})` : undefined}
          />
          <Textarea
            label="Bind to unit IDs (optional)"
            description="One per line, usually the device's MAC address. A bound key enrolls only that device."
            autosize
            minRows={2}
            maxRows={6}
            value={unitIdText}
            onChange={(e) => setUnitIdText(e.currentTarget.value)}
            error={
              unitIds.invalid.length ? `Not valid: ${unitIds.invalid.slice(0, 3).join(', ')} (letters, digits and : . _ - only)` : undefined
            }
          />
        </>
      ) : (
        <NumberInput
          label="Maximum enrollments"
          description="Leave empty for no limit"
          placeholder="Unlimited"
          min={1}
          max={10_000_000}
          allowDecimal={false}
          thousandSeparator=","
          value={maxUses}
          onChange={setMaxUses}
        />
      )}
      <Select
        label="Valid for"
        data={VALIDITY}
        value={validity}
        onChange={(v) => setValidity(v ?? '604800')}
        allowDeselect={false}
        comboboxProps={{ withinPortal: true }}
      />
      {validity === 'date' && (
        <TextInput
          label="Expires at"
          type="datetime-local"
          value={until}
          onChange={(e) => setUntil(e.currentTarget.value)}
          description="Your local time"
        />
      )}
      <FolderSelect label="Put enrolled devices in" value={folder} onChange={setFolder} />
      <TextInput
        label="Comment"
        description="Optional: what the key is for"
        maxLength={500}
        value={comment}
        onChange={(e) => setComment(e.currentTarget.value)}
      />
      {problems.length > 0 && !unitIds.invalid.length && (
        <Text size="sm" c="red" role="status">
          {problems[0]}
        </Text>
      )}
    </FormDialog>
  );
}
