// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CreatedEnrollmentKey } from '../../api/enrollment';
import { CreatedKeysDialog } from './created-keys-dialog';
import { enrollmentKeys } from './queries';

afterEach(cleanup);

const key = (id: number, secret: string, unitId: string | null = null): CreatedEnrollmentKey => ({
  id,
  type: 'one-time',
  prefix: secret.slice(0, 10),
  secret,
  unitId,
  folderId: null,
  maxUses: null,
  uses: 0,
  expiresAt: null,
  disabled: false,
  status: 'usable',
  comment: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  lastUsedAt: null,
});

function renderDialog(keys: CreatedEnrollmentKey[], type: 'one-time' | 'mass', onClose = vi.fn()) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity } } });
  queryClient.setQueryData(enrollmentKeys.serverInfo, {
    serverId: 's',
    installationId: 'i',
    version: '0',
    database: 'sqlite',
    webCaFingerprint: 'sha256:AB:CD',
  });
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <CreatedKeysDialog keys={keys} type={type} onClose={onClose} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return onClose;
}

describe('CreatedKeysDialog', () => {
  it('shows a single key once, with a warning and the enroll command for this server', () => {
    const onClose = renderDialog([key(1, 'oek_secret_one')], 'mass');
    expect(screen.getByTestId('secret-warning').textContent).toContain('shown only this once');
    expect(screen.getByTestId('enrollment-secret').textContent).toBe('oek_secret_one');
    const command = screen.getByTestId('enroll-command').textContent!;
    // The key travels in the environment, not as an argument other users could read in `ps`.
    expect(command).toMatch(/^OPENUMS_ENROLLMENT_KEY=oek_secret_one openums-agent enroll/);
    expect(command).not.toContain('--key');
    expect(command).toContain('--ca-fingerprint sha256:AB:CD');
    expect(command).toContain(`--server https://${window.location.hostname}:`);

    // Escape must not throw the only copy of the secret away.
    fireEvent.keyDown(screen.getByRole('dialog'), { key: 'Escape' });
    expect(onClose).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'I have saved the key' }));
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('lists every key of a one-time batch with its unit id and offers them all at once', () => {
    renderDialog([key(1, 'oek_a', '001122334455'), key(2, 'oek_b', '001122334466')], 'one-time');
    expect(screen.getAllByTestId('enrollment-secret').map((e) => e.textContent)).toEqual(['oek_a', 'oek_b']);
    expect(screen.getByText('001122334466')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Copy all keys' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Download as CSV' })).toBeTruthy();
  });
});
