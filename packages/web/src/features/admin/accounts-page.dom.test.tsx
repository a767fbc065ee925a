// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccountsPage } from './accounts-page';
import { account, renderWithProviders, stubApi } from './test-helpers';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const admin = account({ id: 1, username: 'admin', superuser: true });
const alice = account({ id: 2, username: 'alice', generalRights: ['loggingAndAudit'] });
const policy = { minLength: 12, reuseCount: 5 };
const row = (name: string) => screen.getAllByTestId('account-row').find((r) => r.dataset.username === name)!;

describe('AccountsPage', () => {
  it('lists accounts with their rights; your own account cannot be disabled or deleted', async () => {
    stubApi({ 'GET /api/v1/admins': { items: [admin, alice], nextCursor: null }, 'GET /api/v1/settings/password-policy': policy });
    renderWithProviders(<AccountsPage />);
    await screen.findAllByTestId('account-row');
    expect(within(row('admin')).getByText('All (superuser)')).toBeTruthy();
    expect(within(row('admin')).getByText('You')).toBeTruthy();
    expect(within(row('admin')).queryByRole('button', { name: /^Disable/ })).toBeNull();
    expect(within(row('admin')).queryByRole('button', { name: /^Delete/ })).toBeNull();
    expect(within(row('alice')).getByText('Logging and audit')).toBeTruthy();
    expect(within(row('alice')).getByRole('button', { name: 'Disable: alice' })).toBeTruthy();
  });

  it('creates an account with the general rights ticked', async () => {
    const calls = stubApi({
      'GET /api/v1/admins': { items: [admin], nextCursor: null },
      'GET /api/v1/settings/password-policy': policy,
      'POST /api/v1/admins': () => Response.json(account({ id: 3, username: 'bob', generalRights: ['ldap'] }), { status: 201 }),
    });
    renderWithProviders(<AccountsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'New account' }));
    const dialog = screen.getByRole('dialog', { name: 'New account' });
    fireEvent.change(within(dialog).getByRole('textbox', { name: /User name/ }), { target: { value: 'bob' } });
    const [pw, repeat] = within(dialog).getAllByLabelText(/password/i, { selector: 'input' });
    fireEvent.change(pw!, { target: { value: 'short' } });
    fireEvent.change(repeat!, { target: { value: 'short' } });
    await waitFor(() => expect(within(dialog).getByRole('status').textContent).toBe('The password must have at least 12 characters.'));
    expect((within(dialog).getByRole('button', { name: 'Create account' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(pw!, { target: { value: 'long-enough-pass' } });
    fireEvent.change(repeat!, { target: { value: 'long-enough-pass' } });
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'LDAP' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')!.body).toEqual({
      username: 'bob',
      password: 'long-enough-pass',
      superuser: false,
      generalRights: ['ldap'],
    });
  });

  it('disables an account, and says why when the server refuses', async () => {
    const calls = stubApi({
      'GET /api/v1/admins': { items: [admin, alice], nextCursor: null },
      'GET /api/v1/settings/password-policy': policy,
      'PATCH /api/v1/admins/2': () =>
        Response.json({ error: { code: 'LAST_SUPERUSER', message: 'This is the last enabled superuser' } }, { status: 409 }),
    });
    renderWithProviders(<AccountsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Disable: alice' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ disabled: true }));
    expect(await screen.findByText('This is the last enabled superuser')).toBeTruthy();
  });

  it('names the missing general right when the list is refused', async () => {
    stubApi({
      'GET /api/v1/admins': () => Response.json({ error: { code: 'FORBIDDEN', message: 'Forbidden' } }, { status: 403 }),
      'GET /api/v1/settings/password-policy': policy,
    });
    renderWithProviders(<AccountsPage />);
    expect((await screen.findByTestId('forbidden')).textContent).toContain('“Accounts and access”');
  });
});
