// @vitest-environment jsdom
import type { MailSettings } from '@openums/protocol';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MailPage } from './mail-page';
import { renderWithProviders, stubApi } from './test-helpers';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const stored: MailSettings = {
  host: 'mail.example.test',
  port: 587,
  security: 'starttls',
  user: 'ums',
  password: '********',
  sender: 'ums@example.test',
  recipients: ['admins@example.test'],
  caCertificate: null,
  verifyHostName: true,
};

const off: MailSettings = { ...stored, host: null, user: null, password: null, sender: null, recipients: [] };

describe('MailPage', () => {
  it('sends a test mail and shows success, then a failure with what to check', async () => {
    let answer: Response = Response.json({ ok: true, accepted: ['admins@example.test'], messageId: '<1@example.test>' });
    const calls = stubApi({ 'GET /api/v1/settings/mail': stored, 'POST /api/v1/settings/mail/test': () => answer });
    renderWithProviders(<MailPage />);
    const send = await screen.findByRole('button', { name: 'Send test mail' });
    fireEvent.click(send);
    expect((await screen.findByTestId('mail-test-result')).textContent).toContain(
      'mail.example.test accepted the message for admins@example.test',
    );
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({});

    answer = Response.json(
      { error: { code: 'MAIL_AUTH_FAILED', message: 'The mail server refused the user name and password (Invalid login: 535)' } },
      { status: 422 },
    );
    fireEvent.change(screen.getByLabelText(/Send to/), { target: { value: 'me@example.test' } });
    fireEvent.click(send);
    const failure = await screen.findByTestId('mail-failure');
    expect(failure.textContent).toContain('Test mail not sent');
    expect(failure.textContent).toContain('Invalid login: 535');
    expect(failure.textContent).toContain('type the password again');
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST').at(-1)?.body).toEqual({ to: 'me@example.test' }));
  });

  it('never shows the stored password and sends the mask back to keep it', async () => {
    const calls = stubApi({
      'GET /api/v1/settings/mail': stored,
      'PUT /api/v1/settings/mail': () => Response.json({ ...stored, recipients: ['admins@example.test', 'ops@example.test'] }),
    });
    renderWithProviders(<MailPage />);
    const form = await screen.findByRole('form', { name: 'Mail settings' });
    const password = within(form).getByLabelText(/Password/, { selector: 'input' }) as HTMLInputElement;
    expect(password.value).toBe('');
    expect(password.placeholder).toBe('•••••••• (unchanged)');
    fireEvent.change(within(form).getByLabelText(/Recipients/), { target: { value: 'admins@example.test\nops@example.test' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    await waitFor(() =>
      expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
        host: 'mail.example.test',
        security: 'starttls',
        user: 'ums',
        password: '********',
        sender: 'ums@example.test',
        recipients: ['admins@example.test', 'ops@example.test'],
        caCertificate: null,
        verifyHostName: true,
        verify: true,
      }),
    );
  });

  it('marks wrong fields and sends nothing; a refused save shows the code', async () => {
    const calls = stubApi({
      'GET /api/v1/settings/mail': off,
      'PUT /api/v1/settings/mail': () =>
        Response.json(
          { error: { code: 'MAIL_CONNECTION_FAILED', message: 'Could not talk to the mail server smtp.example.test:587 (ECONNREFUSED)' } },
          { status: 422 },
        ),
    });
    renderWithProviders(<MailPage />);
    expect(((await screen.findByRole('button', { name: 'Send test mail' })) as HTMLButtonElement).disabled).toBe(true);
    const form = screen.getByRole('form', { name: 'Mail settings' });
    fireEvent.click(within(form).getByRole('switch', { name: /Send mail/ }));
    fireEvent.change(within(form).getByLabelText(/SMTP server/), { target: { value: 'smtp.example.test' } });
    fireEvent.change(within(form).getByLabelText(/^Sender/), { target: { value: 'not an address' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    expect(await within(form).findByText('An address like ums@example.com')).toBeTruthy();
    expect(calls.some((c) => c.method === 'PUT')).toBe(false);

    fireEvent.change(within(form).getByLabelText(/^Sender/), { target: { value: 'ums@example.test' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save' }));
    const failure = await within(form).findByTestId('mail-failure');
    expect(failure.textContent).toContain('Not saved');
    expect(failure.textContent).toContain('ECONNREFUSED');
    expect(failure.textContent).toContain('firewall');
    expect(calls.find((c) => c.method === 'PUT')?.body).toMatchObject({ host: 'smtp.example.test', user: null, password: null });
  });
});
