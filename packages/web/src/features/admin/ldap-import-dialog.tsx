import type { LdapEntryType } from '@openums/protocol';
import { Alert, Badge, Button, Checkbox, Group, Modal, ScrollArea, SegmentedControl, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { Link } from 'react-router';
import { importLdapEntries, searchLdapDirectory, type LdapDomain, type LdapEntry, type LdapImportResult } from '../../api/ldap';
import { ErrorAlert } from '../../components/error-alert';
import { plural } from '../../lib/format';
import { adminQueries } from './queries';

type SearchType = LdapEntryType | 'all';
const entryKey = (e: { type: string; dn: string }) => `${e.type}:${e.dn}`;

/** Finds users and groups in the directory and imports the chosen ones. */
export function LdapImportDialog({ domain, onClose }: { domain: LdapDomain; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [text, setText] = useState('');
  const [type, setType] = useState<SearchType>('all');
  const [asked, setAsked] = useState<{ q: string; type: SearchType } | null>(null);
  const [chosen, setChosen] = useState<Map<string, LdapEntry>>(new Map());
  const [result, setResult] = useState<LdapImportResult | null>(null);
  const search = useQuery({
    queryKey: ['ldap-search', domain.id, asked],
    queryFn: ({ signal }) => searchLdapDirectory(domain.id, { q: asked!.q || undefined, type: asked!.type, limit: 200 }, signal),
    enabled: asked !== null,
    retry: false,
    staleTime: 0,
  });
  const doImport = useMutation({
    mutationFn: () => importLdapEntries(domain.id, { entries: [...chosen.values()].map((e) => ({ type: e.type, dn: e.dn })) }),
    onSuccess: (res) => {
      setResult(res);
      setChosen(new Map());
      void queryClient.invalidateQueries({ queryKey: ['admins'] });
      void queryClient.invalidateQueries({ queryKey: adminQueries.groups });
      void queryClient.invalidateQueries({ queryKey: ['ldap-search', domain.id] });
    },
  });
  const toggle = (e: LdapEntry, on: boolean) =>
    setChosen((prev) => {
      const next = new Map(prev);
      if (on) next.set(entryKey(e), e);
      else next.delete(entryKey(e));
      return next;
    });
  const items = search.data?.items ?? [];
  const selectable = items.filter((e) => e.importedId === null);

  return (
    <Modal opened onClose={onClose} title={`Import from ${domain.name}`} centered size="xl">
      <Stack>
        <Text size="sm" c="dimmed">
          Imported users become accounts that sign in with their directory password. Imported groups let every member of the directory group
          sign in; give them rights under Groups.
        </Text>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setResult(null);
            setAsked({ q: text.trim(), type });
          }}
        >
          <Group align="flex-end" gap="xs">
            <TextInput
              label="Name contains"
              placeholder="Empty: everything"
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              maxLength={256}
              style={{ flex: 1 }}
              data-autofocus
            />
            <SegmentedControl
              value={type}
              onChange={(v) => setType(v as SearchType)}
              data={[
                { value: 'all', label: 'All' },
                { value: 'user', label: 'Users' },
                { value: 'group', label: 'Groups' },
              ]}
              aria-label="Search for"
            />
            <Button type="submit" loading={search.isFetching}>
              Search
            </Button>
          </Group>
        </form>
        {search.isError && <ErrorAlert title="The directory search failed" error={search.error} />}
        {search.data && items.length === 0 && (
          <Text size="sm" c="dimmed" data-testid="no-entries">
            Nothing in the directory matches. Check the spelling, or the base DN and user filter of the domain.
          </Text>
        )}
        {items.length > 0 && (
          <ScrollArea.Autosize mah={380}>
            <Table fz="sm" striped stickyHeader aria-label="Directory entries">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th w={40}>
                    <Checkbox
                      aria-label="Choose all"
                      checked={selectable.length > 0 && selectable.every((e) => chosen.has(entryKey(e)))}
                      indeterminate={selectable.some((e) => chosen.has(entryKey(e))) && !selectable.every((e) => chosen.has(entryKey(e)))}
                      disabled={selectable.length === 0}
                      onChange={(ev) => {
                        const on = ev.currentTarget.checked;
                        for (const e of selectable) toggle(e, on);
                      }}
                    />
                  </Table.Th>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Type</Table.Th>
                  <Table.Th>Distinguished name</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((e) => (
                  <Table.Tr key={entryKey(e)} data-testid="directory-entry">
                    <Table.Td>
                      {e.importedId === null ? (
                        <Checkbox
                          aria-label={`Choose ${e.name}`}
                          checked={chosen.has(entryKey(e))}
                          onChange={(ev) => toggle(e, ev.currentTarget.checked)}
                        />
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={500}>
                        {e.name}
                      </Text>
                      {e.displayName && e.displayName !== e.name && (
                        <Text size="xs" c="dimmed">
                          {e.displayName}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} wrap="nowrap">
                        <Badge size="sm" variant="light" color={e.type === 'group' ? 'violet' : 'blue'}>
                          {e.type === 'group' ? 'Group' : 'User'}
                        </Badge>
                        {e.importedId !== null && (
                          <Badge size="sm" variant="outline" color="gray">
                            Imported
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td style={{ wordBreak: 'break-all' }}>
                      <Text size="xs" c="dimmed" ff="monospace">
                        {e.dn}
                      </Text>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea.Autosize>
        )}
        {search.data?.truncated && (
          <Text size="xs" c="orange">
            More entries match than are shown; type more of the name to narrow the search.
          </Text>
        )}
        {doImport.error && <ErrorAlert title="Could not import" error={doImport.error} />}
        {result && <ImportSummary result={result} />}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Close
          </Button>
          <Button disabled={chosen.size === 0} loading={doImport.isPending} onClick={() => doImport.mutate()}>
            {chosen.size === 0 ? 'Import' : chosen.size === 1 ? 'Import 1 entry' : `Import ${chosen.size} entries`}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

function ImportSummary({ result }: { result: LdapImportResult }) {
  const created = result.items.filter((i) => i.created);
  const users = created.filter((i) => i.type === 'user').length;
  const groups = created.filter((i) => i.type === 'group').length;
  const again = result.items.length - created.length;
  return (
    <Alert color="teal" title="Imported" data-testid="import-result">
      {plural(users, 'account')} and {plural(groups, 'group')} created
      {again ? `; ${again} had been imported before and did not change` : ''}.{' '}
      {groups > 0 ? (
        <>
          Give the groups rights under <Link to="/admin/groups">Groups</Link>.
        </>
      ) : (
        <>
          Give the accounts rights under <Link to="/admin/accounts">Accounts</Link>.
        </>
      )}
    </Alert>
  );
}
