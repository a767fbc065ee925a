// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, expect, it, vi } from 'vitest';
import { LoginPage } from './login-page';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderLogin() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter(
    [
      { path: '/login', element: <LoginPage /> },
      { path: '/', element: <p>Dashboard page</p> },
    ],
    { initialEntries: ['/login'] },
  );
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

function respond(status: number, body: unknown) {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

it('shows the server message for wrong credentials, then signs in to the dashboard', async () => {
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    if (url === '/api/v1/auth/me') return respond(401, { error: { code: 'UNAUTHENTICATED', message: 'Not logged in' } });
    const { password } = JSON.parse(String(init?.body)) as { password: string };
    return password === 'right'
      ? respond(200, {
          token: 't',
          csrfToken: 'c',
          expiresAt: '2030-01-01T00:00:00Z',
          user: { id: 1, username: 'admin', role: 'superuser' },
        })
      : respond(401, { error: { code: 'INVALID_CREDENTIALS', message: 'Wrong user name or password' } });
  });
  vi.stubGlobal('fetch', fetchMock);
  renderLogin();

  fireEvent.change(await screen.findByLabelText(/User name/), { target: { value: 'admin' } });
  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'wrong' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  expect(await screen.findByRole('alert')).toHaveProperty('textContent', expect.stringContaining('Wrong user name or password'));

  fireEvent.change(screen.getByLabelText(/Password/), { target: { value: 'right' } });
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  expect(await screen.findByText('Dashboard page')).toBeTruthy();
});
