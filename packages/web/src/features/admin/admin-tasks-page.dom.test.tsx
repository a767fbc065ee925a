// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AdminTasksPage } from './admin-tasks-page';
import { renderWithProviders, stubApi } from './test-helpers';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('AdminTasksPage', () => {
  it('shows the server’s directory error at the Directory field and keeps the dialog open', async () => {
    const calls = stubApi({
      'GET /api/v1/admin-tasks': { items: [], nextCursor: null },
      'POST /api/v1/admin-tasks': () =>
        Response.json(
          {
            error: {
              code: 'VALIDATION_FAILED',
              message: 'body.options.directory: /nope is not a writable directory (ENOENT)',
              details: { field: 'body.options.directory' },
            },
          },
          { status: 400 },
        ),
    });
    renderWithProviders(<AdminTasksPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'New task' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Name/ }), { target: { value: 'Nightly backup' } });
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Directory/ }), { target: { value: '/nope' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('/nope is not a writable directory (ENOENT)')).toBeTruthy();
    expect(
      within(dialog)
        .getByRole('textbox', { name: /Directory/ })
        .getAttribute('aria-invalid'),
    ).toBe('true');
    // Shown at the field only, not again as an alert.
    expect(within(dialog).queryByTestId('error-alert')).toBeNull();
    const body = calls.find((c) => c.method === 'POST')?.body as Record<string, unknown>;
    expect(body).toMatchObject({ name: 'Nightly backup', options: { type: 'backup', directory: '/nope', keep: 7 }, enabled: true });
    expect((body.schedule as { repeat: unknown }).repeat).toBeNull();
    // A new one-off task starts ahead of now: a default of "now" was refused as past by the time
    // a slower user pressed Create.
    expect(Date.parse((body.schedule as { startAt: string }).startAt)).toBeGreaterThan(Date.now() + 3 * 60_000);
    await waitFor(() => expect(screen.getByRole('dialog')).toBeTruthy());
  });
});

const view = (id: number, name: string) => ({
  id,
  name,
  description: null,
  folderId: null,
  criteria: { field: 'site', op: 'eq', value: name },
});
const profile = (id: number, name: string) => ({ id, name, type: 'standard' });

describe('AdminTasksPage: view tasks', () => {
  const open = async (type: RegExp) => {
    renderWithProviders(<AdminTasksPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'New task' }));
    const dialog = await screen.findByRole('dialog');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Name/ }), { target: { value: 'View task' } });
    fireEvent.click(within(dialog).getByRole('combobox', { name: 'Type' }));
    fireEvent.click(await screen.findByRole('option', { name: type }));
    return dialog;
  };
  const pick = async (dialog: HTMLElement, label: RegExp, option: string) => {
    fireEvent.click(await within(dialog).findByRole('combobox', { name: label }));
    fireEvent.click(await screen.findByRole('option', { name: option }));
  };

  it('exports a view to a directory: the server’s directory error shows at the field', async () => {
    const calls = stubApi({
      'GET /api/v1/admin-tasks': { items: [], nextCursor: null },
      'GET /api/v1/views': { items: [view(7, 'Augsburg'), view(8, 'Berlin')], nextCursor: null },
      'POST /api/v1/admin-tasks': () =>
        Response.json(
          {
            error: {
              code: 'VALIDATION_FAILED',
              message: 'body.options.to.directory: /ro is not a writable directory (EACCES)',
              details: { field: 'body.options.to.directory' },
            },
          },
          { status: 400 },
        ),
    });
    const dialog = await open(/Export a view/);
    // Nothing chosen yet: the dialog's own checks, nothing sent.
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('Choose a view')).toBeTruthy();
    await pick(dialog, /^View/, 'Berlin');
    fireEvent.click(within(dialog).getByRole('radio', { name: 'To a directory' }));
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Export directory/ }), { target: { value: '/ro' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('/ro is not a writable directory (EACCES)')).toBeTruthy();
    expect(within(dialog).queryByTestId('error-alert')).toBeNull();
    const posts = calls.filter((c) => c.method === 'POST');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.body).toMatchObject({ options: { type: 'exportView', viewId: 8, format: 'csv', to: { directory: '/ro' } } });
  });

  it('checks mail addresses before sending, then sends the export by mail', async () => {
    const calls = stubApi({
      'GET /api/v1/admin-tasks': { items: [], nextCursor: null },
      'GET /api/v1/views': { items: [view(7, 'Augsburg')], nextCursor: null },
      'POST /api/v1/admin-tasks': (_u: URL, init: RequestInit | undefined) =>
        Response.json({ id: 1, ...JSON.parse(String(init?.body)) }, { status: 201 }),
    });
    const dialog = await open(/Export a view/);
    await pick(dialog, /^View/, 'Augsburg');
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Recipients/ }), {
      target: { value: 'ops@example.test\nnot-an-address' },
    });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('“not-an-address” is not a mail address')).toBeTruthy();
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Recipients/ }), { target: { value: 'ops@example.test' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(1));
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({
      options: { type: 'exportView', viewId: 7, format: 'csv', to: { mail: ['ops@example.test'] } },
    });
  });

  it('assigns profiles to a view: a profile the server does not find shows at Profiles', async () => {
    const calls = stubApi({
      'GET /api/v1/admin-tasks': { items: [], nextCursor: null },
      'GET /api/v1/views': { items: [view(7, 'Augsburg')], nextCursor: null },
      'GET /api/v1/profiles': { items: [profile(3, 'Kiosk'), profile(4, 'Office')], nextCursor: null },
      'POST /api/v1/admin-tasks': () =>
        Response.json(
          {
            error: {
              code: 'PROFILE_NOT_FOUND',
              message: 'body.options.profileIds: Profile 4 does not exist',
              details: { field: 'body.options.profileIds' },
            },
          },
          { status: 404 },
        ),
    });
    const dialog = await open(/Assign profiles/);
    await pick(dialog, /^View/, 'Augsburg');
    fireEvent.click((await within(dialog).findAllByLabelText(/^Profiles/))[0]!);
    fireEvent.click(await screen.findByRole('option', { name: 'Office' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Create' }));
    expect(await within(dialog).findByText('Profile 4 does not exist')).toBeTruthy();
    expect(calls.find((c) => c.method === 'POST')!.body).toMatchObject({
      options: { type: 'assignProfilesToView', viewId: 7, profileIds: [4], apply: 'now' },
    });
  });

  it('shows the last result of each task', async () => {
    stubApi({
      'GET /api/v1/admin-tasks': {
        items: [
          {
            id: 1,
            name: 'Kiosk for Augsburg',
            type: 'assignProfilesToView',
            options: { type: 'assignProfilesToView', viewId: 7, profileIds: [3], apply: 'now' },
            schedule: { startAt: '2030-01-01T02:00:00.000Z', repeat: { everyDays: 1 } },
            enabled: true,
            nextRunAt: '2030-01-01T02:00:00.000Z',
            lastRunAt: '2029-12-31T02:00:00.000Z',
            lastState: 'succeeded',
            lastMessage: '2 assigned, 0 skipped, 1 refused (device × profile); view "Augsburg", profile(s) 3',
            createdBy: 'admin',
            createdAt: '2029-12-01T02:00:00.000Z',
          },
        ],
        nextCursor: null,
      },
    });
    renderWithProviders(<AdminTasksPage />);
    const row = await screen.findByTestId('task-Kiosk for Augsburg');
    expect(within(row).getByText("Assign profiles to a view's devices")).toBeTruthy();
    expect(within(row).getByTestId('last-result').textContent).toContain('2 assigned, 0 skipped, 1 refused');
  });
});
