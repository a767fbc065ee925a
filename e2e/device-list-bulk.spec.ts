import type { Page } from '@playwright/test';
import { admin, expect, screenshot, test, uniqueSuffix } from './fixtures';

async function signInAt(page: Page) {
  await page.goto('/login');
  await page.getByRole('textbox', { name: 'User name' }).fill(admin.username);
  await page.getByRole('textbox', { name: 'Password' }).fill(admin.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Dashboard', level: 2 })).toBeVisible();
}

test('device list for real sites: multi-select and bulk move, columns kept per administrator, device page', async ({
  page,
  api,
  browser,
}) => {
  // Two browsers, two viewport widths and seven tabs each: longer than the default minute.
  test.setTimeout(180_000);
  const suffix = uniqueSuffix();
  const parent = await api.createFolder(`E2E Region ${suffix}`);
  const sub = await api.createFolder(`E2E Branch ${suffix}`, parent.id);
  const dest = await api.createFolder(`E2E Target ${suffix}`, parent.id);
  const prefix = Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0')
    .toUpperCase();
  const devices = [];
  for (let i = 0; i < 6; i++) {
    devices.push(
      await api.createDevice({ mac: `0A${prefix}0000${i.toString(16).padStart(2, '0')}`, name: `mb-${suffix}-${i}`, folderId: sub.id }),
    );
  }

  await signInAt(page);
  await page.getByRole('link', { name: 'Devices', exact: true }).click();
  const tree = page.getByRole('tree', { name: 'Device folders' });
  const folderItem = (name: string) => tree.getByRole('treeitem', { name, exact: true });

  // --- A parent holding no device itself shows its own and its total count.
  await folderItem(parent.name).click();
  await expect(folderItem(parent.name).getByTestId('folder-count')).toHaveText('0');
  await expect(folderItem(parent.name).getByTestId('folder-total')).toHaveText('6');
  await expect(folderItem(sub.name).getByTestId('folder-count')).toHaveText('6');
  await expect(folderItem(sub.name).getByTestId('folder-total')).toHaveCount(0);

  // --- Multi-select: click, shift-click a range, ctrl-click to add and to remove.
  await folderItem(sub.name).click();
  await expect(page.getByTestId('device-list-title')).toHaveText(`${parent.name} / ${sub.name}`);
  await expect(page.getByTestId('device-count')).toHaveText(/^6 devices/);
  const row = (i: number) => page.getByTestId('device-row').filter({ hasText: `mb-${suffix}-${i}` });
  await row(0).click();
  await expect(page.getByTestId('device-detail')).toBeVisible();
  await expect(page.getByTestId('selection-count')).toHaveText('1 selected');
  await row(2).click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('selection-count')).toHaveText('3 selected');
  await row(4).click({ modifiers: ['ControlOrMeta'] });
  await row(1).click({ modifiers: ['ControlOrMeta'] });
  await expect(page.getByTestId('selection-count')).toHaveText('3 selected');
  for (const i of [0, 2, 4]) await expect(row(i)).toHaveAttribute('data-picked', 'true');
  for (const i of [1, 3, 5]) await expect(row(i)).not.toHaveAttribute('data-picked', 'true');
  await screenshot(page, '40-device-multi-select');

  // --- Bulk move of the hand-picked three.
  await page.getByTestId('bulk-actions').getByRole('button', { name: 'Move…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Move 3 devices' });
  await dialog.getByLabel('Target folder').click();
  await dialog.getByLabel('Target folder').fill(dest.name);
  await page.getByRole('option', { name: `${parent.name} / ${dest.name}` }).click();
  await dialog.getByRole('button', { name: 'Move', exact: true }).click();
  await expect(dialog.getByTestId('bulk-result')).toContainText('3 moved');
  await screenshot(page, '41-device-bulk-moved');
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('device-count')).toHaveText(/^3 devices/);
  const moved = (await api.devicesInFolder(dest.id)).map((d) => d.name).sort();
  expect(moved).toEqual([0, 2, 4].map((i) => `mb-${suffix}-${i}`));
  await expect(folderItem(parent.name).getByTestId('folder-total')).toHaveText('6');
  await expect(folderItem(dest.name).getByTestId('folder-count')).toHaveText('3');

  // --- Substring search beside the prefix search.
  await page.getByLabel('Search devices').fill(`${suffix}-5`);
  await expect(page.getByText(/No device name, MAC, IP, unit id or serial starts with/)).toBeVisible();
  await page.getByText('Contains', { exact: true }).click();
  await expect(page.getByTestId('device-row')).toHaveCount(1);
  await expect(row(5)).toBeVisible();
  await page.getByLabel('Search devices').fill('');
  await page.getByText('Starts with', { exact: true }).click();

  // --- Column chooser: kept on the server for this administrator (another browser gets it too).
  const table = page.getByRole('table', { name: 'Devices' });
  await page.getByRole('button', { name: 'Choose columns' }).click();
  const chooser = page.getByRole('dialog', { name: 'Columns' });
  // The boxes show the stored choice, which re-renders a moment after the click (React Query
  // notifies on the next tick): click, then wait for the state, instead of check()'s instant test.
  for (const [label, on] of [
    ['Folder', true],
    ['Site', true],
    ['Product', false],
  ] as const) {
    const box = chooser.getByLabel(label, { exact: true });
    // A click can land while the stored choice is being refetched and be overtaken by it: click
    // again until the box holds (the table's columns and another browser check it is kept).
    await expect(async () => {
      if ((await box.isChecked()) !== on) await box.click();
      await expect(box).toBeChecked({ checked: on, timeout: 2_000 });
    }).toPass({ timeout: 15_000 });
  }
  await page.keyboard.press('Escape');
  await expect(table.getByRole('columnheader', { name: 'Folder' })).toBeVisible();
  await expect(table.getByRole('columnheader', { name: 'Product' })).toHaveCount(0);
  await expect(
    row(1)
      .getByRole('cell')
      .filter({ hasText: `${parent.name} / ${sub.name}` }),
  ).toBeVisible();
  await page.reload();
  await expect(table.getByRole('columnheader', { name: 'Folder' })).toBeVisible();
  await expect(table.getByRole('columnheader', { name: 'Site' })).toBeVisible();
  await expect(table.getByRole('columnheader', { name: 'Product' })).toHaveCount(0);
  const other = await browser.newContext({ baseURL: new URL(page.url()).origin, ignoreHTTPSErrors: true });
  try {
    const second = await other.newPage();
    await signInAt(second);
    await second.goto('/devices');
    await expect(second.getByRole('table', { name: 'Devices' }).getByRole('columnheader', { name: 'Folder' })).toBeVisible();
    await expect(second.getByRole('table', { name: 'Devices' }).getByRole('columnheader', { name: 'Product' })).toHaveCount(0);
  } finally {
    await other.close();
  }

  // --- The side panel keeps its width on every tab, and nothing is cut off at 1024 and 1280 px.
  for (const width of [1024, 1280]) {
    await page.setViewportSize({ width, height: 800 });
    await page.goto(`/devices?folder=${sub.id}&device=${devices[1]!.id}`);
    const detail = page.getByTestId('device-detail');
    await expect(detail.getByTestId('device-detail-name')).toHaveText(`mb-${suffix}-1`);
    const widths = new Set<number>();
    for (const tab of [
      'Details',
      'System',
      'Attributes',
      'Commands',
      'Assigned objects',
      'Device configuration',
      'Effective configuration',
    ]) {
      await detail.getByRole('tab', { name: tab }).click();
      await expect(detail.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true');
      widths.add(Math.round((await detail.boundingBox())!.width));
      // Nothing wider than the panel (no horizontal scrolling, no cut tab labels).
      expect(await detail.evaluate((el) => el.scrollWidth - el.clientWidth), `${tab} at ${width}px`).toBeLessThanOrEqual(1);
      const cut = await detail.getByRole('tab').evaluateAll((tabs) => tabs.filter((t) => t.scrollWidth > t.clientWidth + 1).length);
      expect(cut, `tab labels cut at ${width}px`).toBe(0);
      if (tab === 'Details' || tab === 'Device configuration')
        await screenshot(page, `42-device-panel-${width}-${tab.replace(/ /g, '-').toLowerCase()}`);
    }
    expect([...widths], `panel width at ${width}px`).toHaveLength(1);
  }
  await page.setViewportSize({ width: 1440, height: 900 });

  // --- The device page: deep-linkable, every tab on the full width.
  const systemTab = page.getByTestId('device-detail').getByRole('tab', { name: 'System' });
  await systemTab.click();
  await expect(systemTab).toHaveAttribute('aria-selected', 'true');
  await page.getByTestId('open-device-page').click();
  await expect(page).toHaveURL(new RegExp(`/devices/${devices[1]!.id}\\?tab=system$`));
  const devicePage = page.getByTestId('device-page');
  await expect(devicePage.getByTestId('device-detail-name')).toHaveText(`mb-${suffix}-1`);
  await expect(devicePage.getByRole('tab', { name: 'System' })).toHaveAttribute('aria-selected', 'true');
  await devicePage.getByRole('tab', { name: 'Assigned objects' }).click();
  await expect(page).toHaveURL(/tab=assigned$/);
  await page.reload();
  await expect(devicePage.getByRole('tab', { name: 'Assigned objects' })).toHaveAttribute('aria-selected', 'true');
  // A record no agent has enrolled for, offline: only wake-up (wake-on-LAN to its MAC) is offered.
  await devicePage.getByRole('button', { name: 'Device commands' }).click();
  await expect(page.getByRole('menu').getByRole('menuitem')).toHaveText(['Wake up']);
  await page.keyboard.press('Escape');
  await screenshot(page, '43-device-page');
  await page.goto(`/devices/${devices[1]!.id}`);
  await expect(devicePage.getByTestId('device-field-folder')).toContainText(`${parent.name} / ${sub.name}`);
  await devicePage.getByRole('button', { name: '← Device list' }).click();
  await expect(page).toHaveURL(new RegExp(`/devices\\?device=${devices[1]!.id}`));
  await expect(page.getByTestId('device-detail')).toBeVisible();
  // A device page for a device that does not exist says so.
  await page.goto('/devices/999999999');
  await expect(page.getByText('Device not found')).toBeVisible();
});

test('select all matching acts on the whole query, not only the loaded rows', async ({ page, api }) => {
  test.setTimeout(120_000);
  const suffix = uniqueSuffix();
  const folder = await api.createFolder(`E2E All ${suffix}`);
  const COUNT = 230; // more than the first page of 200
  const prefix = Math.floor(Math.random() * 0xffff)
    .toString(16)
    .padStart(4, '0')
    .toUpperCase();
  for (let start = 0; start < COUNT; start += 25) {
    await Promise.all(
      Array.from({ length: Math.min(25, COUNT - start) }, (_, k) => {
        const i = start + k;
        return api.createDevice({
          mac: `0E${prefix}${i.toString(16).padStart(6, '0')}`,
          name: `all-${suffix}-${String(i).padStart(3, '0')}`,
          folderId: folder.id,
        });
      }),
    );
  }
  await signInAt(page);
  await page.goto(`/devices?folder=${folder.id}`);
  await expect(page.getByTestId('device-count')).toHaveText(`${COUNT} devices (200 loaded; scroll for more)`);
  await page.getByRole('checkbox', { name: 'Select all loaded devices' }).check();
  await expect(page.getByTestId('selection-count')).toHaveText('200 selected');
  await page.getByRole('button', { name: `Select all ${COUNT} matching` }).click();
  await expect(page.getByTestId('selection-count')).toHaveText(`All ${COUNT} matching selected`);
  await screenshot(page, '44-device-select-all-matching');
  await page.getByTestId('bulk-actions').getByRole('button', { name: 'Delete…' }).click();
  const dialog = page.getByRole('dialog', { name: `Delete ${COUNT} devices` });
  await expect(dialog).toContainText('Acts on every device the list’s query matches');
  await dialog.getByLabel('I understand').check();
  await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(dialog.getByTestId('bulk-result')).toContainText(`${COUNT} deleted`);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(page.getByText('No devices here.')).toBeVisible();
  expect(await api.devicesInFolder(folder.id)).toEqual([]);
});
