import { expect, screenshot, signIn, test } from './fixtures';

test('notification centre: the bell opens the list, and the kinds shown and mailed are kept per administrator', async ({ page }) => {
  await signIn(page);
  const bell = page.getByTestId('notification-bell');
  await expect(bell).toBeVisible();
  await bell.click();
  const centre = page.getByRole('region', { name: 'Notifications' });
  await expect(centre).toBeVisible();
  // A fresh installation has certificates valid for years and disk to spare: either nothing, or
  // conditions each with a severity and a kind.
  const items = centre.getByTestId('notification');
  if ((await items.count()) === 0) await expect(centre.getByTestId('no-notifications')).toHaveText('Nothing needs your attention.');
  await screenshot(page, '71-notifications');

  await centre.getByRole('button', { name: 'Settings' }).click();
  const dialog = page.getByRole('dialog', { name: 'Notification settings' });
  await dialog.getByRole('checkbox', { name: 'Mail: Disk space of the data directory' }).check();
  // Mail without an address is caught before saving.
  await expect(dialog).toContainText('An address is needed for the kinds chosen for mail');
  await expect(dialog.getByRole('button', { name: 'Save' })).toBeDisabled();
  await dialog.getByRole('textbox', { name: 'Mail to' }).fill('ops@example.test');
  await dialog.getByRole('checkbox', { name: 'Show: Devices that stopped reporting' }).uncheck();
  await screenshot(page, '72-notification-settings');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toBeHidden();

  // Kept on the server: after a reload the settings are as saved.
  await page.reload();
  await page.getByTestId('notification-bell').click();
  await page.getByRole('region', { name: 'Notifications' }).getByRole('button', { name: 'Settings' }).click();
  const again = page.getByRole('dialog', { name: 'Notification settings' });
  await expect(again.getByRole('textbox', { name: 'Mail to' })).toHaveValue('ops@example.test');
  await expect(again.getByRole('checkbox', { name: 'Mail: Disk space of the data directory' })).toBeChecked();
  await expect(again.getByRole('checkbox', { name: 'Show: Devices that stopped reporting' })).not.toBeChecked();
  await expect(again.getByRole('checkbox', { name: 'Show: Disk space of the data directory' })).toBeChecked();
});
