import type { Admin, AdminGroup, MeResponse } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';
import { sessionQueryKey } from '../auth/session';

/** Renders inside the app's providers, signed in as account 1 (a superuser). */
export function renderWithProviders(ui: ReactNode, { route = '/', seed }: { route?: string; seed?: (qc: QueryClient) => void } = {}) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData<MeResponse>(sessionQueryKey, {
    user: { id: 1, username: 'admin', role: 'superuser' },
    csrfToken: 'c',
    superuser: true,
    generalRights: [],
  });
  seed?.(queryClient);
  render(
    // env="test": no transitions, so dropdown options are there at once.
    <MantineProvider env="test">
      <Notifications />
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={[route]}>{ui}</MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
  return queryClient;
}

export const account = (over: Partial<Admin> = {}): Admin => ({
  id: 2,
  username: 'alice',
  domain: null,
  superuser: false,
  disabled: false,
  generalRights: [],
  createdAt: '2026-01-01T10:00:00.000Z',
  updatedAt: '2026-01-01T10:00:00.000Z',
  ...over,
});

export const group = (over: Partial<AdminGroup> = {}): AdminGroup => ({
  id: 10,
  name: 'Helpdesk',
  generalRights: [],
  members: [],
  createdAt: '2026-01-01T10:00:00.000Z',
  ...over,
});

type Route = (url: URL, init: RequestInit | undefined) => Response | undefined;

/** A fetch stub answering by method and path; unknown requests fail the test loudly with 599. */
export function stubApi(routes: Record<string, Route | unknown>) {
  const calls: { method: string; url: URL; body: unknown }[] = [];
  const fetchMock = vi.fn(async (input: string, init?: RequestInit) => {
    const url = new URL(input, 'https://ums.test');
    const method = init?.method ?? 'GET';
    const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
    calls.push({ method, url, body });
    const handler = routes[`${method} ${url.pathname}`];
    if (handler === undefined)
      return Response.json({ error: { code: 'NOT_STUBBED', message: `${method} ${url.pathname}` } }, { status: 599 });
    if (typeof handler === 'function') return (handler as Route)(url, init) ?? new Response(null, { status: 204 });
    return Response.json(handler);
  });
  vi.stubGlobal('fetch', fetchMock);
  return calls;
}
