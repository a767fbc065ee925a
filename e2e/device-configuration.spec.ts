import type { Locator, Page } from '@playwright/test';
import { expect, randomMac, screenshot, signIn, test, uniqueSuffix } from './fixtures';

const paramRow = (page: Page, key: string) => page.locator(`[data-testid="param-row"][data-key="${key}"]`);
const effectiveRow = (scope: Locator, key: string) => scope.locator(`[data-testid="effective-row"][data-key="${key}"]`);

test("a value set in the device's own configuration takes effect until a profile overrides it", async ({ page, api }) => {
  const suffix = uniqueSuffix();
  const folderName = `E2E Own Site ${suffix}`;
  const profileName = `E2E Own Override ${suffix}`;
  const folder = await api.createFolder(folderName);
  const device = await api.createDevice({ mac: randomMac(), name: `e2e-own-${suffix}`, folderId: folder.id });

  await signIn(page);
  await page.goto(`/devices?folder=${folder.id}&device=${device.id}`);
  const detail = page.getByTestId('device-detail');
  await expect(detail.getByTestId('device-detail-name')).toHaveText(device.name);
  await detail.getByRole('tab', { name: 'Device configuration' }).click();
  await expect(page).toHaveURL(/tab=own/);
  await expect(detail.getByTestId('delivery-state')).toHaveText('No configuration has been sent to this device yet.');
  await expect(detail.getByTestId('activated-count')).toHaveText('0 of 249 parameters activated');

  // --- Set a value for this device alone.
  await detail.getByLabel('Search parameters').fill('screensaver idle');
  const timeout = paramRow(page, 'userinterface.screensaver.timeout');
  await expect(timeout).toContainText('Not activated · default 5');
  await timeout.getByRole('button', { name: 'Set userinterface.screensaver.timeout' }).click();
  await timeout.getByLabel('Value of userinterface.screensaver.timeout').fill('15');
  await expect(detail.getByTestId('save-bar')).toContainText('1 unsaved change');

  // Another tab with unsaved changes asks first.
  await detail.getByRole('tab', { name: 'Effective configuration' }).click();
  let dialog = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  await dialog.getByRole('button', { name: 'Stay' }).click();
  await expect(dialog).toBeHidden();
  await expect(detail.getByRole('tab', { name: 'Device configuration' })).toHaveAttribute('aria-selected', 'true');

  // --- Save now: the device is offline and gets it when it connects.
  await detail.getByRole('button', { name: 'Save…' }).click();
  dialog = page.getByRole('dialog', { name: `Save the device configuration of "${device.name}"` });
  await expect(dialog.getByTestId('save-summary')).toHaveText('In the device’s own configuration: 1 parameter activated.');
  await expect(dialog).toContainText('The device is offline: it gets the change when it next connects.');
  await dialog.getByRole('button', { name: 'Save device configuration' }).click();
  await expect(dialog).toBeHidden();
  await expect(detail.getByTestId('save-bar')).toContainText('No unsaved changes');
  await expect(detail.getByTestId('delivery-state')).toContainText('Settings pending');
  await expect(detail.getByTestId('config-pending-badge')).toBeVisible();
  expect((await api.deviceSettings(device.id)).settings).toEqual({ 'userinterface.screensaver.timeout': 15 });

  // --- It takes effect, with the device as its source.
  await detail.getByRole('tab', { name: 'Effective configuration' }).click();
  let row = effectiveRow(detail, 'userinterface.screensaver.timeout');
  await expect(row.getByTestId('effective-value')).toHaveText('15');
  await expect(row.getByTestId('effective-source')).toHaveText("Device's own configuration");

  // --- A profile on the device's folder sets the same parameter: the device's value is overridden.
  const profile = await api.createProfile({
    name: profileName,
    type: 'standard',
    settings: { 'userinterface.screensaver.timeout': 25, 'system.time.ntp.interval': 30 },
  });
  await api.assignProfile(profile.id, [{ type: 'folder', id: folder.id }]);
  await page.goto(`/devices?folder=${folder.id}&device=${device.id}&tab=own`);
  await expect(detail.getByTestId('overridden-count')).toHaveText('1 activated value is overridden by a profile');
  await detail.getByLabel('Search parameters').fill('screensaver idle');
  await expect(timeout).toHaveAttribute('data-overridden', 'true');
  await expect(timeout.getByTestId('param-note')).toHaveText(
    `Overridden by Profile ${profileName} (via folder ${folderName}), which sets 25: this value does not take effect. Open profile`,
  );
  await expect(timeout.getByLabel('Value of userinterface.screensaver.timeout')).toHaveValue('15');
  // A parameter the device leaves alone says which profile sets it.
  await detail.getByLabel('Search parameters').fill('system.time.ntp.interval');
  await expect(paramRow(page, 'system.time.ntp.interval').getByTestId('param-note')).toHaveText(
    `Profile ${profileName} (via folder ${folderName}) sets 30 on this device. Open profile`,
  );
  await detail.getByLabel('Search parameters').fill('');
  await expect(detail.getByTestId('group-title')).toBeVisible();
  await screenshot(page, '27-device-own-configuration');

  await detail.getByRole('tab', { name: 'Effective configuration' }).click();
  row = effectiveRow(detail, 'userinterface.screensaver.timeout');
  await expect(row.getByTestId('effective-value')).toHaveText('25');
  await expect(row.getByTestId('effective-source')).toHaveText(`Profile ${profileName} (via folder ${folderName})`);
  await row.getByRole('button', { name: /Overrides 1 value/ }).click();
  await expect(row.getByTestId('overridden')).toContainText("15 from Device's own configuration");

  // --- The note links to the profile.
  await detail.getByRole('tab', { name: 'Device configuration' }).click();
  await detail.getByLabel('Search parameters').fill('screensaver idle');
  await timeout.getByRole('link', { name: 'Open profile' }).click();
  await expect(page.getByTestId('profile-name')).toHaveText(profileName);
});
