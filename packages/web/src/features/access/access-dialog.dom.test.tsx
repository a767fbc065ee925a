// @vitest-environment jsdom
import type { AccessList, EffectiveAccess, MeResponse } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../auth/session';
import { keys as deviceKeys } from '../devices/queries';
import { AccessDialog } from './access-dialog';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

type Call = { method: string; url: string; body: unknown };

interface ServerState {
  list?: AccessList | { status: number; code: string };
  mine?: Record<string, boolean>;
  effective?: EffectiveAccess;
  putAnswer?: { status: number; body: unknown };
}

const ACCOUNTS = [
  { id: 1, username: 'root', domain: null, superuser: true },
  { id: 5, username: 'alice', domain: null, superuser: false },
  { id: 6, username: 'bob', domain: null, superuser: false },
];
const GROUPS = [
  { id: 3, name: 'Helpdesk' },
  { id: 4, name: 'Berlin admins' },
];

function mockServer(state: ServerState) {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const method = init.method ?? 'GET';
      const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, url, body });
      const json = (status: number, data: unknown) =>
        new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
      const path = url.split('?')[0];
      if (path === '/api/v1/admins') return json(200, { items: ACCOUNTS, nextCursor: null });
      if (path === '/api/v1/admin-groups') return json(200, { items: GROUPS });
      if (path === '/api/v1/device-folders/7/access/mine') return json(200, { rights: state.mine });
      if (path === '/api/v1/device-folders/7/access/principals') return json(200, { items: [{ type: 'admin', id: 5, name: 'eve' }] });
      if (path === '/api/v1/device-folders/7/access/effective') return json(200, state.effective);
      if (path === '/api/v1/device-folders/7/access' && method === 'GET') {
        const list = state.list!;
        return 'status' in list ? json(list.status, { error: { code: list.code, message: 'Refused' } }) : json(200, list);
      }
      if (path === '/api/v1/device-folders/7/access' && method === 'PUT') {
        return state.putAnswer ? json(state.putAnswer.status, state.putAnswer.body) : json(200, body);
      }
      return json(404, { error: { code: 'NOT_FOUND', message: `No route ${method} ${url}` } });
    }),
  );
  return calls;
}

function renderDialog({ superuser = true, onClose = vi.fn() } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  const me: MeResponse = {
    user: { id: superuser ? 1 : 5, username: superuser ? 'root' : 'alice', role: superuser ? 'superuser' : 'viewer' },
    csrfToken: 'c',
    superuser,
    generalRights: superuser ? ['accountsAndAccess'] : [],
  };
  queryClient.setQueryData(sessionQueryKey, me);
  queryClient.setQueryData(deviceKeys.allFolders, [
    { id: 2, name: 'Berlin', parentId: null },
    { id: 7, name: 'Team', parentId: 2 },
  ]);
  render(
    // env="test": no transitions, so a Select's options are there at once.
    <MantineProvider env="test">
      <QueryClientProvider client={queryClient}>
        <AccessDialog object={{ type: 'device-folder', id: 7 }} name="Berlin / Team" onClose={onClose} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { onClose };
}

const principal = (key: string) => document.querySelector<HTMLElement>(`[data-testid="access-principal"][data-principal="${key}"]`)!;
const rightRow = (right: string) => screen.getByTestId(`right-${right}`);
const choose = (right: string, value: 'Allow' | 'Deny' | 'Not set') => fireEvent.click(within(rightRow(right)).getByLabelText(value));

describe('AccessDialog', () => {
  it('edits each right in three states, adds and removes principals, and saves the whole list', async () => {
    const calls = mockServer({
      list: {
        entries: [
          { principal: { type: 'admin', id: 5 }, rights: { browse: 'allow', read: 'allow' } },
          { principal: { type: 'admin', id: 6 }, rights: { write: 'deny' } },
        ],
      },
    });
    const { onClose } = renderDialog();

    await waitFor(() => expect(within(principal('admin:5')).getByText('alice')).toBeTruthy());
    expect(within(principal('admin:5')).getByTestId('access-summary').textContent).toBe('allow Browse, Read');
    expect(within(principal('admin:6')).getByTestId('access-summary').textContent).toBe('deny Write');
    // The first principal is open: its twelve rights with their state.
    expect(screen.getByText('Rights of account alice')).toBeTruthy();
    expect(rightRow('browse').dataset.state).toBe('allow');
    expect(rightRow('write').dataset.state).toBe('unset');
    expect(screen.getByRole('button', { name: 'Save' }).hasAttribute('disabled')).toBe(true);

    // allow → not set, not set → deny, and back to allow
    choose('read', 'Not set');
    choose('write', 'Deny');
    choose('powerControl', 'Deny');
    choose('powerControl', 'Allow');
    expect(rightRow('read').dataset.state).toBe('unset');
    expect(rightRow('write').dataset.state).toBe('deny');
    expect(within(principal('admin:5')).getByTestId('access-summary').textContent).toBe('allow Browse, Power control · deny Write');
    expect(screen.getByText('Unsaved changes')).toBeTruthy();

    // Add a group (accounts and groups already listed are not offered), give it Read.
    fireEvent.click(screen.getByRole('combobox', { name: 'Add an account or group' }));
    expect(screen.queryByRole('option', { name: 'alice' })).toBeNull();
    fireEvent.click(await screen.findByRole('option', { name: 'Helpdesk' }));
    await waitFor(() => expect(screen.getByText('Rights of group Helpdesk')).toBeTruthy());
    choose('read', 'Allow');
    // Remove bob.
    fireEvent.click(screen.getByRole('button', { name: 'Remove bob' }));
    expect(principal('admin:6')).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PUT')).toBe(true));
    expect(calls.find((c) => c.method === 'PUT')).toEqual({
      method: 'PUT',
      url: '/api/v1/device-folders/7/access',
      body: {
        entries: [
          { principal: { type: 'admin', id: 5 }, rights: { browse: 'allow', write: 'deny', powerControl: 'allow' } },
          { principal: { type: 'group', id: 3 }, rights: { read: 'allow' } },
        ],
      },
    });
    await waitFor(() => expect(screen.queryByText('Unsaved changes')).toBeNull());
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalled();
  });

  it('asks before closing with unsaved changes', async () => {
    mockServer({ list: { entries: [{ principal: { type: 'group', id: 3 }, rights: {} }] } });
    const { onClose } = renderDialog();
    await waitFor(() => expect(screen.getByText('Rights of group Helpdesk')).toBeTruthy());
    choose('browse', 'Allow');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(await screen.findByText('Discard unsaved changes?')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Stay' }));
    expect(onClose).not.toHaveBeenCalled();
    expect(rightRow('browse').dataset.state).toBe('allow');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Discard changes' }));
    expect(onClose).toHaveBeenCalled();
  });

  it('shows the server refusal and opens the entry it names', async () => {
    mockServer({
      list: { entries: [{ principal: { type: 'admin', id: 5 }, rights: {} }] },
      putAnswer: {
        status: 404,
        body: { error: { code: 'GROUP_NOT_FOUND', message: 'Group 4 does not exist', details: { field: 'body.entries.1.principal' } } },
      },
    });
    renderDialog();
    await waitFor(() => expect(screen.getByText('Rights of account alice')).toBeTruthy());
    fireEvent.click(screen.getByRole('combobox', { name: 'Add an account or group' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Berlin admins' }));
    fireEvent.click(principal('admin:5').querySelector('button')!);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByText('Group 4 does not exist')).closest('[role="alert"]')).toBeTruthy();
    expect(screen.getByText('Rights of group Berlin admins')).toBeTruthy();
  });

  it('shows the list read-only, and says why, without the Access control right', async () => {
    const calls = mockServer({
      list: { entries: [{ principal: { type: 'admin', id: 5 }, rights: { browse: 'allow' } }] },
      mine: { browse: true, read: true, accessControl: false },
    });
    renderDialog({ superuser: false });
    expect(await screen.findByTestId('access-read-only')).toBeTruthy();
    expect(screen.getByTestId('access-read-only').textContent).toContain('needs the Access control right on this folder');
    expect(screen.queryByRole('button', { name: 'Save' })).toBeNull();
    expect(screen.queryByRole('combobox', { name: 'Add an account or group' })).toBeNull();
    choose('browse', 'Deny');
    expect(rightRow('browse').dataset.state).toBe('allow');
    // Listing accounts needs a general right this account lacks: the names on this list come from
    // the list's own principals route, and the accounts list is never asked for.
    expect(await within(principal('admin:5')).findByText('eve')).toBeTruthy();
    expect(screen.getByText(/Adding accounts or groups needs/)).toBeTruthy();
    expect(calls.some((c) => c.url.startsWith('/api/v1/admins'))).toBe(false);
  });

  it('says so when the list may not be seen at all', async () => {
    mockServer({ list: { status: 403, code: 'FORBIDDEN' }, mine: { browse: true, read: false, accessControl: false } });
    renderDialog({ superuser: false });
    expect((await screen.findByTestId('access-forbidden')).textContent).toContain('needs the Read or Access control right');
  });

  it('explains effective rights in words', async () => {
    const node = (type: 'device-folder', id: number) => ({ type, id });
    const here = node('device-folder', 7);
    const calls = mockServer({
      list: { entries: [] },
      effective: {
        adminId: 5,
        object: here,
        rights: {
          browse: { allowed: true, reason: { kind: 'inherited', node: node('device-folder', 2), groupId: 3 } },
          read: { allowed: true, reason: { kind: 'direct', node: here } },
          write: { allowed: false, reason: { kind: 'inherited', node: node('device-folder', 2) } },
          move: { allowed: false, reason: { kind: 'not-set', node: here } },
          editConfiguration: { allowed: true, reason: { kind: 'group', node: here, groupId: 4 } },
          editSystemInformation: { allowed: false, reason: { kind: 'not-set', node: here } },
          accessControl: { allowed: false, reason: { kind: 'not-set', node: here } },
          remoteAccess: { allowed: false, reason: { kind: 'not-set', node: here } },
          sendMessage: { allowed: false, reason: { kind: 'not-set', node: here } },
          assign: { allowed: false, reason: { kind: 'not-set', node: here } },
          powerControl: { allowed: false, reason: { kind: 'not-set', node: here } },
          firmwareControl: { allowed: false, reason: { kind: 'not-set', node: here } },
        },
      },
    });
    renderDialog();
    fireEvent.click(screen.getByRole('tab', { name: 'Effective rights' }));
    fireEvent.click(screen.getByRole('combobox', { name: 'Account' }));
    fireEvent.click(await screen.findByRole('option', { name: 'alice' }));
    const table = await screen.findByTestId('effective-rights');
    const text = (right: string) => within(table).getByTestId(`effective-${right}`).textContent;
    expect(text('browse')).toContain('allowed — through group Helpdesk on folder /Berlin');
    expect(text('read')).toContain('allowed — set for the account on this folder');
    expect(text('write')).toContain('denied — inherited from folder /Berlin (direct)');
    expect(text('move')).toContain('not set');
    expect(text('editConfiguration')).toContain('allowed — through group Berlin admins on this folder');
    expect(calls.some((c) => c.url === '/api/v1/device-folders/7/access/effective?adminId=5')).toBe(true);
  });
});
