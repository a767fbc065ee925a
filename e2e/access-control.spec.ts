import type { Admin } from '@openums/protocol';
import type { Page } from '@playwright/test';
import { expect, randomMac, signIn, test, uniqueSuffix } from './fixtures';

const shot = (page: Page, name: string) => page.screenshot({ path: `/tmp/shots/access-${name}.png` });

test('the superuser gives an account Browse and Read on one folder; the account sees only that folder, read-only', async ({
  page,
  api,
  request,
}) => {
  const suffix = uniqueSuffix();
  const username = `helpdesk-${suffix}`;
  const password = `Hd-${suffix}-Secret-42!`;
  const shared = `E2E Access ${suffix}`;
  const hidden = `E2E Hidden ${suffix}`;

  // --- Set-up through the API: an account without rights, two folders with a device each.
  const login = await request.post('/api/v1/auth/login', {
    data: { username: process.env.E2E_ADMIN_USER, password: process.env.E2E_ADMIN_PASSWORD },
  });
  const token = ((await login.json()) as { token: string }).token;
  const created = await request.post('/api/v1/admins', {
    data: { username, password, superuser: false },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(created.status(), await created.text()).toBe(201);
  const account = (await created.json()) as Admin;
  const sharedFolder = await api.createFolder(shared);
  const hiddenFolder = await api.createFolder(hidden);
  const visibleDevice = await api.createDevice({ mac: randomMac(), name: `e2e-acl-in-${suffix}`, folderId: sharedFolder.id });
  await api.createDevice({ mac: randomMac(), name: `e2e-acl-out-${suffix}`, folderId: hiddenFolder.id });

  // --- The superuser opens the folder's access control and allows Browse and Read.
  await signIn(page);
  await page.getByRole('link', { name: 'Devices', exact: true }).click();
  const tree = page.getByRole('tree', { name: 'Device folders' });
  await tree.getByRole('treeitem', { name: shared, exact: true }).click();
  await page.getByRole('button', { name: `Access control of ${shared}` }).click();
  const dialog = page.getByRole('dialog', { name: `Access control: folder ${shared}` });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Nobody is listed');

  await dialog.getByRole('combobox', { name: 'Add an account or group' }).click();
  await dialog.getByRole('combobox', { name: 'Add an account or group' }).fill(username);
  await page.getByRole('option', { name: username, exact: true }).click();
  await expect(dialog.getByText(`Rights of account ${username}`)).toBeVisible();
  await dialog
    .getByRole('radiogroup', { name: `Browse for ${username}` })
    .getByText('Allow')
    .click();
  await dialog
    .getByRole('radiogroup', { name: `Read for ${username}` })
    .getByText('Allow')
    .click();
  await dialog
    .getByRole('radiogroup', { name: `Write for ${username}` })
    .getByText('Deny')
    .click();
  await expect(dialog.getByTestId('access-summary')).toHaveText('allow Browse, Read · deny Write');
  await expect(dialog.getByText('Unsaved changes')).toBeVisible();
  await shot(page, 'dialog-edited');

  // Closing with unsaved changes asks first.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByRole('dialog', { name: 'Discard unsaved changes?' })).toBeVisible();
  await page.getByRole('button', { name: 'Stay' }).click();

  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog.getByText('Unsaved changes')).toBeHidden();
  const stored = await request.get(`/api/v1/device-folders/${sharedFolder.id}/access`, { headers: { Authorization: `Bearer ${token}` } });
  expect(await stored.json()).toEqual({
    entries: [{ principal: { type: 'admin', id: account.id }, rights: { browse: 'allow', read: 'allow', write: 'deny' } }],
  });

  // Effective rights say why, in words.
  await dialog.getByRole('tab', { name: 'Effective rights' }).click();
  await dialog.getByRole('combobox', { name: 'Account' }).click();
  await dialog.getByRole('combobox', { name: 'Account' }).fill(username);
  await page.getByRole('option', { name: username, exact: true }).click();
  const effective = dialog.getByTestId('effective-rights');
  await expect(effective.getByTestId('effective-read')).toContainText('allowed — set for the account on this folder');
  await expect(effective.getByTestId('effective-write')).toContainText('denied — set for the account on this folder');
  await expect(effective.getByTestId('effective-move')).toContainText('not set');
  await shot(page, 'effective');
  await dialog.getByRole('button', { name: 'Close', exact: true }).click();
  await expect(dialog).toBeHidden();

  // --- The account signs in: only the shared folder and its device, nothing it may change.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.getByRole('textbox', { name: 'User name' }).fill(username);
  await page.getByRole('textbox', { name: 'Password' }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('current-user')).toContainText(username);
  // The login page returns to where the last session was; start from all devices.
  await page.goto('/devices');

  await expect(tree.getByRole('treeitem', { name: shared, exact: true })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: hidden, exact: true })).toHaveCount(0);
  const rows = page.getByTestId('device-row');
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(visibleDevice.name);
  // Nothing may be created at the top level.
  await expect(page.getByRole('button', { name: 'New device' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'New folder' })).toBeDisabled();

  await tree.getByRole('treeitem', { name: shared, exact: true }).click();
  for (const name of ['New folder', 'Rename folder', 'Delete folder', 'Move folder']) {
    await expect(page.getByRole('button', { name })).toBeDisabled();
  }
  await rows.first().click();
  const detail = page.getByTestId('device-detail');
  await expect(detail.getByTestId('device-detail-name')).toHaveText(visibleDevice.name);
  for (const name of ['Rename device', 'Delete device', 'Move device', 'Edit inventory']) {
    await expect(detail.getByRole('button', { name })).toBeDisabled();
  }
  await detail.getByRole('button', { name: 'Delete device' }).hover();
  await expect(page.getByRole('tooltip')).toHaveText('You need the Write right on this device');
  await shot(page, 'restricted-tree');
  await page.mouse.move(0, 0);

  // Read, not Access control: the list is shown read-only, and says why.
  await detail.getByRole('button', { name: `Access control of ${visibleDevice.name}` }).click();
  const readOnly = page.getByRole('dialog', { name: `Access control: device ${visibleDevice.name}` });
  await expect(readOnly.getByTestId('access-read-only')).toContainText('needs the Access control right on this device');
  await expect(readOnly.getByRole('button', { name: 'Save' })).toHaveCount(0);
  await shot(page, 'read-only-dialog');
  await readOnly.getByRole('button', { name: 'Close', exact: true }).click();

  // Administration: no general rights, so only the servers page (read-only).
  await page.getByRole('link', { name: 'Administration' }).click();
  const nav = page.getByRole('navigation', { name: 'Administration' });
  await expect(nav.getByRole('link')).toHaveText(['Servers']);
  await shot(page, 'admin-nav');
});
