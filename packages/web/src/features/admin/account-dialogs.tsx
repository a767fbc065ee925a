import type { GeneralRight } from '@openums/protocol';
import { PasswordInput, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { createAdmin, resetAdminPassword, updateAdmin, type Admin } from '../../api/admins';
import { FormDialog } from '../../components/form-dialog';
import { notifySuccess } from '../../components/notify';
import { GeneralRightsField, sortRights } from './general-rights';
import { usePasswordPolicy } from './queries';

/** Account names as the server takes them: no control characters, no space at either end. */
// eslint-disable-next-line no-control-regex
const USERNAME_RE = /^[^\s\x00-\x1f\x7f](?:[^\x00-\x1f\x7f]*[^\s\x00-\x1f\x7f])?$/;

export function usernameProblem(name: string): string | null {
  if (!name) return 'Enter a user name.';
  if (name.length > 128) return 'At most 128 characters.';
  return USERNAME_RE.test(name) ? null : 'No spaces at the start or end, and no control characters.';
}

/** The first thing wrong with a new password, or null (the server checks reuse). */
export function passwordProblem(password: string, repeat: string, minLength: number | undefined): string | null {
  if (!password) return 'Enter a password.';
  if (minLength !== undefined && password.length < minLength) return `The password must have at least ${minLength} characters.`;
  if (password !== repeat) return 'The passwords do not match.';
  return null;
}

function PasswordFields({
  password,
  repeat,
  setPassword,
  setRepeat,
  label = 'Password',
}: {
  password: string;
  repeat: string;
  setPassword: (v: string) => void;
  setRepeat: (v: string) => void;
  label?: string;
}) {
  const policy = usePasswordPolicy();
  const min = policy.data?.minLength;
  return (
    <>
      <PasswordInput
        label={label}
        description={min ? `At least ${min} characters` : undefined}
        value={password}
        onChange={(e) => setPassword(e.currentTarget.value)}
        autoComplete="new-password"
        maxLength={1024}
        required
      />
      <PasswordInput
        label="Repeat the password"
        value={repeat}
        onChange={(e) => setRepeat(e.currentTarget.value)}
        autoComplete="new-password"
        maxLength={1024}
        error={repeat && password !== repeat ? 'The passwords do not match' : undefined}
        required
      />
    </>
  );
}

export function CreateAccountDialog({ onClose }: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const policy = usePasswordPolicy();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [superuser, setSuperuser] = useState(false);
  const [rights, setRights] = useState<GeneralRight[]>([]);
  const problem = usernameProblem(username) ?? passwordProblem(password, repeat, policy.data?.minLength);

  return (
    <FormDialog
      opened
      title="New account"
      submitLabel="Create account"
      size="lg"
      onClose={onClose}
      submitDisabled={problem !== null}
      onSubmit={async () => {
        const created = await createAdmin({ username, password, superuser, generalRights: superuser ? [] : rights });
        await queryClient.invalidateQueries({ queryKey: ['admins'] });
        return created;
      }}
      onDone={(created) => notifySuccess(`Account ${created.username} created`)}
    >
      <TextInput
        label="User name"
        description="What the administrator types to sign in"
        value={username}
        onChange={(e) => setUsername(e.currentTarget.value)}
        maxLength={128}
        autoComplete="off"
        data-autofocus
        required
      />
      <PasswordFields password={password} repeat={repeat} setPassword={setPassword} setRepeat={setRepeat} />
      <SuperuserSwitch checked={superuser} onChange={setSuperuser} />
      <GeneralRightsField value={rights} onChange={setRights} allGranted={superuser} />
      {problem && username && password && (
        <Text size="sm" c="red" role="status">
          {problem}
        </Text>
      )}
    </FormDialog>
  );
}

function SuperuserSwitch({ checked, onChange, disabled }: { checked: boolean; onChange: (v: boolean) => void; disabled?: boolean }) {
  return (
    <Switch
      label="Superuser"
      description="May do everything, on every device and folder, whatever the rights say"
      checked={checked}
      disabled={disabled}
      onChange={(e) => onChange(e.currentTarget.checked)}
    />
  );
}

export function EditAccountDialog({ account, onClose }: { account: Admin; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [username, setUsername] = useState(account.username);
  const [superuser, setSuperuser] = useState(account.superuser);
  const [rights, setRights] = useState<GeneralRight[]>(sortRights(account.generalRights));
  const local = account.domain === null;
  const rightsChanged = rights.join() !== sortRights(account.generalRights).join();
  const changed = username !== account.username || superuser !== account.superuser || rightsChanged;
  const problem = local ? usernameProblem(username) : null;

  return (
    <FormDialog
      opened
      title={`Edit ${displayName(account)}`}
      submitLabel="Save"
      size="lg"
      onClose={onClose}
      submitDisabled={!changed || problem !== null}
      onSubmit={async () => {
        const updated = await updateAdmin(account.id, {
          ...(username !== account.username ? { username } : {}),
          ...(superuser !== account.superuser ? { superuser } : {}),
          ...(rightsChanged ? { generalRights: rights } : {}),
        });
        await queryClient.invalidateQueries({ queryKey: ['admins'] });
        return updated;
      }}
      onDone={(updated) => notifySuccess(`Account ${updated.username} saved`)}
    >
      {local ? (
        <TextInput
          label="User name"
          value={username}
          onChange={(e) => setUsername(e.currentTarget.value)}
          maxLength={128}
          error={username && problem ? problem : undefined}
          required
        />
      ) : (
        <Text size="sm">
          Directory account of the domain <b>{account.domain}</b>; its name comes from the directory.
        </Text>
      )}
      <SuperuserSwitch checked={superuser} onChange={setSuperuser} />
      <GeneralRightsField value={rights} onChange={setRights} allGranted={superuser} />
      <Text size="xs" c="dimmed">
        Rights given to the account's groups add to these. Changes apply from the account's next request.
      </Text>
    </FormDialog>
  );
}

export function ResetPasswordDialog({ account, onClose }: { account: Admin; onClose: () => void }) {
  const policy = usePasswordPolicy();
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const problem = passwordProblem(password, repeat, policy.data?.minLength);
  return (
    <FormDialog
      opened
      title={`Reset the password of ${account.username}`}
      submitLabel="Set password"
      onClose={onClose}
      submitDisabled={problem !== null}
      onSubmit={() => resetAdminPassword(account.id, password)}
      onDone={() => notifySuccess(`Password of ${account.username} changed`)}
    >
      <Text size="sm">Every session of this account ends; the administrator signs in again with the new password.</Text>
      <Stack gap="sm">
        <PasswordFields password={password} repeat={repeat} setPassword={setPassword} setRepeat={setRepeat} label="New password" />
      </Stack>
    </FormDialog>
  );
}

/** `alice` for a local account, `alice@CORP` for a directory one. */
export function displayName(account: Pick<Admin, 'username' | 'domain'>): string {
  return account.domain ? `${account.username}@${account.domain}` : account.username;
}
