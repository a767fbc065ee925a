// @vitest-environment jsdom
import type { DeviceAttributeValues } from '@openums/protocol';
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MyRightsCheck } from '../access/use-my-rights';
import { DeviceAttributes } from './device-attributes';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const VALUES: DeviceAttributeValues = {
  items: [
    { identifier: 'department', name: 'Department', type: 'string', range: null, overwrite: 'server', value: 'Finance' },
    { identifier: 'desk', name: 'Desk', type: 'number', range: null, overwrite: 'all', value: null },
    { identifier: 'hw-id', name: 'Hardware id', type: 'string', range: null, overwrite: 'device', value: 'A1' },
  ],
};

const rights = (editSystemInformation: boolean): MyRightsCheck => ({
  can: (r) => (r === 'editSystemInformation' ? editSystemInformation : true),
  canAny: () => true,
  missing: (r) => (r === 'editSystemInformation' && !editSystemInformation ? 'The editSystemInformation right is required' : undefined),
  loading: false,
});

function mockServer(put: (body: { values: Record<string, string | null> }) => { status: number; data: unknown }) {
  const calls: Array<{ method: string; body: unknown }> = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init: RequestInit) => {
      const method = init.method ?? 'GET';
      const body = typeof init.body === 'string' ? JSON.parse(init.body) : undefined;
      calls.push({ method, body });
      const json = (status: number, data: unknown) =>
        new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });
      if (url === '/api/v1/devices/5/attributes' && method === 'PUT') {
        const a = put(body);
        return json(a.status, a.data);
      }
      if (url === '/api/v1/devices/5/attributes') return json(200, VALUES);
      return json(404, {});
    }),
  );
  return calls;
}

function renderTab(editable: boolean) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider>
      <QueryClientProvider client={queryClient}>
        <DeviceAttributes deviceId={5} rights={rights(editable)} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('device attributes tab', () => {
  it('shows the values, sends only what changed (empty resets), and shows the server’s refusal', async () => {
    const calls = mockServer((body) =>
      body.values.desk === 'x'
        ? {
            status: 400,
            data: { error: { code: 'VALIDATION_FAILED', message: 'body.values.desk: the value "x" is not a number; nothing was saved' } },
          }
        : { status: 200, data: VALUES },
    );
    renderTab(true);
    const department = (await screen.findByLabelText('Department')) as HTMLInputElement;
    expect(department.value).toBe('Finance');
    // Only the device sets hw-id.
    expect((screen.getByLabelText('Hardware id') as HTMLInputElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Desk'), { target: { value: 'x' } });
    fireEvent.change(department, { target: { value: '' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save attributes' }));
    expect(await screen.findByText(/is not a number; nothing was saved/)).toBeTruthy();
    expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({ values: { desk: 'x', department: null } });
    fireEvent.change(screen.getByLabelText('Desk'), { target: { value: '12' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save attributes' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'PUT')).toHaveLength(2));
    expect(calls.filter((c) => c.method === 'PUT')[1]!.body).toEqual({ values: { desk: '12', department: null } });
  });

  it('is read-only without editSystemInformation', async () => {
    mockServer(() => ({ status: 200, data: VALUES }));
    renderTab(false);
    expect(((await screen.findByLabelText('Department')) as HTMLInputElement).disabled).toBe(true);
    expect((screen.getByLabelText('Desk') as HTMLInputElement).disabled).toBe(true);
  });
});
