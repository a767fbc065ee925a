// @vitest-environment jsdom
import type { ClusterSettings } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { clusterQueries } from '../servers/queries';
import { EnrollInstructions } from './enroll-instructions';
import { enrollmentKeys } from './queries';

afterEach(cleanup);

function renderInstructions(addresses: ClusterSettings) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData(enrollmentKeys.serverInfo, {
    serverId: 's',
    installationId: 'i',
    version: '0',
    database: 'sqlite',
    webCaFingerprint: null,
  });
  queryClient.setQueryData(clusterQueries.settings, addresses);
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <EnrollInstructions />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return screen.getByTestId('enroll-command-template').textContent!;
}

describe('EnrollInstructions', () => {
  it('uses the device enrollment address when it is set', () => {
    expect(renderInstructions({ clusterAddress: 'ums.example.com', enrollmentAddress: 'enroll.example.com:9443' })).toContain(
      '--server https://enroll.example.com:9443',
    );
  });

  it('falls back to the cluster address, then to this page', () => {
    expect(renderInstructions({ clusterAddress: 'https://ums.example.com', enrollmentAddress: null })).toContain(
      '--server https://ums.example.com:443',
    );
    cleanup();
    expect(renderInstructions({ clusterAddress: null, enrollmentAddress: null })).toContain(
      `--server https://${window.location.hostname}:`,
    );
  });
});
