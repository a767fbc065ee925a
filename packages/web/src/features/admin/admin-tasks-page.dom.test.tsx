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
    await waitFor(() => expect(screen.getByRole('dialog')).toBeTruthy());
  });
});
