// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { JobsPage } from './jobs-page';

const slow = { timeout: 5000 };
const json = (status: number, data: unknown) =>
  new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });

const job = (id: number, name: string, folderId: number | null) => ({
  id,
  name,
  command: 'reboot',
  text: null,
  targets: [{ type: 'device', id: 1 }],
  schedule: { startAt: '2030-01-01T02:00:00.000Z', repeat: null },
  enabled: true,
  comment: null,
  folderId,
  host: null,
  options: { logResults: false, retryNextBoot: false, maxThreads: 100, delaySeconds: 0, timeoutSeconds: 30, expiryMinutes: 40 },
  nextRunAt: '2030-01-01T02:00:00.000Z',
  createdBy: 'admin',
  createdAt: '2026-12-01T00:00:00Z',
  updatedAt: '2026-12-01T00:00:00Z',
});

interface Call {
  method: string;
  url: string;
  body?: unknown;
}

/** Folders Nightly › Lab; job 1 is in Nightly, job 2 in none. Writes are recorded and answered. */
function mockServer() {
  const calls: Call[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init: RequestInit) => {
      const method = init.method ?? 'GET';
      calls.push({ method, url, body: init.body ? JSON.parse(String(init.body)) : undefined });
      if (method === 'DELETE') return Promise.resolve(new Response(null, { status: 204 }));
      if (method === 'POST' && url === '/api/v1/job-folders') return Promise.resolve(json(201, { id: 7, name: 'New', parentId: 1 }));
      if (method === 'PATCH' && url.startsWith('/api/v1/job-folders/'))
        return Promise.resolve(json(200, { id: 2, name: 'Lab', parentId: null }));
      if (method === 'PATCH' && url.startsWith('/api/v1/jobs/')) return Promise.resolve(json(200, job(2, 'Loose', 2)));
      if (url.startsWith('/api/v1/job-folders?'))
        return Promise.resolve(
          json(200, {
            items: [
              { id: 1, name: 'Nightly', parentId: null },
              { id: 2, name: 'Lab', parentId: 1 },
            ],
          }),
        );
      if (url.startsWith('/api/v1/jobs?')) {
        const folderId = new URL(url, 'http://x').searchParams.get('folderId');
        const all = [job(1, 'Filed', 1), job(2, 'Loose', null)];
        return Promise.resolve(json(200, { items: folderId ? all.filter((j) => String(j.folderId) === folderId) : all, nextCursor: null }));
      }
      return Promise.resolve(json(200, { items: [], nextCursor: null }));
    }),
  );
  return calls;
}

function renderPage(path = '/jobs') {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const router = createMemoryRouter([{ path: '/jobs/:jobId?', element: <JobsPage /> }], { initialEntries: [path] });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={queryClient}>
        <RouterProvider router={router} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return router;
}

const tree = () => screen.getByRole('tree', { name: 'Job folders' });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('job folder tree', () => {
  it('shows nested folders; selecting one lists only the jobs filed in it', async () => {
    const calls = mockServer();
    const router = renderPage();
    expect(await screen.findByRole('table', { name: 'Jobs' }, slow)).toBeTruthy();
    expect(screen.getByTestId('job-Loose')).toBeTruthy();
    // All jobs: a Folder column shows where each is filed.
    expect(screen.getByTestId('job-Filed').textContent).toContain('Nightly');

    const nightly = await within(tree()).findByRole('treeitem', { name: 'Nightly' }, slow);
    expect(within(tree()).queryByRole('treeitem', { name: 'Lab' })).toBeNull();
    fireEvent.click(nightly);
    expect(await within(tree()).findByRole('treeitem', { name: 'Lab' }, slow)).toBeTruthy();
    expect(nightly.getAttribute('aria-selected')).toBe('true');
    expect(router.state.location.search).toBe('?folder=1');
    await waitFor(() => expect(screen.queryByTestId('job-Loose')).toBeNull(), slow);
    expect(screen.getByTestId('job-Filed')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Jobs › Nightly' })).toBeTruthy();
    expect(calls.some((c) => c.url.includes('folderId=1'))).toBe(true);
  });

  it('creates a folder inside the selected one, moves a folder to the top level and deletes one', async () => {
    const calls = mockServer();
    renderPage('/jobs?folder=1');
    expect(await screen.findByRole('heading', { name: 'Jobs › Nightly' }, slow)).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'New job folder' }));
    const create = await screen.findByRole('dialog', { name: 'New job folder' }, slow);
    fireEvent.change(within(create).getByRole('textbox', { name: 'Folder name' }), { target: { value: 'New' } });
    fireEvent.click(within(create).getByRole('button', { name: 'Create folder' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'New', parentId: 1 }), slow);

    // Move Lab (inside Nightly) to the top level: Lab itself is not offered as a destination.
    fireEvent.click(await within(tree()).findByRole('treeitem', { name: 'Lab' }, slow));
    fireEvent.click(screen.getByRole('button', { name: 'Folder actions' }));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Move folder' }, slow));
    const move = await screen.findByRole('dialog', { name: 'Move folder "Lab"' }, slow);
    fireEvent.click(within(move).getByRole('combobox', { name: 'Move into' }));
    expect(screen.queryByRole('option', { name: 'Nightly / Lab' })).toBeNull();
    fireEvent.click(await screen.findByRole('option', { name: 'Top level (no folder)' }, slow));
    fireEvent.click(within(move).getByRole('button', { name: 'Move' }));
    await waitFor(
      () =>
        expect(calls.find((c) => c.method === 'PATCH')).toEqual({
          method: 'PATCH',
          url: '/api/v1/job-folders/2',
          body: { parentId: null },
        }),
      slow,
    );

    fireEvent.click(screen.getByRole('button', { name: 'Folder actions' }));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Delete folder' }, slow));
    const del = await screen.findByRole('dialog', { name: 'Delete job folder' }, slow);
    fireEvent.click(within(del).getByRole('button', { name: 'Delete folder' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'DELETE')?.url).toBe('/api/v1/job-folders/2'), slow);
  });

  it('files a job in a folder from its row', async () => {
    const calls = mockServer();
    renderPage();
    const row = await screen.findByTestId('job-Loose', {}, slow);
    fireEvent.click(within(row).getByRole('button', { name: 'Actions for Loose' }));
    fireEvent.click(await screen.findByRole('menuitem', { name: 'Move to folder…' }, slow));
    const dialog = await screen.findByRole('dialog', { name: 'Move job "Loose"' }, slow);
    fireEvent.click(within(dialog).getByRole('combobox', { name: 'Folder' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Nightly / Lab' }, slow));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Move' }));
    await waitFor(
      () => expect(calls.find((c) => c.method === 'PATCH')).toEqual({ method: 'PATCH', url: '/api/v1/jobs/2', body: { folderId: 2 } }),
      slow,
    );
  });
});
