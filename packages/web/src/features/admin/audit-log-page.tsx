import type { AuditEntry, AuditFilterQuery } from '@openums/protocol';
import {
  Anchor,
  Autocomplete,
  Badge,
  Button,
  Group,
  NumberInput,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  UnstyledButton,
} from '@mantine/core';
import { Fragment, useMemo, useState, type MouseEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { auditLogCsvUrl } from '../../api/audit';
import { Chevron } from '../../components/tree-item';
import { displayName } from './account-dialogs';
import { AuditChanges } from './audit-changes';
import { AUDIT_ACTIONS, ACTION_RE, changeSummary, isoToLocal, localToIso, OBJECT_TYPES, objectTypeLabel } from './audit-format';
import { AuditRetentionCard } from './audit-retention-card';
import { LoadError, Loading, PageHeader } from './page-states';
import { useAllAccounts, useAuditLog } from './queries';

/** Entries often come seconds apart: the seconds are shown. */
const entryTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

type FilterKey = 'from' | 'to' | 'actorId' | 'objectType' | 'objectId' | 'action';

/** The filter in the address bar, so a filtered view can be reloaded, shared and gone back to. */
export function filterFromParams(params: URLSearchParams): AuditFilterQuery {
  const f: AuditFilterQuery = {};
  const num = (v: string | null) => (v && /^[1-9][0-9]*$/.test(v) ? Number(v) : undefined);
  const from = params.get('from');
  const to = params.get('to');
  if (from && !Number.isNaN(Date.parse(from))) f.from = from;
  if (to && !Number.isNaN(Date.parse(to))) f.to = to;
  const actorId = num(params.get('actorId'));
  if (actorId) f.actorId = actorId;
  const objectType = params.get('objectType');
  if (objectType && /^[a-z][a-z0-9-]*$/.test(objectType)) f.objectType = objectType;
  const objectId = num(params.get('objectId'));
  if (objectId) f.objectId = objectId;
  const action = params.get('action');
  if (action && ACTION_RE.test(action)) f.action = action;
  return f;
}

/** Administration › Audit log: who changed what and when, filtered, with CSV export and retention. */
export function AuditLogPage() {
  const [params, setParams] = useSearchParams();
  const filter = useMemo(() => filterFromParams(params), [params]);
  const query = useAuditLog(filter);
  const accounts = useAllAccounts();
  const entries = useMemo(() => query.data?.pages.flatMap((p) => p.items) ?? [], [query.data]);
  const filtered = Object.keys(filter).length > 0;

  const setFilter = (changes: Partial<Record<FilterKey, string | number | undefined>>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') next.delete(k);
      else next.set(k, String(v));
    }
    setParams(next, { replace: true });
  };

  // Accounts when this administrator may list them, else the actors of the entries loaded so far.
  const actorOptions = useMemo(() => {
    const names = new Map<number, string>();
    for (const a of accounts.data ?? []) names.set(a.id, displayName(a));
    for (const e of entries) if (e.actorId !== null && !names.has(e.actorId)) names.set(e.actorId, e.actorName ?? `#${e.actorId}`);
    if (filter.actorId && !names.has(filter.actorId)) names.set(filter.actorId, `Account #${filter.actorId}`);
    return [...names].map(([id, name]) => ({ value: String(id), label: name })).sort((a, b) => a.label.localeCompare(b.label));
  }, [accounts.data, entries, filter.actorId]);

  return (
    <Stack p="lg" gap="lg" maw={1600}>
      <PageHeader
        title="Audit log"
        description="Every change made by an administrator or an API token, and every sign-in. Newest first; secrets are recorded as ***."
      >
        <Button component="a" href={auditLogCsvUrl(filter)} download variant="default" data-testid="export-csv">
          {filtered ? 'Export filtered CSV' : 'Export CSV'}
        </Button>
      </PageHeader>
      <Group align="flex-end" gap="sm" data-testid="audit-filters">
        <TextInput
          type="datetime-local"
          label="From"
          value={isoToLocal(filter.from)}
          onChange={(e) => setFilter({ from: localToIso(e.currentTarget.value) })}
          w={200}
        />
        <TextInput
          type="datetime-local"
          label="Until"
          value={isoToLocal(filter.to)}
          onChange={(e) => setFilter({ to: localToIso(e.currentTarget.value) })}
          w={200}
        />
        <Select
          label="Actor"
          placeholder="Anyone"
          data={actorOptions}
          value={filter.actorId ? String(filter.actorId) : null}
          onChange={(v) => setFilter({ actorId: v ?? undefined })}
          searchable
          clearable
          nothingFoundMessage="No such account"
          w={200}
          comboboxProps={{ withinPortal: true }}
        />
        <Select
          label="Object"
          placeholder="Any"
          data={OBJECT_TYPES}
          value={filter.objectType ?? null}
          onChange={(v) => setFilter({ objectType: v ?? undefined, objectId: v ? filter.objectId : undefined })}
          clearable
          w={170}
          comboboxProps={{ withinPortal: true }}
        />
        <NumberInput
          label="Object ID"
          placeholder="Any"
          min={1}
          allowDecimal={false}
          allowNegative={false}
          value={filter.objectId ?? ''}
          onChange={(v) => setFilter({ objectId: typeof v === 'number' && v >= 1 ? v : undefined })}
          disabled={!filter.objectType}
          w={110}
        />
        <ActionFilter value={filter.action ?? ''} onChange={(action) => setFilter({ action })} />
        {filtered && (
          <Button variant="subtle" onClick={() => setParams(new URLSearchParams(), { replace: true })}>
            Clear filters
          </Button>
        )}
      </Group>
      {query.isPending ? (
        <Loading what="audit log" />
      ) : query.isError && !query.data ? (
        <LoadError what="audit log" right="loggingAndAudit" error={query.error} onRetry={() => void query.refetch()} />
      ) : entries.length === 0 ? (
        <Text size="sm" c="dimmed" p="md" data-testid="no-entries">
          {filtered ? 'No entries match these filters.' : 'The audit log is empty.'}
        </Text>
      ) : (
        <Stack gap="xs">
          <AuditTable entries={entries} setFilter={setFilter} />
          {query.hasNextPage && (
            <Button
              variant="subtle"
              size="compact-sm"
              w="fit-content"
              loading={query.isFetchingNextPage}
              onClick={() => void query.fetchNextPage()}
            >
              Load older entries
            </Button>
          )}
        </Stack>
      )}
      <AuditRetentionCard />
    </Stack>
  );
}

/** Free text with the known actions offered; applied when it is a whole action name. */
function ActionFilter({ value, onChange }: { value: string; onChange: (action: string | undefined) => void }) {
  const [text, setText] = useState<string | null>(null);
  const shown = text ?? value;
  const apply = (v: string) => {
    setText(null);
    const t = v.trim();
    onChange(t && ACTION_RE.test(t) ? t : undefined);
  };
  return (
    <Autocomplete
      label="Action"
      placeholder="Any"
      data={AUDIT_ACTIONS}
      value={shown}
      onChange={(v) => {
        setText(v);
        if (v === '') apply('');
      }}
      onOptionSubmit={apply}
      onBlur={() => text !== null && apply(text)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') apply(e.currentTarget.value);
      }}
      error={text && text.trim() && !ACTION_RE.test(text.trim()) ? 'Like admin.update' : undefined}
      w={220}
      limit={50}
      maxDropdownHeight={280}
      comboboxProps={{ withinPortal: true }}
    />
  );
}

type SetFilter = (changes: Record<string, string | number | undefined>) => void;

function AuditTable({ entries, setFilter }: { entries: AuditEntry[]; setFilter: SetFilter }) {
  const [open, setOpen] = useState<Set<number>>(new Set());
  const toggle = (id: number) =>
    setOpen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  return (
    <Table.ScrollContainer minWidth={1000}>
      <Table fz="sm" verticalSpacing={6} highlightOnHover aria-label="Audit log" data-testid="audit-table">
        <Table.Thead>
          <Table.Tr>
            <Table.Th w={28} />
            <Table.Th>Time</Table.Th>
            <Table.Th>Actor</Table.Th>
            <Table.Th>Action</Table.Th>
            <Table.Th>Object</Table.Th>
            <Table.Th>Change</Table.Th>
            <Table.Th>Address</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((e) => {
            const summary = changeSummary(e);
            const expandable = e.before != null || e.after != null;
            const isOpen = open.has(e.id);
            return (
              <Fragment key={e.id}>
                <Table.Tr
                  data-testid="audit-row"
                  data-action={e.action}
                  onClick={expandable ? () => toggle(e.id) : undefined}
                  style={expandable ? { cursor: 'pointer' } : undefined}
                >
                  <Table.Td>
                    {expandable && (
                      <UnstyledButton
                        aria-label={`${isOpen ? 'Hide' : 'Show'} the change of entry ${e.id}`}
                        aria-expanded={isOpen}
                        onClick={(ev) => {
                          ev.stopPropagation();
                          toggle(e.id);
                        }}
                        style={{ display: 'flex' }}
                      >
                        <Chevron open={isOpen} />
                      </UnstyledButton>
                    )}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{entryTime.format(new Date(e.at))}</Table.Td>
                  <Table.Td>
                    {e.actorId !== null ? (
                      <FilterLink title="Only this actor's entries" onClick={() => setFilter({ actorId: e.actorId! })}>
                        {e.actorName ?? `#${e.actorId}`}
                      </FilterLink>
                    ) : (
                      <Text size="sm" c="dimmed">
                        {e.actorName ?? 'system'}
                      </Text>
                    )}
                    {e.via === 'token' && (
                      <Badge size="xs" variant="outline" ml={6} title={e.tokenId ? `API token #${e.tokenId}` : undefined}>
                        API token
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Text span ff="monospace" size="xs">
                      {e.action}
                    </Text>
                    {e.result === 'failure' && (
                      <Badge size="xs" color="red" variant="light" ml={6}>
                        failed
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>
                    {e.objectType ? (
                      <Group gap={6} wrap="nowrap">
                        <Text size="xs" c="dimmed" style={{ whiteSpace: 'nowrap' }}>
                          {objectTypeLabel(e.objectType)}
                        </Text>
                        {e.objectId !== null ? (
                          <FilterLink
                            title="Only this object's entries"
                            onClick={() => setFilter({ objectType: e.objectType!, objectId: e.objectId! })}
                          >
                            {e.objectName ?? `#${e.objectId}`}
                          </FilterLink>
                        ) : (
                          <Text size="sm">{e.objectName ?? '—'}</Text>
                        )}
                      </Group>
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td maw={320} style={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }} title={summary}>
                    <Text size="xs" c="dimmed" span>
                      {summary || '—'}
                    </Text>
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Text size="xs" ff="monospace" span>
                      {e.address ?? '—'}
                    </Text>
                  </Table.Td>
                </Table.Tr>
                {isOpen && (
                  <Table.Tr data-testid="audit-detail">
                    <Table.Td />
                    <Table.Td colSpan={6}>
                      <AuditChanges entry={e} />
                    </Table.Td>
                  </Table.Tr>
                )}
              </Fragment>
            );
          })}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

function FilterLink({ title, onClick, children }: { title: string; onClick: () => void; children: ReactNode }) {
  return (
    <Anchor
      component="button"
      type="button"
      size="sm"
      title={title}
      onClick={(ev: MouseEvent) => {
        ev.stopPropagation();
        onClick();
      }}
    >
      {children}
    </Anchor>
  );
}
