import type { Page } from '@playwright/test';
import { expect, screenshot, signIn, test, uniqueSuffix } from './fixtures';

const hexMac = () =>
  [
    '02',
    ...Array.from({ length: 5 }, () =>
      Math.floor(Math.random() * 256)
        .toString(16)
        .padStart(2, '0'),
    ),
  ]
    .join('')
    .toUpperCase();

async function openNaming(page: Page) {
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Naming convention', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Naming convention', level: 2 })).toBeVisible();
}

// Specs share one server: the naming convention goes back to its default even when this spec
// fails half-way (a leftover "adjust network name" would refuse other specs' longer names).
test.afterEach(async ({ api }) => {
  await api.resetNaming();
});

test('device import wizard: errors by line, a preview, then the import; the naming convention names devices without a name', async ({
  page,
  api,
}) => {
  const suffix = uniqueSuffix();
  const prefix = `E${suffix.slice(0, 3).toUpperCase()}-`;
  await signIn(page);

  // --- Naming convention: a prefix and sequential numbers; the 15-character warning shows first.
  await openNaming(page);
  const form = page.getByRole('form', { name: 'Naming convention' });
  await form.getByRole('switch', { name: 'Name new devices by a convention' }).check();
  await form.getByRole('textbox', { name: 'Prefix' }).fill('VERYLONGPREFIX');
  await form.getByRole('checkbox', { name: 'Adjust the network name when the name changes' }).check();
  await expect(form.getByTestId('naming-too-long')).toContainText('26 characters long');
  await expect(form.getByRole('button', { name: 'Save' })).toBeDisabled();
  await form.getByRole('textbox', { name: 'Prefix' }).fill(prefix);
  await form.getByText('Sequential number').click();
  await expect(form.getByTestId('naming-example')).toHaveText(`${prefix}0001`);
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Naming convention saved')).toBeVisible();
  await screenshot(page, 'naming-settings');

  // --- The import wizard, reached from the device list.
  await page.getByRole('link', { name: 'Devices', exact: true }).first().click();
  await page.getByRole('link', { name: 'Import…' }).click();
  await expect(page.getByRole('heading', { name: 'Import devices', level: 2 })).toBeVisible();
  await page.getByLabel('Format').getByText('Long', { exact: true }).click();
  const [a, b] = [hexMac(), hexMac()];
  const folder = `Import ${suffix}`;
  const contents = page.getByRole('textbox', { name: 'File contents' });
  await contents.fill(
    `/${folder}/Floor 1;${a};UD3-LX;11.10.100;named-${suffix};Augsburg;Sales;;;32.01.2024;;\n/${folder};not-a-mac;;;;;;;;;;`,
  );
  await page.getByRole('button', { name: 'Check and preview' }).click();
  const errors = page.getByTestId('import-errors');
  await expect(errors).toContainText('2 error(s)');
  await expect(errors.getByRole('row').nth(1)).toContainText('inServiceDate');
  await expect(errors.getByRole('row').nth(2)).toContainText('unitId');
  await screenshot(page, 'import-errors');

  await contents.fill(
    `/${folder}/Floor 1;${a};UD3-LX;11.10.100;named-${suffix};Augsburg;Sales;;;01.02.2024;;\n/${folder};${b};UD3-LX;;;;;;;;;`,
  );
  await page.getByRole('button', { name: 'Check and preview' }).click();
  const preview = page.getByTestId('import-preview');
  await expect(preview).toContainText(`named-${suffix}`);
  await expect(preview).toContainText(`creates /${folder}, /${folder}/Floor 1`);
  await expect(preview.getByRole('row').nth(2)).toContainText(new RegExp(`${prefix}\\d{4}`));
  await screenshot(page, 'import-preview');
  // Nothing saved by the preview.
  expect((await page.request.get(`/api/v1/devices?q=${a}`)).ok()).toBe(true);
  await page.getByRole('button', { name: /^Import 2 devices/ }).click();
  await expect(page.getByTestId('import-done')).toContainText('2 devices created');
  const created = await api.folderByName('root', folder);
  const floor = await api.folderByName(created.id, 'Floor 1');
  const devices = await api.devicesInFolder(floor.id);
  expect(devices.map((d) => [d.name, d.site, d.inServiceDate])).toEqual([[`named-${suffix}`, 'Augsburg', '2024-02-01']]);
  const unnamed = (await api.devicesInFolder(created.id))[0]!;
  expect(unnamed.name).toMatch(new RegExp(`^${prefix}\\d{4}$`));

  // --- Rename preview on the naming page: old → new names, nothing changes until applied.
  await openNaming(page);
  await page.getByRole('button', { name: 'Preview: rename all devices' }).click();
  await expect(page.getByTestId('rename-preview')).toBeVisible();
  // The preview pages through every device of the installation (other specs' too): it lists
  // old → new names; ours may be on a later page.
  await expect(page.getByTestId('rename-preview').getByRole('row').nth(1)).toBeVisible();
  await screenshot(page, 'rename-preview');
  expect((await api.getDevice(devices[0]!.id)).device!.name).toBe(`named-${suffix}`);

  // Back to the default for the other specs.
  await form.getByRole('switch', { name: 'Name new devices by a convention' }).uncheck();
  await form.getByRole('checkbox', { name: 'Adjust the network name when the name changes' }).uncheck();
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Naming convention saved').last()).toBeVisible();
});
