// @vitest-environment jsdom
import type { ClusterSettings, MeResponse } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { sessionQueryKey } from '../auth/session';
import { ClusterSettingsCard } from './cluster-settings-card';
import { clusterQueries } from './queries';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderCard(settings: ClusterSettings, role = 'superuser') {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData<MeResponse>(sessionQueryKey, { user: { id: 1, username: 'admin', role }, csrfToken: 'c' });
  queryClient.setQueryData(clusterQueries.settings, settings);
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <ClusterSettingsCard />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return queryClient;
}

const input = (label: string) => screen.getByRole('textbox', { name: label }) as HTMLInputElement;
const saveButton = () => screen.getByRole('button', { name: 'Save addresses' }) as HTMLButtonElement;

describe('ClusterSettingsCard', () => {
  it('shows the stored addresses and the URL devices enroll with', () => {
    renderCard({ clusterAddress: 'ums.example.com', enrollmentAddress: 'https://enroll.example.com:9443/' });
    expect(input('Cluster address').value).toBe('ums.example.com');
    expect(input('Device enrollment address').value).toBe('https://enroll.example.com:9443/');
    expect(screen.getByTestId('effective-enroll-url').textContent).toBe('https://enroll.example.com:9443');
    expect(saveButton().disabled).toBe(true);
  });

  it('refuses an address the server would refuse, before sending it', () => {
    const fetchMock = vi.fn();
    vi.stubGlobal('fetch', fetchMock);
    renderCard({ clusterAddress: null, enrollmentAddress: null });
    fireEvent.change(input('Device enrollment address'), { target: { value: 'http://enroll.example.com' } });
    expect(screen.getByText(/Enter a host name or IP address/)).toBeTruthy();
    expect(saveButton().disabled).toBe(true);
    fireEvent.submit(saveButton().closest('form')!);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it('saves trimmed addresses, empty as not set, and falls back to the cluster address for enrolling', async () => {
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => Response.json(JSON.parse(String(init?.body))));
    vi.stubGlobal('fetch', fetchMock);
    const queryClient = renderCard({ clusterAddress: null, enrollmentAddress: 'old.example.com' });
    fireEvent.change(input('Cluster address'), { target: { value: '  ums.example.com:8443 ' } });
    fireEvent.change(input('Device enrollment address'), { target: { value: '' } });
    expect(screen.getByTestId('effective-enroll-url').textContent).toBe('https://ums.example.com:8443');
    fireEvent.click(saveButton());
    await waitFor(() =>
      expect(queryClient.getQueryData(clusterQueries.settings)).toEqual({
        clusterAddress: 'ums.example.com:8443',
        enrollmentAddress: null,
      }),
    );
    expect(fetchMock.mock.calls[0]![0]).toBe('/api/v1/cluster-settings');
    expect(fetchMock.mock.calls[0]![1]).toMatchObject({ method: 'PUT' });
    expect(JSON.parse(String(fetchMock.mock.calls[0]![1]!.body))).toEqual({
      clusterAddress: 'ums.example.com:8443',
      enrollmentAddress: null,
    });
  });

  it('is read-only for a viewer', () => {
    renderCard({ clusterAddress: 'ums.example.com', enrollmentAddress: null }, 'viewer');
    expect(input('Cluster address').readOnly).toBe(true);
    expect(screen.queryByRole('button', { name: 'Save addresses' })).toBeNull();
  });
});
