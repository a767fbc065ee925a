import { admin, expect, screenshot, test, uniqueSuffix } from './fixtures';

const COUNT = 450; // more than two pages of 200

test('device list pages through a large folder with a bounded number of rendered rows', async ({ page, api }) => {
  const suffix = uniqueSuffix();
  const folder = await api.createFolder(`E2E Bulk ${suffix}`);
  const prefix = Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0')
    .toUpperCase();
  for (let start = 0; start < COUNT; start += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, COUNT - start) }, (_, k) => {
        const i = start + k;
        const mac = `06${prefix}${i.toString(16).padStart(6, '0')}`.toUpperCase();
        return api.createDevice({ mac, name: `bulk-${suffix}-${String(i).padStart(4, '0')}`, folderId: folder.id });
      }),
    );
  }

  await page.goto('/login');
  await page.getByRole('textbox', { name: 'User name' }).fill(admin.username);
  await page.getByRole('textbox', { name: 'Password' }).fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  // Login lands on the dashboard.
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 2 })).toBeVisible();
  await page.getByRole('link', { name: 'Devices', exact: true }).click();
  await page.getByRole('tree', { name: 'Device folders' }).getByRole('treeitem', { name: folder.name, exact: true }).click();
  await expect(page.getByTestId('device-list-title')).toHaveText(folder.name);
  // The exact total of the list at once, though only the first page is loaded.
  await expect(page.getByTestId('device-count')).toContainText(`${COUNT} devices (200 loaded`);

  const table = page.getByRole('table', { name: 'Devices' });
  const lastName = `bulk-${suffix}-${String(COUNT - 1).padStart(4, '0')}`;
  // Scroll until the last device is rendered; pages load on the way.
  await expect(async () => {
    await table.evaluate((el) => el.parentElement!.scrollTo({ top: el.parentElement!.scrollHeight }));
    await expect(page.getByTestId('device-row').filter({ hasText: lastName })).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId('device-count')).toHaveText(new RegExp(`^${COUNT} devices`));
  await expect(table.getByRole('columnheader', { name: /Name/ })).toBeInViewport();
  // Virtualized: only the visible rows (plus overscan) are in the DOM.
  expect(await page.getByTestId('device-row').count()).toBeLessThan(80);
  await screenshot(page, '09-device-list-scrolled');
});
