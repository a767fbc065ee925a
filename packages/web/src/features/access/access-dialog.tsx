import type { AccessEntry, AccessNodeRef, Principal } from '@openums/protocol';
import { Alert, Badge, Button, Group, Loader, Modal, Stack, Tabs, Text } from '@mantine/core';
import { useState } from 'react';
import { isApiError } from '../../api/client';
import { ErrorAlert } from '../../components/error-alert';
import { notifySuccess } from '../../components/notify';
import { useWarnBeforeUnload } from '../../components/unsaved-changes';
import { entryIndexOfField, principalKey, sameEntries, withoutPrincipal, withPrincipal, withRight } from './access-draft';
import { AccessListEditor, type PrincipalChoices } from './access-list-editor';
import { EffectiveRights } from './effective-rights';
import { usePrincipals, useAccessList, useSaveAccessList } from './queries';
import { OBJECT_NOUNS } from './rights-labels';
import { useMyRights } from './use-my-rights';

interface AccessDialogProps {
  object: AccessNodeRef;
  /** The object's name as the page shows it ("Berlin / Team", "kiosk-12"). */
  name: string;
  onClose: () => void;
}

type Tab = 'list' | 'effective';

/**
 * The access list of one device, folder, profile or profile folder: who is allowed or denied each
 * right here, and what that makes of one account's rights. Save replaces the whole list.
 */
export function AccessDialog({ object, name, onClose }: AccessDialogProps) {
  const noun = OBJECT_NOUNS[object.type];
  const mine = useMyRights(object);
  const list = useAccessList(object);
  const principals = usePrincipals(object);
  const save = useSaveAccessList(object);
  const [tab, setTab] = useState<Tab>('list');
  /** null: nothing edited, the dialog shows the saved list (and follows it). */
  const [draft, setDraft] = useState<AccessEntry[] | null>(null);
  const [selectedKey, setSelectedKey] = useState<string | null>(null);
  const [confirmingClose, setConfirmingClose] = useState(false);

  const saved = list.data?.entries;
  const entries = draft ?? saved ?? [];
  const dirty = draft !== null && saved !== undefined && !sameEntries(draft, saved);
  const readOnly = !mine.can('accessControl');
  useWarnBeforeUnload(dirty);

  const firstKey = entries[0] ? principalKey(entries[0].principal) : null;
  const shownKey = selectedKey !== null && entries.some((e) => principalKey(e.principal) === selectedKey) ? selectedKey : firstKey;

  const edit = (next: AccessEntry[]) => {
    save.reset();
    setDraft(next);
  };
  const principalName = (p: Principal) => (p.type === 'admin' ? principals.accountName(p.id) : principals.groupName(p.id));
  const choices: PrincipalChoices = {
    accounts: principals.accounts.data,
    groups: principals.groups.data,
    unavailable: !principals.listable
      ? 'Listing accounts and groups to add needs the Accounts and access general right.'
      : principals.accounts.isError || principals.groups.isError
        ? 'Cannot list the accounts and groups to add; try again later.'
        : null,
  };

  const requestClose = () => (dirty ? setConfirmingClose(true) : onClose());
  const submit = () => {
    if (!dirty || save.isPending) return;
    save.mutate(
      { entries },
      {
        onSuccess: () => {
          setDraft(null);
          notifySuccess(`Access list of ${noun} "${name}" saved`);
        },
        onError: (error) => {
          // Show the entry the server named (an account or group deleted meanwhile).
          const index = isApiError(error) ? entryIndexOfField(error.details) : null;
          const named = index !== null ? entries[index] : undefined;
          if (named) setSelectedKey(principalKey(named.principal));
        },
      },
    );
  };

  return (
    <Modal
      opened
      onClose={requestClose}
      size={960}
      title={
        <Text fw={600}>
          Access control: {noun} <b>{name}</b>
        </Text>
      }
      closeButtonProps={{ 'aria-label': 'Close access control' }}
    >
      <Stack gap="sm" data-testid="access-dialog">
        <Tabs value={tab} onChange={(v) => setTab((v as Tab | null) ?? 'list')} keepMounted={false}>
          <Tabs.List mb="sm">
            <Tabs.Tab
              value="list"
              rightSection={
                dirty ? (
                  <Badge size="xs" color="yellow">
                    unsaved
                  </Badge>
                ) : undefined
              }
            >
              Access list
            </Tabs.Tab>
            <Tabs.Tab value="effective">Effective rights</Tabs.Tab>
          </Tabs.List>
          <Tabs.Panel value="list">
            {list.isPending && (
              <Group gap="xs">
                <Loader size="xs" />
                <Text size="sm">Loading the access list…</Text>
              </Group>
            )}
            {list.isError &&
              (isApiError(list.error, 'FORBIDDEN') ? (
                <Alert color="gray" title="You may not see this access list" data-testid="access-forbidden">
                  Seeing who has rights on this {noun} needs the Read or Access control right on it.
                </Alert>
              ) : (
                <ErrorAlert title="Cannot load the access list" error={list.error} />
              ))}
            {list.data && (
              <Stack gap="sm">
                {readOnly && !mine.loading && (
                  <Alert color="blue" p="xs" data-testid="access-read-only">
                    You can see this list but not change it: changing it needs the Access control right on this {noun}.
                  </Alert>
                )}
                <Text size="xs" c="dimmed">
                  Rights set here apply to this {noun}
                  {object.type.endsWith('folder') ? ' and everything below it' : ''}. A deny wins over any allow, here or on a folder above.
                </Text>
                <AccessListEditor
                  entries={entries}
                  selectedKey={shownKey}
                  onSelect={setSelectedKey}
                  readOnly={readOnly}
                  principalName={principalName}
                  choices={choices}
                  onAdd={(p) => {
                    edit(withPrincipal(entries, p));
                    setSelectedKey(principalKey(p));
                  }}
                  onRemove={(key) => edit(withoutPrincipal(entries, key))}
                  onSetRight={(key, right, state) => edit(withRight(entries, key, right, state))}
                />
                {!principals.listable && (
                  <Text size="xs" c="dimmed">
                    Adding accounts or groups needs the Accounts and access general right.
                  </Text>
                )}
              </Stack>
            )}
          </Tabs.Panel>
          <Tabs.Panel value="effective">
            <EffectiveRights object={object} accounts={principals.accounts.data} groupName={principals.groupName} unsaved={dirty} />
          </Tabs.Panel>
        </Tabs>
        {save.error && <ErrorAlert title="Could not save the access list" error={save.error} />}
        <Group justify="flex-end" gap="xs">
          {dirty && (
            <Text size="sm" c="dimmed" mr="auto">
              Unsaved changes
            </Text>
          )}
          <Button variant="default" onClick={requestClose}>
            {dirty ? 'Cancel' : 'Close'}
          </Button>
          {!readOnly && (tab === 'list' || dirty) && (
            <Button onClick={submit} disabled={!dirty} loading={save.isPending}>
              Save
            </Button>
          )}
        </Group>
      </Stack>
      <Modal opened={confirmingClose} onClose={() => setConfirmingClose(false)} title="Discard unsaved changes?" centered zIndex={400}>
        <Stack>
          <Text size="sm">The access list has changes that are not saved. Close it and lose them?</Text>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setConfirmingClose(false)} data-autofocus>
              Stay
            </Button>
            <Button color="red" onClick={onClose}>
              Discard changes
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Modal>
  );
}
