// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiTokensDialog } from './api-tokens-dialog';
import { account, renderWithProviders, stubApi } from './test-helpers';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const TOKEN = 'oat_0123456789ab_' + 'x'.repeat(43);
const listed = {
  id: 5,
  name: 'deploy',
  prefix: 'oat_0123456789ab',
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
  createdAt: '2026-01-01T10:00:00.000Z',
  status: 'active',
};

describe('ApiTokensDialog', () => {
  it('shows a new token once, with a copy button, and closes only through its button', async () => {
    let items: unknown[] = [];
    const calls = stubApi({
      'GET /api/v1/admins/2/tokens': () => Response.json({ items }),
      'POST /api/v1/admins/2/tokens': () => {
        items = [listed];
        return Response.json({ ...listed, token: TOKEN }, { status: 201 });
      },
    });
    const onClose = vi.fn();
    renderWithProviders(<ApiTokensDialog account={account()} onClose={onClose} />);
    await screen.findByTestId('no-tokens');
    fireEvent.change(screen.getByRole('textbox', { name: 'Name' }), { target: { value: 'deploy' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create token' }));

    const dialog = await screen.findByRole('dialog', { name: 'API token created' });
    expect(within(dialog).getByTestId('api-token').textContent).toBe(TOKEN);
    expect(within(dialog).getByRole('button', { name: 'Copy token' })).toBeTruthy();
    expect(within(dialog).queryByRole('button', { name: /close/i })).toBeNull();
    const post = calls.find((c) => c.method === 'POST')!;
    expect((post.body as { name: string }).name).toBe('deploy');
    // 90 days by default.
    const expires = Date.parse((post.body as { expiresAt: string }).expiresAt);
    expect(Math.round((expires - Date.now()) / 86_400_000)).toBe(90);

    fireEvent.click(within(dialog).getByRole('button', { name: 'I have saved the token' }));
    const row = await screen.findByTestId('token-row');
    expect(row.textContent).toContain('oat_0123456789ab_…');
    expect(screen.queryByText(TOKEN)).toBeNull();
    expect(onClose).not.toHaveBeenCalled();
  });

  it('revokes a token after a second click', async () => {
    const calls = stubApi({
      'GET /api/v1/admins/2/tokens': { items: [listed] },
      'DELETE /api/v1/admins/2/tokens/5': () => new Response(null, { status: 204 }),
    });
    renderWithProviders(<ApiTokensDialog account={account()} onClose={vi.fn()} />);
    fireEvent.click(await screen.findByRole('button', { name: 'Revoke token deploy' }));
    expect(calls.some((c) => c.method === 'DELETE')).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Revoke now' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'DELETE')).toBe(true));
  });
});
