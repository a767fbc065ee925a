// @vitest-environment jsdom
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Job } from '../../api/jobs';
import { JobWizard } from './job-wizard';

/** The machine is shared: allow for slow renders. */
const slow = { timeout: 5000 };
const json = (status: number, data: unknown) =>
  new Response(JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });

interface Sent {
  method: string;
  url: string;
  body: Record<string, unknown>;
}

/** The server: folders, servers and device folders to pick; a save answers `saveAnswer` (or echoes a job). */
function mockServer(saveAnswer?: { status: number; data: unknown }) {
  const sent: Sent[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init: RequestInit) => {
      const method = init.method ?? 'GET';
      if (method !== 'GET') {
        const body = JSON.parse(String(init.body ?? '{}')) as Record<string, unknown>;
        sent.push({ method, url, body });
        if (saveAnswer) return Promise.resolve(json(saveAnswer.status, saveAnswer.data));
        return Promise.resolve(json(method === 'POST' ? 201 : 200, { ...job(), ...body, id: 9 }));
      }
      if (url.startsWith('/api/v1/job-folders')) return Promise.resolve(json(200, { items: [{ id: 3, name: 'Nightly', parentId: null }] }));
      if (url.startsWith('/api/v1/servers'))
        return Promise.resolve(
          json(200, {
            items: [
              { id: 'h1.0', host: 'ums-a', status: 'running' },
              { id: 'h2.0', host: 'ums-b', status: 'dead' },
            ],
          }),
        );
      if (url.startsWith('/api/v1/device-folders'))
        return Promise.resolve(json(200, { items: [{ id: 5, name: 'Lab', parentId: null, deviceCount: 2 }], nextCursor: null }));
      return Promise.resolve(json(200, { items: [], nextCursor: null }));
    }),
  );
  return sent;
}

function job(over: Partial<Job> = {}): Job {
  return {
    id: 9,
    name: 'Nightly reboot',
    command: 'reboot',
    text: null,
    targets: [{ type: 'folder', id: 5 }],
    schedule: { startAt: '2030-01-01T02:00:00.000Z', repeat: { everyDays: 1 } },
    enabled: true,
    comment: null,
    folderId: null,
    host: null,
    options: { logResults: false, retryNextBoot: false, maxThreads: 100, delaySeconds: 0, timeoutSeconds: 30, expiryMinutes: 40 },
    nextRunAt: null,
    createdBy: 'admin',
    createdAt: '2026-12-01T00:00:00Z',
    updatedAt: '2026-12-01T00:00:00Z',
    ...over,
  };
}

function renderWizard(props: { job?: Job | null; folderId?: number | null } = {}) {
  const onSaved = vi.fn();
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  render(
    <MantineProvider env="test">
      <QueryClientProvider client={queryClient}>
        <JobWizard job={props.job ?? null} folderId={props.folderId ?? null} onClose={() => {}} onSaved={onSaved} />
      </QueryClientProvider>
    </MantineProvider>,
  );
  return { onSaved };
}

const dialog = () => screen.getByRole('dialog');
const click = (name: string | RegExp) => fireEvent.click(within(dialog()).getByRole('button', { name }));
const activeStep = () => within(dialog()).getByRole('button', { current: 'step' });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('job wizard', () => {
  it('checks each step before the next: a name, then a target; a click on a later step stops at the first step missing something', async () => {
    mockServer();
    renderWizard();
    const name = await screen.findByRole('textbox', { name: 'Name' }, slow);
    click('Next');
    expect(await screen.findByText('Enter a name', {}, slow)).toBeTruthy();
    expect(activeStep().textContent).toContain('Command');

    fireEvent.change(name, { target: { value: 'Reboot the lab' } });
    // Straight to the summary: the targets step is where it stops.
    fireEvent.click(within(dialog()).getByRole('button', { name: 'Step Summary' }));
    expect(await screen.findByText('Pick at least one device, folder or view', {}, slow)).toBeTruthy();
    expect(activeStep().textContent).toContain('Targets');
    expect(within(dialog()).queryByRole('button', { name: 'Create' })).toBeNull();

    // Picking a folder clears it; Back keeps what was entered.
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Lab' }, slow));
    expect(within(screen.getByTestId('job-targets')).getByText('Lab')).toBeTruthy();
    expect(screen.queryByText('Pick at least one device, folder or view')).toBeNull();
    click('Back');
    expect((screen.getByRole('textbox', { name: 'Name' }) as HTMLInputElement).value).toBe('Reboot the lab');
  });

  it('a send-message job needs its text; an empty option is named at its field', async () => {
    mockServer();
    renderWizard({ job: null });
    fireEvent.change(await screen.findByRole('textbox', { name: 'Name' }, slow), { target: { value: 'Hello' } });
    fireEvent.click(screen.getByRole('combobox', { name: 'Command' }));
    fireEvent.click(await screen.findByRole('option', { name: 'Send message' }, slow));
    click('Next');
    expect(await screen.findByText('Enter the message', {}, slow)).toBeTruthy();
    fireEvent.change(screen.getByRole('textbox', { name: /Message/ }), { target: { value: 'Coffee break' } });
    click('Next');
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Lab' }, slow));
    click('Next');
    click('Next');
    const threads = await screen.findByRole('textbox', { name: /Devices at a time/ }, slow);
    // Cleared: a number is needed (a value out of range is clamped by the field when it loses focus).
    fireEvent.change(threads, { target: { value: '' } });
    click('Next');
    await waitFor(() => expect(threads.getAttribute('aria-invalid')).toBe('true'), slow);
    expect(activeStep().textContent).toContain('Options');
  });

  it('creates the job in the selected folder, pinned to the host chosen, from the summary', async () => {
    const sent = mockServer();
    const { onSaved } = renderWizard({ folderId: 3 });
    fireEvent.change(await screen.findByRole('textbox', { name: 'Name' }, slow), { target: { value: 'Pinned' } });
    click('Next');
    fireEvent.click(await screen.findByRole('checkbox', { name: 'Lab' }, slow));
    click('Next');
    click('Next');
    fireEvent.click(await screen.findByRole('combobox', { name: 'Run on server' }, slow));
    // A host without a running server is offered, marked.
    expect(await screen.findByRole('option', { name: 'ums-b (not running)' }, slow)).toBeTruthy();
    fireEvent.click(screen.getByRole('option', { name: 'ums-a' }));
    click('Next');
    const summary = await screen.findByRole('table', { name: 'Summary' }, slow);
    expect(summary.textContent).toContain('host ums-a');
    expect(summary.textContent).toContain('Nightly');
    expect(summary.textContent).toContain('Lab');
    click('Create');
    await waitFor(() => expect(onSaved).toHaveBeenCalled(), slow);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.method).toBe('POST');
    expect(sent[0]!.body).toMatchObject({ name: 'Pinned', folderId: 3, host: 'ums-a', targets: [{ type: 'folder', id: 5 }] });
    expect(sent[0]!.body.schedule).toBeDefined();
  });

  it('shows a server error at its field, on the step of that field', async () => {
    mockServer({
      status: 400,
      data: {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'body.schedule.repeat.timeZone: unknown time zone Mars/Base',
          details: { field: 'body.schedule.repeat.timeZone' },
        },
      },
    });
    renderWizard({ job: job({ schedule: { startAt: '2030-01-01T02:00:00.000Z', repeat: { cron: '0 2 * * *', timeZone: 'UTC' } } }) });
    // An edit can be saved from any step.
    click('Save');
    expect(await screen.findByText('unknown time zone Mars/Base', {}, slow)).toBeTruthy();
    expect(activeStep().textContent).toContain('Schedule');
    // At the time zone, not at the cron expression.
    expect(screen.getByRole('textbox', { name: /Time zone/ }).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByRole('textbox', { name: /Cron expression/ }).getAttribute('aria-invalid')).not.toBe('true');
    // Shown at the field, not again as a general alert.
    expect(screen.queryByText('Could not save')).toBeNull();
  });

  it('shows a target the server refused on the targets step', async () => {
    mockServer({
      status: 404,
      data: {
        error: { code: 'FOLDER_NOT_FOUND', message: 'body.targets.0.id: folder 5 does not exist', details: { field: 'body.targets.0.id' } },
      },
    });
    renderWizard({ job: job() });
    click('Save');
    expect(await screen.findByTestId('targets-error', {}, slow)).toBeTruthy();
    expect(screen.getByTestId('targets-error').textContent).toBe('folder 5 does not exist');
    expect(activeStep().textContent).toContain('Targets');
  });

  it('an edit leaves out an unchanged schedule and an unchanged host', async () => {
    const sent = mockServer();
    renderWizard({ job: job({ host: 'ums-a' }) });
    fireEvent.change(await screen.findByRole('textbox', { name: 'Name' }, slow), { target: { value: 'Renamed' } });
    click('Save');
    await waitFor(() => expect(sent).toHaveLength(1), slow);
    expect(sent[0]!.method).toBe('PATCH');
    expect(sent[0]!.body.name).toBe('Renamed');
    expect('schedule' in sent[0]!.body).toBe(false);
    expect('host' in sent[0]!.body).toBe(false);
  });
});
