// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen, within } from '@testing-library/react';
import { createMemoryRouter, RouterProvider } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RunDetail } from './run-detail';

const json = (data: unknown) => new Response(JSON.stringify(data), { status: 200, headers: { 'content-type': 'application/json' } });
const run = (over: object) => ({
  id: 4,
  jobId: 1,
  trigger: 'manual',
  state: 'running',
  message: null,
  plannedAt: '2030-01-01T00:00:00Z',
  startedAt: '2030-01-01T00:00:00Z',
  expiresAt: '2030-01-01T00:40:00Z',
  finishedAt: null,
  createdBy: 'admin',
  server: 'ums-a',
  total: 0,
  counts: {},
  ...over,
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('run detail', () => {
  it('shows the devices of a run that resolved and finished between two polls (its first device page was empty)', async () => {
    // Run now answers before the scheduler resolved the targets: the first read of the run has
    // no devices; by the next poll the run has resolved its one device and finished.
    let runReads = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn((url: string) => {
        if (url === '/api/v1/job-runs/4') {
          runReads++;
          return Promise.resolve(json(runReads === 1 ? run({}) : run({ state: 'finished', total: 1, counts: { skipped: 1 } })));
        }
        if (url.startsWith('/api/v1/job-runs/4/devices')) {
          const items =
            runReads >= 2
              ? [{ deviceId: 7, state: 'skipped', message: 'offline', commandId: null, startedAt: null, finishedAt: null }]
              : [];
          return Promise.resolve(json({ items, nextCursor: null }));
        }
        if (url === '/api/v1/devices/7') return Promise.resolve(json({ id: 7, name: 'kiosk-7' }));
        return Promise.resolve(json({ items: [], nextCursor: null }));
      }),
    );
    const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
    const router = createMemoryRouter([{ path: '*', element: <RunDetail runId={4} onChanged={() => {}} /> }]);
    render(
      <MantineProvider env="test">
        <QueryClientProvider client={queryClient}>
          <RouterProvider router={router} />
        </QueryClientProvider>
      </MantineProvider>,
    );
    expect(await screen.findByText('Finding the devices…', {}, { timeout: 5000 })).toBeTruthy();
    // The run is polled every 2 s while running; its change reloads the device page.
    const table = await screen.findByRole('table', { name: 'Device results' });
    expect(await within(table).findByText('kiosk-7', {}, { timeout: 8000 })).toBeTruthy();
    const bar = screen.getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('1');
    expect(bar.getAttribute('aria-valuemax')).toBe('1');
    expect(screen.getByText('on ums-a')).toBeTruthy();
  });
});
