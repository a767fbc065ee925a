import { admin, expect, randomMac, screenshot, test, uniqueSuffix } from './fixtures';

test('administrator manages folders and a device, then logs out', async ({ page, api }) => {
  const suffix = uniqueSuffix();
  const siteName = `E2E Site ${suffix}`;
  const subName = `E2E Sub ${suffix}`;

  // --- Login: a wrong password shows the server's message, the right one opens the app.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await screenshot(page, '01-login');

  await page.getByRole('textbox', { name: 'User name' }).fill(admin.username);
  await page.getByRole('textbox', { name: 'Password' }).fill('definitely-not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('login-error')).toContainText(/wrong user name or password/i);
  await screenshot(page, '02-login-error');

  await page.getByRole('textbox', { name: 'Password' }).fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 2 })).toBeVisible();
  await expect(page.getByTestId('current-user')).toContainText(admin.username);
  await page.getByRole('link', { name: 'Devices', exact: true }).click();
  await expect(page).toHaveURL(/\/devices/);

  const tree = page.getByRole('tree', { name: 'Device folders' });
  const folderItem = (name: string) => tree.getByRole('treeitem', { name, exact: true });

  // --- Folders: one at the top level, one inside it.
  await page.getByRole('button', { name: 'New folder' }).click();
  let dialog = page.getByRole('dialog', { name: 'New folder' });
  await dialog.getByLabel('Folder name').fill(siteName);
  await screenshot(page, '03-new-folder-dialog');
  await dialog.getByRole('button', { name: 'Create folder' }).click();
  await expect(dialog).toBeHidden();
  await expect(folderItem(siteName)).toBeVisible();

  await folderItem(siteName).click();
  await expect(folderItem(siteName)).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('button', { name: 'New folder' }).click();
  dialog = page.getByRole('dialog', { name: 'New folder' });
  await expect(dialog).toContainText(siteName);
  await dialog.getByLabel('Folder name').fill(subName);
  await dialog.getByRole('button', { name: 'Create folder' }).click();
  await expect(dialog).toBeHidden();
  await expect(folderItem(subName)).toBeVisible();
  await expect(folderItem(siteName)).toHaveAttribute('aria-expanded', 'true');

  const site = await api.folderByName('root', siteName);
  const sub = await api.folderByName(site.id, subName);

  // Moving a folder into its own sub-folder is refused by the server; the message is shown.
  await page.getByRole('button', { name: 'Move folder' }).click();
  dialog = page.getByRole('dialog', { name: `Move folder "${siteName}"` });
  await dialog.getByLabel('Move into').click();
  await dialog.getByLabel('Move into').fill(subName);
  await page.getByRole('option', { name: `${siteName} / ${subName}` }).click();
  await dialog.getByRole('button', { name: 'Move', exact: true }).click();
  await expect(dialog.getByRole('alert')).toBeVisible();
  await screenshot(page, '04-folder-cycle-error');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  // Deleting a folder that is not empty is refused too.
  await page.getByRole('button', { name: 'Delete folder' }).click();
  dialog = page.getByRole('dialog', { name: 'Delete folder' });
  await dialog.getByRole('button', { name: 'Delete folder' }).click();
  await expect(dialog.getByRole('alert')).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  // --- A device created through the REST API (bearer token) shows up in the UI.
  const mac = randomMac();
  const deviceName = `e2e-tc-${suffix}`;
  const device = await api.createDevice({ mac, name: deviceName, folderId: site.id });

  await folderItem('All devices').click();
  await page.getByLabel('Search devices').fill(deviceName.slice(0, 9));
  const row = page.getByTestId('device-row').filter({ hasText: deviceName });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(mac);
  await row.click();

  const detail = page.getByTestId('device-detail');
  await expect(detail.getByTestId('device-detail-name')).toHaveText(deviceName);
  await expect(detail.getByTestId('device-field-id')).toContainText(String(device.id));
  await expect(detail.getByTestId('device-field-mac')).toContainText(mac);
  await expect(detail.getByTestId('device-field-name')).toContainText(deviceName);
  await expect(detail.getByTestId('device-field-folder')).toContainText(siteName);
  await expect(detail.getByTestId('device-field-online')).toContainText('No');
  for (const field of [
    'unitId',
    'networkName',
    'site',
    'department',
    'costCenter',
    'comment',
    'assetId',
    'inServiceDate',
    'serialNumber',
    'product',
    'version',
    'lastIp',
    'lastContact',
    'lastBoot',
    'registeredAt',
    'structureTag',
  ]) {
    await expect(detail.getByTestId(`device-field-${field}`)).toBeVisible();
  }
  await screenshot(page, '05-device-detail');

  // --- Rename.
  const newName = `${deviceName}-renamed`;
  await detail.getByRole('button', { name: 'Rename device' }).click();
  dialog = page.getByRole('dialog', { name: 'Rename device' });
  await dialog.getByLabel('Device name').fill(newName);
  await dialog.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(detail.getByTestId('device-detail-name')).toHaveText(newName);
  await expect(page.getByTestId('device-row').filter({ hasText: newName })).toHaveCount(1);

  // --- Edit inventory fields.
  await detail.getByRole('button', { name: 'Edit inventory' }).click();
  dialog = page.getByRole('dialog', { name: 'Edit inventory' });
  await dialog.getByLabel('Site').fill('Berlin HQ');
  await dialog.getByLabel('Serial number').fill(`SN-${suffix}`);
  await dialog.getByLabel('In service since').fill('2024-03-15');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();
  await expect(detail.getByTestId('device-field-site')).toContainText('Berlin HQ');
  await expect(detail.getByTestId('device-field-serialNumber')).toContainText(`SN-${suffix}`);
  await expect(detail.getByTestId('device-field-inServiceDate')).toContainText('2024-03-15');

  // --- Move to the sub-folder; it is listed there and the folder counts follow.
  await detail.getByRole('button', { name: 'Move device' }).click();
  dialog = page.getByRole('dialog', { name: `Move "${newName}"` });
  await dialog.getByLabel('Target folder').click();
  await dialog.getByLabel('Target folder').fill(subName);
  await page.getByRole('option', { name: `${siteName} / ${subName}` }).click();
  await dialog.getByRole('button', { name: 'Move', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(detail.getByTestId('device-field-folder')).toContainText(`${siteName} / ${subName}`);

  await page.getByLabel('Search devices').fill('');
  await folderItem(subName).click();
  await expect(page.getByTestId('device-list-title')).toHaveText(`${siteName} / ${subName}`);
  await expect(page.getByTestId('device-row').filter({ hasText: newName })).toHaveCount(1);
  await expect(folderItem(subName).getByTestId('folder-count')).toHaveText('1');
  await expect(folderItem(siteName).getByTestId('folder-count')).toHaveText('0');
  expect((await api.getDevice(device.id)).device?.folderId).toBe(sub.id);
  await screenshot(page, '06-device-moved');

  // --- Delete with confirmation.
  await detail.getByRole('button', { name: 'Delete device' }).click();
  dialog = page.getByRole('dialog', { name: 'Delete device' });
  await expect(dialog).toContainText(newName);
  await dialog.getByRole('button', { name: 'Delete device' }).click();
  await expect(dialog).toBeHidden();
  await expect(detail).toBeHidden();
  await expect(page.getByTestId('device-row').filter({ hasText: newName })).toHaveCount(0);
  expect((await api.getDevice(device.id)).status).toBe(404);

  // --- "New device" creates an inventory record from MAC, name and folder, and opens it.
  const uiMac = randomMac();
  await folderItem(siteName).click();
  await page.getByRole('button', { name: 'New device' }).click();
  dialog = page.getByRole('dialog', { name: 'New device' });
  await dialog.getByLabel('MAC address').fill(uiMac);
  await dialog.getByLabel('Name').fill(`${deviceName}-ui`);
  await expect(dialog.getByLabel('Folder')).toHaveValue(siteName);
  await screenshot(page, '07-new-device-dialog');
  await dialog.getByRole('button', { name: 'Create device' }).click();
  await expect(dialog).toBeHidden();
  await expect(detail.getByTestId('device-detail-name')).toHaveText(`${deviceName}-ui`);
  await expect(detail.getByTestId('device-field-mac')).toContainText(uiMac);
  await expect(detail.getByTestId('device-field-folder')).toHaveText(/Folder\s*E2E Site/);
  await expect(page.getByTestId('device-row').filter({ hasText: `${deviceName}-ui` })).toHaveCount(1);

  // A duplicate MAC is refused with a readable message, and the dialog stays open.
  await page.getByRole('button', { name: 'New device' }).click();
  dialog = page.getByRole('dialog', { name: 'New device' });
  await dialog.getByLabel('MAC address').fill(uiMac);
  await dialog.getByRole('button', { name: 'Create device' }).click();
  await expect(dialog.getByRole('alert')).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // --- Rename a folder, and delete the now empty sub-folder.
  await page.getByRole('button', { name: 'Rename folder' }).click();
  dialog = page.getByRole('dialog', { name: 'Rename folder' });
  await dialog.getByLabel('Folder name').fill(`${siteName} renamed`);
  await dialog.getByRole('button', { name: 'Rename', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(folderItem(`${siteName} renamed`)).toBeVisible();

  await folderItem(subName).click();
  await page.getByRole('button', { name: 'Delete folder' }).click();
  dialog = page.getByRole('dialog', { name: 'Delete folder' });
  await dialog.getByRole('button', { name: 'Delete folder' }).click();
  await expect(dialog).toBeHidden();
  await expect(folderItem(subName)).toHaveCount(0);
  await expect(folderItem(`${siteName} renamed`)).toHaveAttribute('aria-selected', 'true');

  // --- Sections that are not built yet say so.
  await page.getByRole('link', { name: 'Files', exact: true }).click();
  await expect(page.getByTestId('not-built')).toContainText('not built yet');
  await screenshot(page, '08-not-built');

  // --- Log out: back at the login page, and the app is closed to the old session.
  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
  await page.goto('/devices');
  await expect(page).toHaveURL(/\/login$/);
});
