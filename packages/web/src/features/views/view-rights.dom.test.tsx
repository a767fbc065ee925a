// @vitest-environment jsdom
import type { MeResponse, View } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../auth/session';
import { viewKeys } from './queries';
import { ViewEditor } from './view-editor';

const VIEW: View = {
  id: 5,
  name: 'Lost devices',
  description: '',
  folderId: null,
  criteria: { and: [{ field: 'site', op: 'eq', value: 'Augsburg' }] },
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
};

const viewer: MeResponse = { user: { id: 9, username: 'helpdesk', role: 'viewer' }, csrfToken: 'c', superuser: false, generalRights: [] };

function mockServer(mine: Record<string, boolean>, count: number) {
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      const json = (data: unknown) => new Response(JSON.stringify(data), { status: 200, headers: { 'content-type': 'application/json' } });
      if (url === '/api/v1/views/5/access/mine') return json({ rights: mine });
      if (url === '/api/v1/views/evaluate') return json({ count, items: [], nextCursor: null });
      return json({ items: [], nextCursor: null });
    }),
  );
}

function renderEditor() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData(sessionQueryKey, viewer);
  queryClient.setQueryData(viewKeys.one(5), VIEW);
  const router = createMemoryRouter(
    [{ path: '*', element: <ViewEditor viewId={5} folder="root" onSaved={() => {}} onDeleted={() => {}} onDirtyChange={() => {}} /> }],
    { initialEntries: ['/views/5'] },
  );
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const blocked = (name: string) => screen.getByRole('button', { name }).getAttribute('aria-disabled') === 'true';

describe('view rights', () => {
  it('read without write: the view can be exported and acted on, not changed', async () => {
    mockServer({ browse: true, read: true, write: false, accessControl: false }, 3);
    renderEditor();
    await screen.findByTestId('live-count', {}, { timeout: 5000 });
    // Loaded (while loading every gated button is blocked): Access control needs read, which is held.
    await waitFor(() => expect(blocked('Access control of Lost devices')).toBe(false));
    expect(blocked('Delete')).toBe(true);
    expect(blocked('Details…')).toBe(true);
    expect(screen.getByRole('button', { name: 'Export ▾' })).toHaveProperty('disabled', false);
    expect(screen.getByRole('button', { name: 'Assign profiles…' })).toHaveProperty('disabled', false);
  });

  it('write: changing and deleting are offered; a view matching nothing offers no actions', async () => {
    mockServer({ browse: true, read: true, write: true, accessControl: true }, 0);
    renderEditor();
    await screen.findByTestId('live-count', {}, { timeout: 5000 });
    await waitFor(() => expect(blocked('Delete')).toBe(false));
    expect(blocked('Details…')).toBe(false);
    expect(screen.getByRole('button', { name: 'Export ▾' })).toHaveProperty('disabled', false);
    expect(screen.getByRole('button', { name: 'Assign profiles…' })).toHaveProperty('disabled', true);
    expect(screen.getByRole('button', { name: 'Commands ▾' })).toHaveProperty('disabled', true);
  });
});
