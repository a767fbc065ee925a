// @vitest-environment jsdom
import type { LdapDomain } from '@openums/protocol';
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LdapDomainsPage } from './ldap-domains-page';
import { renderWithProviders, stubApi } from './test-helpers';

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const domain: LdapDomain = {
  id: 4,
  name: 'corp.example',
  kind: 'ad',
  hosts: ['dc1.corp.example'],
  port: 636,
  security: 'ldaps',
  caCertificate: null,
  verifyHostName: true,
  baseDn: 'DC=corp,DC=example',
  bindDn: 'CN=reader,DC=corp,DC=example',
  bindPasswordSet: true,
  namingAttribute: 'sAMAccountName',
  groupAttribute: 'memberOf',
  memberAttribute: 'member',
  userFilter: null,
  pageSize: 1000,
  upnSuffixes: [],
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

describe('LdapDomainsPage', () => {
  it('explains what a domain is for when there is none', async () => {
    stubApi({ 'GET /api/v1/ldap-domains': { items: [] } });
    renderWithProviders(<LdapDomainsPage />);
    expect((await screen.findByTestId('no-domains')).textContent).toContain('user@DOMAIN');
  });

  it('shows the test result, and for a failure what to check', async () => {
    let answer: Response = Response.json({ ok: true, host: 'dc1.corp.example', security: 'ldaps' });
    stubApi({ 'GET /api/v1/ldap-domains': { items: [domain] }, 'POST /api/v1/ldap-domains/4/test': () => answer });
    renderWithProviders(<LdapDomainsPage />);
    const card = await screen.findByTestId('ldap-domain');
    expect(card.textContent).toContain('Stored (never shown)');
    fireEvent.click(within(card).getByRole('button', { name: 'Test connection' }));
    expect((await within(card).findByTestId('ldap-test-result')).textContent).toContain(
      'dc1.corp.example answered over LDAPS and accepted the bind DN and password.',
    );

    answer = Response.json(
      { error: { code: 'LDAP_CERTIFICATE_INVALID', message: "The directory's certificate was refused (self-signed certificate)" } },
      { status: 422 },
    );
    fireEvent.click(within(card).getByRole('button', { name: 'Test connection' }));
    await waitFor(() => expect(within(card).getByTestId('ldap-test-result').textContent).toContain('self-signed certificate'));
    expect(within(card).getByTestId('ldap-test-result').textContent).toContain('Paste the CA certificate');
  });

  it('never shows the stored bind password and removes it only when asked', async () => {
    const calls = stubApi({
      'GET /api/v1/ldap-domains': { items: [domain] },
      'PATCH /api/v1/ldap-domains/4': () => Response.json({ ...domain, bindPasswordSet: false }),
    });
    renderWithProviders(<LdapDomainsPage />);
    fireEvent.click(within(await screen.findByTestId('ldap-domain')).getByRole('button', { name: 'Edit' }));
    const dialog = screen.getByRole('dialog', { name: 'Edit domain corp.example' });
    const password = within(dialog).getByLabelText(/Bind password/, { selector: 'input' }) as HTMLInputElement;
    expect(password.value).toBe('');
    expect(password.placeholder).toBe('•••••••• (unchanged)');
    const save = within(dialog).getByRole('button', { name: 'Save domain' }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.click(within(dialog).getByRole('checkbox', { name: 'Remove the stored password' }));
    fireEvent.click(save);
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ bindPassword: null }));
  });

  it('adds a domain and marks the fields that are wrong', async () => {
    const calls = stubApi({
      'GET /api/v1/ldap-domains': { items: [] },
      'POST /api/v1/ldap-domains': () => Response.json({ ...domain, id: 5, kind: 'ldap', name: 'example.com' }, { status: 201 }),
    });
    renderWithProviders(<LdapDomainsPage />);
    fireEvent.click(await screen.findByRole('button', { name: 'Add domain' }));
    const dialog = screen.getByRole('dialog', { name: 'Add LDAP domain' });
    fireEvent.click(within(dialog).getByRole('radio', { name: 'Other LDAP directory' }));
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Domain name/ }), { target: { value: 'example.com' } });
    fireEvent.change(within(dialog).getByRole('textbox', { name: /Directory servers/ }), { target: { value: 'ldap.example.com' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add domain' }));
    expect((await within(dialog).findByTestId('error-alert')).textContent).toContain('Check the marked fields.');
    expect(dialog.textContent).toContain('Enter the base DN');
    expect(calls.some((c) => c.method === 'POST')).toBe(false);

    fireEvent.change(within(dialog).getByRole('textbox', { name: /Base DN/ }), { target: { value: 'dc=example,dc=com' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Add domain' }));
    await waitFor(() =>
      expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
        name: 'example.com',
        kind: 'ldap',
        hosts: ['ldap.example.com'],
        security: 'ldaps',
        baseDn: 'dc=example,dc=com',
      }),
    );
  });
});
