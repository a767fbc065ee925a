import type { Locator, Page } from '@playwright/test';
import { expect, screenshot, signIn, test, uniqueSuffix } from './fixtures';

const adminNav = (page: Page, name: string) =>
  page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name, exact: true }).click();
const accountRow = (page: Page, username: string) => page.locator(`[data-testid="account-row"][data-username="${username}"]`);

/** Picks accounts or groups in a member picker by their names. */
async function pickMembers(page: Page, scope: Locator, label: string, names: string[]): Promise<void> {
  const input = scope.getByRole('combobox', { name: label, exact: true });
  for (const name of names) {
    await input.click();
    await input.fill(name);
    await page.getByRole('option', { name, exact: true }).click();
  }
  await input.press('Escape');
}

test('accounts, groups and the audit log: an account with a general right signs in and sees what the right allows', async ({ page }) => {
  const suffix = uniqueSuffix();
  const username = `auditor-${suffix}`;
  const password = `Audit-${suffix}-pass-word`;
  const groupName = `Auditors ${suffix}`;
  const outerName = `Security ${suffix}`;

  await signIn(page);
  await page.getByRole('link', { name: 'Administration' }).click();
  await adminNav(page, 'Accounts');
  await expect(page).toHaveURL(/\/admin\/accounts$/);
  await expect(page.getByRole('heading', { name: 'Accounts', level: 2 })).toBeVisible();
  await expect(accountRow(page, 'admin').getByText('All (superuser)')).toBeVisible();

  // --- A new account with one general right.
  await page.getByRole('button', { name: 'New account' }).click();
  let dialog = page.getByRole('dialog', { name: 'New account' });
  await dialog.getByRole('textbox', { name: 'User name' }).fill(username);
  await dialog.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
  await dialog.getByRole('textbox', { name: 'Repeat the password' }).fill(`${password}x`);
  await expect(dialog).toContainText('The passwords do not match');
  await expect(dialog.getByRole('button', { name: 'Create account' })).toBeDisabled();
  await dialog.getByRole('textbox', { name: 'Repeat the password' }).fill(password);
  await dialog.getByRole('checkbox', { name: 'Logging and audit' }).check();
  await screenshot(page, '50-new-account');
  await dialog.getByRole('button', { name: 'Create account' }).click();
  await expect(dialog).toBeHidden();
  const row = accountRow(page, username);
  await expect(row).toContainText('Logging and audit');
  await expect(row.getByTestId('account-status')).toHaveText('Enabled');
  await screenshot(page, '51-accounts');

  // --- An API token for it, shown once with a copy button.
  await row.getByRole('button', { name: `API tokens: ${username}` }).click();
  dialog = page.getByRole('dialog', { name: `API tokens of ${username}` });
  await expect(dialog.getByTestId('no-tokens')).toBeVisible();
  await dialog.getByRole('textbox', { name: 'Name' }).fill('export script');
  await dialog.getByRole('button', { name: 'Create token' }).click();
  dialog = page.getByRole('dialog', { name: 'API token created' });
  await expect(dialog.getByTestId('api-token')).toHaveText(/^oat_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
  await expect(dialog.getByRole('button', { name: 'Copy token' })).toBeVisible();
  await screenshot(page, '52-api-token-created');
  await dialog.getByRole('button', { name: 'I have saved the token' }).click();
  dialog = page.getByRole('dialog', { name: `API tokens of ${username}` });
  await expect(dialog.getByTestId('token-row')).toHaveCount(1);
  await expect(dialog.getByTestId('token-row')).toContainText('Active');
  await screenshot(page, '53-api-tokens');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();

  // --- Disable and enable again.
  await row.getByRole('button', { name: `Disable: ${username}` }).click();
  await expect(row.getByTestId('account-status')).toHaveText('Disabled');
  await row.getByRole('button', { name: `Enable: ${username}` }).click();
  await expect(row.getByTestId('account-status')).toHaveText('Enabled');

  // --- A group with the account in it; a group nested in it cannot take it in (loop).
  await adminNav(page, 'Groups');
  await expect(page.getByRole('heading', { name: 'Groups', level: 2 })).toBeVisible();
  await page.getByRole('button', { name: 'New group' }).click();
  dialog = page.getByRole('dialog', { name: 'New group' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill(groupName);
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await expect(dialog).toBeHidden();
  const detail = page.getByTestId('group-detail');
  await expect(detail.getByRole('heading', { name: groupName })).toBeVisible();
  await expect(detail.getByTestId('no-members')).toBeVisible();
  await pickMembers(page, detail, 'Add members', [username]);
  await detail.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(detail.getByTestId('member-row')).toHaveCount(1);
  await expect(detail.getByTestId('member-row')).toContainText(username);
  await detail.getByRole('checkbox', { name: 'Enrollment keys' }).check();
  await detail.getByRole('button', { name: 'Save rights' }).click();
  await expect(page.getByText(`Rights of ${groupName} saved`)).toBeVisible();

  await page.getByRole('button', { name: 'New group' }).click();
  dialog = page.getByRole('dialog', { name: 'New group' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill(outerName);
  await pickMembers(page, dialog, 'Members', [groupName]);
  await dialog.getByRole('button', { name: 'Create group' }).click();
  await expect(dialog).toBeHidden();
  await page.getByRole('navigation', { name: 'Groups' }).getByText(groupName, { exact: true }).click();
  await expect(detail.getByRole('heading', { name: groupName })).toBeVisible();
  await pickMembers(page, detail, 'Add members', [outerName]);
  await detail.getByRole('button', { name: 'Add', exact: true }).click();
  await expect(detail.getByTestId('error-alert')).toContainText(`“${outerName}” already contains “${groupName}”`);
  await expect(detail.getByTestId('member-row')).toHaveCount(1);
  await screenshot(page, '54-groups-cycle');

  // --- The audit log lists these changes, before and after.
  await adminNav(page, 'Audit log');
  await expect(page.getByRole('heading', { name: 'Audit log', level: 2 })).toBeVisible();
  const created = page.locator('[data-testid="audit-row"][data-action="admin.create"]').filter({ hasText: username });
  await expect(created).toHaveCount(1);
  await expect(page.locator('[data-testid="audit-row"][data-action="admin-group.create"]').filter({ hasText: groupName })).toHaveCount(1);
  const disabled = page.locator('[data-testid="audit-row"][data-action="admin.update"]').filter({ hasText: username });
  await expect(disabled).toHaveCount(2);
  await disabled
    .last()
    .getByRole('button', { name: /^Show the change/ })
    .click();
  const change = page.getByTestId('audit-changes');
  await expect(change.locator('tr[data-changed]')).toContainText(['disabled']);
  await expect(change.getByTestId('before')).toHaveText('no');
  await expect(change.getByTestId('after')).toHaveText('yes');
  await screenshot(page, '55-audit-log');

  // --- Filter by action, then export what the filter shows.
  const action = page.getByRole('combobox', { name: 'Action' });
  await action.fill('admin-group.update');
  await action.press('Enter');
  await expect(page).toHaveURL(/action=admin-group.update/);
  await expect(page.getByTestId('audit-row').first()).toHaveAttribute('data-action', 'admin-group.update');
  const actions = await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-action')));
  expect(new Set(actions)).toEqual(new Set(['admin-group.update']));
  await screenshot(page, '56-audit-log-filtered');
  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('link', { name: 'Export filtered CSV' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe('audit-log.csv');
  let csv = '';
  for await (const chunk of await download.createReadStream()) csv += String(chunk);
  const lines = csv.trim().split('\n');
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.slice(1).every((l) => l.includes('admin-group.update'))).toBe(true);
  expect(csv).toContain(groupName);
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await expect(page).toHaveURL(/\/admin\/audit-log$/);

  // --- Retention.
  const retention = page.getByTestId('audit-retention');
  const days = retention.getByRole('textbox', { name: 'Keep entries for (days)' });
  const before = await days.inputValue();
  await days.fill('400');
  await retention.getByRole('button', { name: 'Save retention' }).click();
  await expect(page.getByText('Audit log entries are kept for 400 days')).toBeVisible();
  await days.fill(before);
  await retention.getByRole('button', { name: 'Save retention' }).click();
  await expect(retention.getByRole('button', { name: 'Save retention' })).toBeDisabled();

  // --- Signed in as the new account: the audit log opens, accounts do not.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.getByRole('textbox', { name: 'User name' }).fill(username);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toContainText(username);
  // Administration lists what the account's rights allow: the audit log and logging (its own right), enrollment
  // keys (its group's right) and the read-only server list; not accounts, groups or LDAP.
  await page.getByRole('link', { name: 'Administration' }).click();
  const nav = page.getByRole('navigation', { name: 'Administration' });
  await expect(nav.getByRole('link')).toHaveText(['Enrollment keys', 'Servers', 'Audit log', 'Logging']);
  await adminNav(page, 'Audit log');
  await expect(page.locator('[data-testid="audit-row"][data-action="auth.login"]').filter({ hasText: username }).first()).toBeVisible();
  await expect(page.getByTestId('audit-retention').getByRole('textbox', { name: 'Keep entries for (days)' })).toBeVisible();
  await screenshot(page, '57-audit-log-as-auditor');
  // An old link to a page it may not use lands on one it may; the accounts are never shown.
  await page.goto('/admin/accounts');
  await expect(page.getByRole('heading', { name: 'Enrollment keys', level: 2 }).or(page.getByTestId('forbidden'))).toBeVisible();
  await expect(page.getByTestId('account-row')).toHaveCount(0);
  await screenshot(page, '58-accounts-not-allowed');
});

test('an LDAP domain is added with its fields, its connection test names the failure, and it can be removed', async ({ page }) => {
  const name = `e2e${uniqueSuffix()}.example`;
  await signIn(page);
  await page.goto('/admin/ldap-domains');
  await expect(page.getByRole('heading', { name: 'LDAP domains', level: 2 })).toBeVisible();
  await screenshot(page, '60-ldap-domains');

  await page.getByRole('button', { name: 'Add domain' }).click();
  const dialog = page.getByRole('dialog', { name: 'Add LDAP domain' });
  await dialog.getByRole('textbox', { name: 'Domain name' }).fill(name);
  // Nothing listens on port 9 of this machine: the test must say the connection failed.
  await dialog.getByRole('textbox', { name: 'Domain controllers' }).fill('127.0.0.1');
  await dialog.getByRole('textbox', { name: 'Port' }).fill('9');
  await dialog.getByRole('textbox', { name: 'CA certificate' }).fill('not a certificate');
  await dialog.getByRole('textbox', { name: 'Bind DN' }).fill('CN=ums-reader,DC=e2e,DC=example');
  await dialog.getByLabel('Bind password').fill('reader-secret');
  await dialog.getByRole('button', { name: 'Add domain' }).click();
  await expect(dialog).toContainText('Paste the certificate in PEM form');
  await screenshot(page, '61-ldap-domain-form');
  await dialog.getByRole('textbox', { name: 'CA certificate' }).fill('');
  await dialog.getByRole('button', { name: 'Add domain' }).click();
  await expect(dialog).toBeHidden();

  const card = page.locator(`[data-testid="ldap-domain"][data-domain="${name}"]`);
  await expect(card).toContainText('Stored (never shown)');
  await expect(card).toContainText(`DC=${name.split('.')[0]},DC=example`);
  await expect(card).not.toContainText('reader-secret');
  await card.getByRole('button', { name: 'Test connection' }).click();
  await expect(card.getByTestId('ldap-test-result')).toContainText('no host of the domain answered');
  await expect(card.getByTestId('ldap-test-result')).toContainText('firewall');
  await screenshot(page, '62-ldap-test-failed');

  // --- The stored password is kept unless replaced or removed.
  await card.getByRole('button', { name: 'Edit' }).click();
  const edit = page.getByRole('dialog', { name: `Edit domain ${name}` });
  await expect(edit.getByLabel('Bind password')).toHaveValue('');
  await expect(edit.getByLabel('Bind password')).toHaveAttribute('placeholder', '•••••••• (unchanged)');
  await expect(edit.getByRole('button', { name: 'Save domain' })).toBeDisabled();
  await screenshot(page, '63-ldap-domain-edit');
  await edit.getByRole('button', { name: 'Cancel' }).click();

  await card.getByRole('button', { name: 'Search and import' }).click();
  const importDialog = page.getByRole('dialog', { name: `Import from ${name}` });
  await importDialog.getByRole('button', { name: 'Search' }).click();
  await expect(importDialog.getByTestId('error-alert')).toContainText('no host of the domain answered');
  await screenshot(page, '64-ldap-import-failed');

  // --- With a directory that answers (stubbed: e2e has no directory server), entries are chosen and imported.
  const base = `DC=${name.split('.')[0]},DC=example`;
  const found = [
    { type: 'group', dn: `CN=UMS admins,OU=Groups,${base}`, name: 'UMS admins', displayName: null, importedId: null },
    { type: 'user', dn: `CN=Alice Example,OU=Staff,${base}`, name: 'alice', displayName: 'Alice Example', importedId: null },
    { type: 'user', dn: `CN=Bob Example,OU=Staff,${base}`, name: 'bob', displayName: 'Bob Example', importedId: 7 },
  ];
  await page.route('**/api/v1/ldap-domains/*/search?*', (route) => route.fulfill({ json: { items: found, truncated: false } }));
  await page.route('**/api/v1/ldap-domains/*/import', (route) =>
    route.fulfill({
      json: {
        items: [
          { type: 'group', dn: found[0]!.dn, id: 40, name: 'UMS admins', created: true },
          { type: 'user', dn: found[1]!.dn, id: 41, name: 'alice', created: true },
        ],
      },
    }),
  );
  await importDialog.getByRole('textbox', { name: 'Name contains' }).fill('a');
  await importDialog.getByRole('button', { name: 'Search' }).click();
  await expect(importDialog.getByTestId('directory-entry')).toHaveCount(3);
  await expect(importDialog.getByRole('checkbox', { name: 'Choose bob' })).toHaveCount(0);
  await importDialog.getByRole('checkbox', { name: 'Choose all' }).check();
  await screenshot(page, '65-ldap-import-chosen');
  await importDialog.getByRole('button', { name: 'Import 2 entries' }).click();
  await expect(importDialog.getByTestId('import-result')).toContainText('1 account and 1 group created');
  await screenshot(page, '66-ldap-imported');
  await page.unrouteAll();
  await importDialog.getByRole('button', { name: 'Close' }).click();

  await card.getByRole('button', { name: 'Remove' }).click();
  await page.getByRole('dialog', { name: 'Remove LDAP domain' }).getByRole('button', { name: 'Remove domain' }).click();
  await expect(card).toHaveCount(0);
});
