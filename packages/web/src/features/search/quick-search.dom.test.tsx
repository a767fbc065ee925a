// @vitest-environment jsdom
import type { SearchResponse } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { MemoryRouter, Route, Routes, useLocation } from 'react-router';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { QuickSearch } from './quick-search';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const FOUND: SearchResponse = {
  devices: {
    items: [
      { id: 7, name: 'Reception-12', folderId: 3, mac: '00E0C5123456', unitId: null, lastIp: '10.1.2.3', serialNumber: null, online: true },
    ],
    more: true,
  },
  deviceFolders: { items: [{ id: 3, name: 'Reception', parentId: null }], more: false },
  profiles: { items: [{ id: 4, name: 'Reception browser', folderId: null, type: 'standard' }], more: false },
  profileFolders: { items: [], more: false },
};

function mockServer() {
  const urls: string[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string) => {
      urls.push(url);
      const json = (status: number, data: unknown) =>
        new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
      const params = new URL(url, 'http://x').searchParams;
      if (params.get('regex') === 'true' && params.get('q') === '(a+)+')
        return json(400, {
          error: { code: 'VALIDATION_FAILED', message: 'query.q is refused: nested quantifiers', details: { field: 'query.q' } },
        });
      return json(200, FOUND);
    }),
  );
  return urls;
}

function Where() {
  const l = useLocation();
  return <div data-testid="where">{l.pathname + l.search}</div>;
}

function renderBox() {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <MemoryRouter initialEntries={['/']}>
          <QuickSearch />
          <Routes>
            <Route path="*" element={<Where />} />
          </Routes>
        </MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('QuickSearch', () => {
  it('shows grouped results and opens a device selected in the devices page', async () => {
    const urls = mockServer();
    renderBox();
    fireEvent.change(screen.getByLabelText('Quick search'), { target: { value: 'recep' } });
    const list = await screen.findByRole('listbox', { name: 'Search results' }, { timeout: 3000 });
    expect(within(list).getByRole('group', { name: 'Devices' }).textContent).toContain('Reception-12');
    expect(within(list).getByRole('group', { name: 'Devices' }).textContent).toContain('more');
    expect(within(list).getByRole('group', { name: 'Profiles' }).textContent).toContain('Reception browser');
    expect(within(list).queryByRole('group', { name: 'Profile folders' })).toBeNull();
    const url = new URL(urls.at(-1)!, 'http://x');
    expect(url.pathname).toBe('/api/v1/search');
    expect(url.searchParams.get('q')).toBe('recep');
    expect(url.searchParams.get('regex')).toBe('false');

    fireEvent.click(within(list).getByRole('option', { name: /Reception-12/ }));
    expect(screen.getByTestId('where').textContent).toContain('/devices?folder=3&device=7');
    expect(screen.queryByRole('listbox')).toBeNull();
  });

  it('opens a profile, and shows why a regular expression is refused', async () => {
    mockServer();
    renderBox();
    const box = screen.getByLabelText('Quick search');
    fireEvent.change(box, { target: { value: 'browser' } });
    fireEvent.click(await screen.findByRole('option', { name: /Reception browser/ }, { timeout: 3000 }));
    expect(screen.getByTestId('where').textContent).toContain('/profiles/4');

    fireEvent.click(screen.getByRole('button', { name: 'Regular expression' }));
    fireEvent.change(box, { target: { value: '(a+)+' } });
    await waitFor(() => expect(screen.getByRole('listbox').textContent).toContain('nested quantifiers'), { timeout: 3000 });
  });
});
