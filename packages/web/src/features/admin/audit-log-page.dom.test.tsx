// @vitest-environment jsdom
import type { AuditEntry } from '@openums/protocol';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuditLogPage } from './audit-log-page';
import { account, renderWithProviders, stubApi } from './test-helpers';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const entry = (over: Partial<AuditEntry>): AuditEntry => ({
  id: 1,
  at: '2026-03-01T10:00:00.000Z',
  actorId: 1,
  actorName: 'admin',
  via: 'session',
  tokenId: null,
  address: '10.0.0.9',
  action: 'admin.update',
  objectType: 'admin',
  objectId: 2,
  objectName: 'alice',
  before: { disabled: false, generalRights: [] },
  after: { disabled: true, generalRights: ['ldap', 'servers'] },
  result: 'success',
  ...over,
});

const entries = [
  entry({ id: 3 }),
  entry({ id: 2, action: 'admin.create', before: null, after: { username: 'alice', superuser: false } }),
  entry({
    id: 1,
    action: 'auth.login-failed',
    actorId: null,
    actorName: null,
    objectName: 'mallory',
    objectId: null,
    before: null,
    after: { reason: 'unknown user' },
    result: 'failure',
  }),
];

function stub() {
  return stubApi({
    'GET /api/v1/audit-log': { items: entries, nextCursor: null },
    'GET /api/v1/settings/audit-log': { retentionDays: 365 },
    'GET /api/v1/admins': { items: [account({ id: 1, username: 'admin' }), account()], nextCursor: null },
    'PUT /api/v1/settings/audit-log': () => Response.json({ retentionDays: 30 }),
  });
}

describe('AuditLogPage', () => {
  it('lists entries and shows a change before and after', async () => {
    stub();
    renderWithProviders(<AuditLogPage />, { route: '/admin/audit-log' });
    const rows = await screen.findAllByTestId('audit-row');
    expect(rows.map((r) => r.dataset.action)).toEqual(['admin.update', 'admin.create', 'auth.login-failed']);
    expect(rows[0]!.textContent).toContain('disabled, generalRights');
    expect(rows[1]!.textContent).toContain('created');
    expect(rows[2]!.textContent).toContain('failed');

    fireEvent.click(within(rows[0]!).getByRole('button', { name: 'Show the change of entry 3' }));
    const change = screen.getByTestId('audit-changes');
    expect(
      within(change)
        .getAllByTestId('before')
        .map((c) => c.textContent),
    ).toEqual(['no', '(none)']);
    expect(
      within(change)
        .getAllByTestId('after')
        .map((c) => c.textContent),
    ).toEqual(['yes', 'ldap, servers']);
  });

  it('filters from the address, sends the filter, and exports the same filter as CSV', async () => {
    const calls = stub();
    renderWithProviders(<AuditLogPage />, { route: '/admin/audit-log?objectType=admin&objectId=2&action=admin.update' });
    await screen.findAllByTestId('audit-row');
    const list = calls.find((c) => c.url.pathname === '/api/v1/audit-log')!;
    expect(Object.fromEntries(list.url.searchParams)).toEqual({ objectType: 'admin', objectId: '2', action: 'admin.update', limit: '100' });
    const link = screen.getByRole('link', { name: 'Export filtered CSV' });
    expect(link.getAttribute('href')).toBe('/api/v1/audit-log.csv?objectType=admin&objectId=2&action=admin.update');
  });

  it('filters by an actor when its name is clicked', async () => {
    const calls = stub();
    renderWithProviders(<AuditLogPage />, { route: '/admin/audit-log' });
    const rows = await screen.findAllByTestId('audit-row');
    fireEvent.click(within(rows[0]!).getByRole('button', { name: 'admin' }));
    await waitFor(() => expect(calls.some((c) => c.url.searchParams.get('actorId') === '1')).toBe(true));
    expect(screen.getByRole('link', { name: 'Export filtered CSV' }).getAttribute('href')).toBe('/api/v1/audit-log.csv?actorId=1');
  });

  it('changes the retention', async () => {
    const calls = stub();
    renderWithProviders(<AuditLogPage />, { route: '/admin/audit-log' });
    const card = await screen.findByTestId('audit-retention');
    const input = await within(card).findByRole('textbox', { name: /Keep entries for/ });
    fireEvent.change(input, { target: { value: '30' } });
    expect(card.textContent).toContain('Entries older than 30 days will be deleted within the hour');
    fireEvent.click(within(card).getByRole('button', { name: 'Save retention' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ retentionDays: 30 }));
  });
});
