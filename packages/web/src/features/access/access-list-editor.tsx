import { OBJECT_RIGHTS, type AccessEntry, type Principal } from '@openums/protocol';
import { ActionIcon, Badge, Group, ScrollArea, SegmentedControl, Select, Stack, Table, Text, Tooltip } from '@mantine/core';
import { parsePrincipalKey, principalKey, rightState, summarize, type RightState } from './access-draft';
import { RIGHT_HINTS, RIGHT_LABELS, VALUE_LABELS } from './rights-labels';
import classes from './access.module.css';

/** Accounts and groups that can be added, already named. */
export interface PrincipalChoices {
  accounts: { id: number; name: string; superuser: boolean }[] | undefined;
  groups: { id: number; name: string }[] | undefined;
  /** Why a list is missing (e.g. listing accounts needs a general right), to say so under the picker. */
  unavailable: string | null;
}

interface AccessListEditorProps {
  entries: readonly AccessEntry[];
  selectedKey: string | null;
  onSelect: (key: string) => void;
  readOnly: boolean;
  principalName: (p: Principal) => string;
  choices: PrincipalChoices;
  onAdd: (p: Principal) => void;
  onRemove: (key: string) => void;
  onSetRight: (key: string, right: (typeof OBJECT_RIGHTS)[number], state: RightState) => void;
}

/** Not set stays neutral (the default white indicator), so what is allowed or denied stands out. */
const STATE_COLORS: Record<RightState, string | undefined> = { allow: 'teal', deny: 'red', unset: undefined };
const label = (r: (typeof OBJECT_RIGHTS)[number]) => RIGHT_LABELS[r];

/** Principals on the left (add, remove, pick one), the twelve rights of the picked one on the right. */
export function AccessListEditor(props: AccessListEditorProps) {
  const { entries, selectedKey, onSelect, readOnly, principalName } = props;
  const selected = entries.find((e) => principalKey(e.principal) === selectedKey) ?? null;
  return (
    <div className={classes.editor} data-empty={entries.length === 0 || undefined}>
      <Stack gap="xs" className={classes.principals}>
        <ScrollArea.Autosize mah={420} type="auto">
          <Table highlightOnHover verticalSpacing={6} aria-label="Accounts and groups on this access list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Account or group</Table.Th>
                {!readOnly && <Table.Th w={36} aria-label="Remove" />}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {entries.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={2}>
                    <Text size="sm" c="dimmed" py="xs">
                      Nobody is listed: only superusers and rights inherited from folders above apply.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
              {entries.map((entry) => {
                const key = principalKey(entry.principal);
                const name = principalName(entry.principal);
                const isSelected = key === selectedKey;
                return (
                  <Table.Tr
                    key={key}
                    className={classes.principalRow}
                    data-selected={isSelected || undefined}
                    aria-selected={isSelected}
                    data-testid="access-principal"
                    data-principal={key}
                  >
                    <Table.Td>
                      <button type="button" className={classes.principalButton} onClick={() => onSelect(key)} aria-pressed={isSelected}>
                        <Group gap={6} wrap="nowrap">
                          <Badge
                            size="xs"
                            variant="light"
                            color={entry.principal.type === 'group' ? 'grape' : 'blue'}
                            style={{ flex: 'none' }}
                          >
                            {entry.principal.type === 'group' ? 'Group' : 'Account'}
                          </Badge>
                          <Text size="sm" fw={500} truncate>
                            {name}
                          </Text>
                        </Group>
                        <Text size="xs" c="dimmed" lineClamp={2} data-testid="access-summary">
                          {summarize(entry, label)}
                        </Text>
                      </button>
                    </Table.Td>
                    {!readOnly && (
                      <Table.Td>
                        <Tooltip label={`Remove ${name} from the list`}>
                          <ActionIcon
                            variant="subtle"
                            color="red"
                            aria-label={`Remove ${name}`}
                            onClick={(e) => {
                              e.stopPropagation();
                              props.onRemove(key);
                            }}
                          >
                            ×
                          </ActionIcon>
                        </Tooltip>
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </ScrollArea.Autosize>
        {!readOnly && <AddPrincipal entries={entries} choices={props.choices} onAdd={props.onAdd} />}
      </Stack>
      <div className={classes.rights}>
        {selected ? (
          <RightsTable entry={selected} name={principalName(selected.principal)} readOnly={readOnly} onSetRight={props.onSetRight} />
        ) : (
          <Text size="sm" c="dimmed" p="md">
            {entries.length ? 'Pick an account or group to see its rights.' : readOnly ? '' : 'Add an account or group to give it rights.'}
          </Text>
        )}
      </div>
    </div>
  );
}

function RightsTable({
  entry,
  name,
  readOnly,
  onSetRight,
}: {
  entry: AccessEntry;
  name: string;
  readOnly: boolean;
  onSetRight: AccessListEditorProps['onSetRight'];
}) {
  const key = principalKey(entry.principal);
  return (
    <Stack gap={4}>
      <Text size="sm" fw={600}>
        Rights of {entry.principal.type === 'group' ? 'group' : 'account'} {name}
      </Text>
      <Table verticalSpacing={3} aria-label={`Rights of ${name}`}>
        <Table.Tbody>
          {OBJECT_RIGHTS.map((right) => {
            const state = rightState(entry, right);
            return (
              <Table.Tr key={right} data-testid={`right-${right}`} data-state={state}>
                <Table.Td>
                  <Text size="sm">{RIGHT_LABELS[right]}</Text>
                  <Text size="xs" c="dimmed">
                    {RIGHT_HINTS[right]}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <SegmentedControl
                    size="xs"
                    aria-label={`${RIGHT_LABELS[right]} for ${name}`}
                    value={state}
                    readOnly={readOnly}
                    color={STATE_COLORS[state]}
                    onChange={(value) => onSetRight(key, right, value as RightState)}
                    data={(['unset', 'allow', 'deny'] as const).map((v) => ({ value: v, label: VALUE_LABELS[v] }))}
                  />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

function AddPrincipal({
  entries,
  choices,
  onAdd,
}: {
  entries: readonly AccessEntry[];
  choices: PrincipalChoices;
  onAdd: (p: Principal) => void;
}) {
  const listed = new Set(entries.map((e) => principalKey(e.principal)));
  const data = [
    {
      group: 'Groups',
      items: (choices.groups ?? []).map((g) => ({ value: `group:${g.id}`, label: g.name })).filter((o) => !listed.has(o.value)),
    },
    {
      group: 'Accounts',
      items: (choices.accounts ?? [])
        .map((a) => ({ value: `admin:${a.id}`, label: a.superuser ? `${a.name} (superuser: holds every right)` : a.name }))
        .filter((o) => !listed.has(o.value)),
    },
  ].filter((g) => g.items.length > 0);
  return (
    <Stack gap={4}>
      <Select
        size="xs"
        label="Add an account or group"
        placeholder={data.length ? 'Search by name' : 'Nobody left to add'}
        searchable
        clearable={false}
        value={null}
        data={data}
        disabled={data.length === 0}
        nothingFoundMessage="No account or group by that name"
        onChange={(value) => {
          const principal = parsePrincipalKey(value ?? '');
          if (principal) onAdd(principal);
        }}
        comboboxProps={{ withinPortal: true }}
      />
      {choices.unavailable && (
        <Text size="xs" c="dimmed">
          {choices.unavailable}
        </Text>
      )}
    </Stack>
  );
}
