import { expect, randomMac, screenshot, signIn, test, uniqueSuffix } from './fixtures';

/**
 * The Views section: build criteria in nested groups with the count updating as you type, see a
 * criterion's error where it is, save the view, see its devices, download the CSV export and
 * assign a profile to the view's devices.
 */
test('views: build criteria with a live count, save, results, export csv, assign a profile', async ({ page, api }) => {
  const suffix = uniqueSuffix();
  const prefix = `vw${suffix}`;
  const folder = await api.createFolder(`E2E Views ${suffix}`);
  const a = await api.createDevice({ mac: randomMac(), name: `${prefix}-alpha`, folderId: folder.id });
  const b = await api.createDevice({ mac: randomMac(), name: `${prefix}-beta`, folderId: folder.id });
  await api.createDevice({ mac: randomMac(), name: `${prefix}-gamma` });
  const profile = await api.createProfile({
    name: `E2E View profile ${suffix}`,
    type: 'standard',
    settings: { 'system.time.ntp.interval': 30 },
  });

  await signIn(page);
  await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Views' }).click();
  await expect(page.getByTestId('no-view-open')).toBeVisible();

  // --- A view folder; the new view is made in the selected folder.
  const viewFolder = `E2E View folder ${suffix}`;
  await page.getByRole('button', { name: 'New view folder' }).click();
  const folderDialog = page.getByRole('dialog', { name: 'New view folder' });
  await folderDialog.getByLabel('Folder name').fill(viewFolder);
  await folderDialog.getByRole('button', { name: 'Create folder' }).click();
  await expect(folderDialog).toBeHidden();
  const tree = page.getByRole('tree', { name: 'Views' });
  await expect(tree.getByRole('treeitem', { name: viewFolder })).toHaveAttribute('aria-selected', 'true');
  await page.getByRole('region', { name: 'View tree' }).getByRole('button', { name: 'New view', exact: true }).click();
  await expect(page.getByTestId('view-title')).toHaveText('New view');

  // --- The first criterion: name contains the prefix → three devices, counted as we type.
  const rows = page.getByTestId('criterion-row');
  await rows.nth(0).getByRole('textbox', { name: 'Value' }).fill(prefix);
  await expect(page.getByTestId('live-count')).toHaveText('3 devices match');

  // --- A nested ANY group: name ends with -alpha OR in the folder (with subfolders) → alpha and beta.
  const root = page.getByRole('group', { name: 'Criteria' });
  await root.getByRole('button', { name: '+ Group' }).last().click();
  const group = page.getByRole('group', { name: 'Group at level 2' });
  const g1 = group.getByTestId('criterion-row').nth(0);
  await g1.getByLabel('Operator', { exact: true }).click();
  await page.getByRole('option', { name: 'ends with', exact: true }).click();
  await g1.getByRole('textbox', { name: 'Value' }).fill('-alpha');
  await expect(page.getByTestId('live-count')).toHaveText('1 device matches');
  await group.getByRole('button', { name: '+ Criterion' }).click();
  const g2 = group.getByTestId('criterion-row').nth(1);
  await g2.getByLabel('Field', { exact: true }).click();
  await page.getByRole('option', { name: 'Folder', exact: true }).click();
  await g2.getByLabel('Operator', { exact: true }).click();
  await page.getByRole('option', { name: 'in folder', exact: true }).click();
  await g2.getByLabel('Folder', { exact: true }).click();
  await page.getByRole('option', { name: folder.name }).click();
  await expect(g2.getByRole('checkbox', { name: 'include subfolders' })).toBeChecked();
  await expect(page.getByTestId('live-count')).toHaveText('2 devices match');

  // --- A regular expression that could backtrack forever is refused at its criterion.
  await g1.getByLabel('Operator', { exact: true }).click();
  await page.getByRole('option', { name: 'matches regex', exact: true }).click();
  await g1.getByRole('textbox', { name: 'Value' }).fill('(a+)+$');
  await expect(g1.getByTestId('criterion-error')).toContainText('Value');
  await expect(page.getByTestId('live-count-error')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save view…' })).toBeDisabled();
  await g1.getByRole('textbox', { name: 'Value' }).fill('-alpha$');
  await expect(g1.getByTestId('criterion-error')).toHaveCount(0);
  await expect(page.getByTestId('live-count')).toHaveText('2 devices match');

  await page.setViewportSize({ width: 1280, height: 800 });
  await screenshot(page, 'views-builder-1280');

  // --- Save: the view opens at its own address and shows in the tree.
  const viewName = `E2E Lost devices ${suffix}`;
  await page.getByRole('button', { name: 'Save view…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Save view' });
  await dialog.getByLabel('Name').fill(viewName);
  await dialog.getByLabel('Description').fill('Devices of the e2e test');
  await expect(dialog.getByLabel('Folder')).toHaveValue(viewFolder);
  await dialog.getByRole('button', { name: 'Save view' }).click();
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/views\/\d+$/);
  await expect(page.getByTestId('view-title')).toHaveText(viewName);
  await expect(tree.getByRole('treeitem', { name: viewName })).toBeVisible();
  await expect(tree.getByRole('treeitem', { name: viewName })).toHaveAttribute('aria-level', '3');

  // --- Results: the two devices, with the count and the default columns.
  const results = page.getByTestId('view-results');
  await expect(results.getByTestId('view-result-row')).toHaveCount(2);
  await expect(results).toContainText(a.name);
  await expect(results).toContainText(b.name);
  await expect(page.getByTestId('view-shown')).toHaveText('Showing 2 of 2 devices');
  await page.setViewportSize({ width: 1024, height: 768 });
  await screenshot(page, 'views-saved-1024');

  // --- Export CSV: a real download, named after the view, one line per device.
  await page.getByRole('button', { name: 'Export ▾' }).click();
  const downloadPromise = page.waitForEvent('download');
  await page.getByRole('menuitem', { name: /^CSV/ }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe(`E2E_Lost_devices_${suffix}.csv`);
  let csv = '';
  for await (const chunk of await download.createReadStream()) csv += String(chunk);
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toContain('name');
  expect(lines.slice(1).sort()).toHaveLength(2);
  expect(csv).toContain(a.name);
  expect(csv).toContain(b.name);
  expect(csv).not.toContain(`${prefix}-gamma`);

  // --- Assign a profile to the view's devices: one result per device.
  await page.getByRole('button', { name: 'Assign profiles…' }).click();
  const assign = page.getByRole('dialog', { name: `Assign profiles to "${viewName}"` });
  await assign.getByLabel('Profiles').click();
  await page.getByRole('option', { name: profile.name }).click();
  // Close the option list (other specs' profiles make it long enough to cover the button).
  await assign.getByText(/^Assigns the profiles directly/).click();
  await assign.getByRole('button', { name: 'Assign', exact: true }).click();
  const result = assign.getByTestId('assign-result');
  await expect(result).toContainText('2 assigned');
  await expect(result.getByTestId('assign-result-row')).toHaveCount(2);
  await screenshot(page, 'views-assigned-1024');
  // A second run skips both: already assigned.
  await assign.getByRole('button', { name: 'Close' }).click();
  await page.getByRole('button', { name: 'Assign profiles…' }).click();
  await assign.getByLabel('Profiles').click();
  await page.getByRole('option', { name: profile.name }).click();
  // Close the option list (other specs' profiles make it long enough to cover the button).
  await assign.getByText(/^Assigns the profiles directly/).click();
  await assign.getByRole('button', { name: 'Assign', exact: true }).click();
  await expect(assign.getByTestId('assign-result')).toContainText('2 skipped');
  await expect(assign.getByTestId('assign-result')).toContainText('already assigned');
  await assign.getByRole('button', { name: 'Close' }).click();
});
