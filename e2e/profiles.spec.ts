import type { Locator, Page } from '@playwright/test';
import { expect, randomMac, screenshot, signIn, test, uniqueSuffix } from './fixtures';

const paramRow = (page: Page, key: string) => page.locator(`[data-testid="param-row"][data-key="${key}"]`);
const effectiveRow = (scope: Locator, key: string) => scope.locator(`[data-testid="effective-row"][data-key="${key}"]`);

test('a profile built in the editor reaches a device through its folder, with provenance', async ({ page, api }) => {
  const suffix = uniqueSuffix();
  const folderName = `E2E Prof Site ${suffix}`;
  const profileName = `E2E Profile ${suffix}`;
  const folder = await api.createFolder(folderName);
  const device = await api.createDevice({ mac: randomMac(), name: `e2e-prof-${suffix}`, folderId: folder.id });

  await signIn(page);
  await page.getByRole('link', { name: 'Profiles' }).click();
  await expect(page).toHaveURL(/\/profiles$/);
  await expect(page.getByTestId('no-profile-open')).toBeVisible();

  // --- A new profile opens in the editor with nothing activated.
  await page.getByLabel('Profile tree').getByRole('button', { name: 'New profile', exact: true }).click();
  let dialog = page.getByRole('dialog', { name: 'New profile' });
  await dialog.getByLabel('Profile name').fill(profileName);
  await expect(dialog.getByRole('radio', { name: 'Priority profile' })).toBeDisabled();
  await dialog.getByRole('button', { name: 'Create profile' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('profile-name')).toHaveText(profileName);
  await expect(page.getByTestId('activated-count')).toHaveText('0 of 249 parameters activated');
  await expect(page.getByRole('tree', { name: 'Profiles' }).getByRole('treeitem', { name: profileName, exact: true })).toHaveAttribute(
    'aria-selected',
    'true',
  );

  // --- Search, activate, and a bad value: the catalogue's message, and no saving.
  await page.getByLabel('Search parameters').fill('screensaver idle');
  const timeout = paramRow(page, 'userinterface.screensaver.timeout');
  await expect(timeout).toBeVisible();
  await expect(timeout.getByTestId('param-type')).toHaveText('integer');
  await expect(timeout).toContainText('Not activated · default 5');
  await timeout.getByLabel('Activate userinterface.screensaver.timeout').check();
  const timeoutValue = timeout.getByLabel('Value of userinterface.screensaver.timeout');
  await expect(timeoutValue).toHaveValue('5');
  await timeoutValue.fill('99999');
  await expect(timeout).toContainText('expected an integer from 1 to 720 (minutes), got number 99999');
  await expect(page.getByTestId('invalid-count')).toHaveText('1 invalid value');
  await expect(page.getByRole('button', { name: 'Save…' })).toBeDisabled();
  await screenshot(page, '20-profile-editor-invalid');
  await timeoutValue.fill('25');
  await expect(timeout).not.toContainText('expected an integer');
  await expect(page.getByTestId('invalid-count')).toHaveCount(0);

  // --- An instance group: an RDP session of this profile, found in the group tree.
  await page.getByLabel('Search parameters').fill('');
  const groups = page.getByRole('tree', { name: 'Parameter groups' });
  await groups.getByRole('treeitem', { name: 'Sessions', exact: true }).click();
  await groups.getByRole('treeitem', { name: 'RDP', exact: true }).click();
  await groups.getByRole('treeitem', { name: 'RDP Sessions', exact: true }).click();
  await expect(page.getByTestId('group-title')).toHaveText('RDP Sessions');
  await expect(page.getByTestId('no-instances')).toBeVisible();
  await page.getByRole('button', { name: 'Add RDP session' }).click();
  const server = paramRow(page, 'sessions.rdp[1].server');
  await server.getByLabel('Activate sessions.rdp[1].server').check();
  await server.getByLabel('Value of sessions.rdp[1].server').fill('ts 1');
  await expect(server).toContainText('does not have the required format');
  await server.getByLabel('Value of sessions.rdp[1].server').fill('ts1.example.org');
  await expect(server).not.toContainText('required format');
  await expect(page.getByTestId('instance-card')).toContainText('1 activated');
  await expect(page.getByTestId('save-bar')).toContainText('2 unsaved changes');
  await screenshot(page, '21-profile-editor-rdp-session');

  // Leaving with unsaved changes asks first.
  await page.getByRole('link', { name: 'Devices' }).click();
  dialog = page.getByRole('dialog', { name: 'Discard unsaved changes?' });
  await dialog.getByRole('button', { name: 'Stay' }).click();
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/profiles\/\d+/);
  await expect(page.getByTestId('save-bar')).toContainText('2 unsaved changes');

  // --- Save: the preview says no device has it yet; then the server has exactly these values.
  await page.getByRole('button', { name: 'Save…' }).click();
  dialog = page.getByRole('dialog', { name: `Save "${profileName}"` });
  await expect(dialog.getByTestId('save-summary')).toHaveText('In this profile: 2 parameters activated.');
  await expect(dialog.getByTestId('preview-summary')).toHaveText('No device gets this profile, so no device changes.');
  await dialog.getByRole('button', { name: 'Save profile' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('save-bar')).toContainText('No unsaved changes');
  const [saved] = await api.profilesNamed(profileName);
  expect(saved?.settings).toEqual({ 'userinterface.screensaver.timeout': 25, 'sessions.rdp[1].server': 'ts1.example.org' });

  // --- Assign to the device folder: the preview names the change for the device in it.
  await page.getByRole('button', { name: 'Assign…' }).click();
  dialog = page.getByRole('dialog', { name: `Assign "${profileName}"` });
  await dialog.getByText('Device folders', { exact: true }).click();
  await dialog.getByLabel('Find folders').fill(suffix);
  await dialog.getByRole('checkbox', { name: folderName }).check();
  await expect(dialog.getByTestId('preview-summary')).toHaveText('1 of 1 device reached by this profile gets a new configuration.');
  await expect(dialog.getByTestId('preview-diff')).toContainText('userinterface.screensaver.timeout');
  await expect(dialog.getByTestId('preview-diff')).toContainText('25');
  await screenshot(page, '22-assign-dialog');
  await dialog.getByRole('button', { name: 'Assign to 1 target' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('tab', { name: 'Assignments' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('assignment-row')).toHaveCount(1);
  await expect(page.getByTestId('assignment-row')).toContainText(folderName);

  // --- The device: effective configuration with the profile as source, the profile as inherited.
  await page.goto(`/devices?folder=${folder.id}&device=${device.id}&tab=configuration`);
  const detail = page.getByTestId('device-detail');
  await expect(detail.getByTestId('device-detail-name')).toHaveText(device.name);
  await expect(detail.getByTestId('config-pending-badge')).toBeVisible();
  const row = effectiveRow(detail, 'userinterface.screensaver.timeout');
  await expect(row.getByTestId('effective-value')).toHaveText('25');
  await expect(row.getByTestId('effective-source')).toHaveText(`Profile ${profileName} (via folder ${folderName})`);
  await expect(detail.getByTestId('effective-row').filter({ hasText: 'ts1.example.org' })).toContainText('.server');
  await detail.getByLabel('Filter effective configuration').fill('screensaver');
  await expect(detail.getByTestId('effective-row')).toHaveCount(1);
  await expect(detail.getByTestId('effective-count')).toHaveText('1 of 2 parameters match');
  await screenshot(page, '23-device-effective-configuration');

  await detail.getByRole('tab', { name: 'Assigned objects' }).click();
  const assigned = detail.getByTestId('assigned-object');
  await expect(assigned).toHaveCount(1);
  await expect(assigned.getByTestId('assigned-object-name')).toHaveText(profileName);
  await expect(assigned.getByTestId('assigned-object-source')).toHaveText(`Inherited from folder ${folderName}`);
  await expect(page.locator(`[data-testid="device-row"][data-device-id="${device.id}"]`).getByTestId('config-pending')).toBeVisible();
  await screenshot(page, '24-device-assigned-objects');

  // --- Back to the profile through the link; removing the assignment empties the device's list.
  await assigned.getByTestId('assigned-object-name').click();
  await expect(page.getByTestId('profile-name')).toHaveText(profileName);
  await page.getByRole('tab', { name: 'Assignments' }).click();
  await page.getByRole('button', { name: `Remove assignment to ${folderName}` }).click();
  dialog = page.getByRole('dialog', { name: 'Remove assignment' });
  await expect(dialog.getByTestId('preview-summary')).toContainText('1 of 1 device');
  await dialog.getByRole('button', { name: 'Remove assignment' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('no-assignments')).toBeVisible();
});

test('profile folders, copies, import with line-numbered errors, and export', async ({ page, api }) => {
  const suffix = uniqueSuffix();
  const profile = await api.createProfile({
    name: `E2E Export ${suffix}`,
    type: 'standard',
    settings: { 'network.dns.servers': ['10.1.1.1'], 'system.time.ntp.interval': 30 },
  });
  const folderName = `E2E PFolder ${suffix}`;

  await signIn(page);
  await page.goto(`/profiles/${profile.id}`);
  await expect(page.getByTestId('profile-name')).toHaveText(profile.name);
  const tree = page.getByRole('tree', { name: 'Profiles' });

  // --- A folder; the profile moves into it; a folder with a profile cannot be deleted.
  await tree.getByRole('treeitem', { name: 'Profiles', exact: true }).click();
  await page.getByRole('button', { name: 'New profile folder', exact: true }).click();
  let dialog = page.getByRole('dialog', { name: 'New profile folder' });
  await dialog.getByLabel('Folder name').fill(folderName);
  await dialog.getByRole('button', { name: 'Create folder' }).click();
  await expect(dialog).toBeHidden();
  await expect(tree.getByRole('treeitem', { name: folderName, exact: true })).toHaveAttribute('aria-selected', 'true');

  await tree.getByRole('treeitem', { name: profile.name, exact: true }).click();
  await page.getByRole('button', { name: 'Move profile', exact: true }).click();
  dialog = page.getByRole('dialog', { name: `Move "${profile.name}"` });
  await dialog.getByLabel('Move into').click();
  await page.getByRole('option', { name: folderName }).click();
  await dialog.getByRole('button', { name: 'Move', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByText(`in ${folderName} ·`)).toBeVisible();
  await expect(
    tree
      .getByRole('treeitem', { name: folderName, exact: true })
      .locator('xpath=following-sibling::div[@role="group"]')
      .getByRole('treeitem', { name: profile.name, exact: true }),
  ).toBeVisible();

  await tree.getByRole('treeitem', { name: folderName, exact: true }).click();
  await page.getByRole('button', { name: 'Folder actions' }).click();
  await page.getByRole('menuitem', { name: 'Delete folder' }).click();
  dialog = page.getByRole('dialog', { name: 'Delete profile folder' });
  await dialog.getByRole('button', { name: 'Delete folder' }).click();
  await expect(dialog.getByRole('alert')).toBeVisible();
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // --- A copy keeps the parameters and opens.
  await tree.getByRole('treeitem', { name: profile.name, exact: true }).click();
  await page.getByRole('button', { name: 'Copy profile', exact: true }).click();
  dialog = page.getByRole('dialog', { name: `Copy "${profile.name}"` });
  await expect(dialog.getByLabel('Name of the copy')).toHaveValue(`Copy of ${profile.name}`);
  await dialog.getByRole('button', { name: 'Copy profile', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('profile-name')).toHaveText(`Copy of ${profile.name}`);
  await expect(page.getByTestId('activated-count')).toHaveText('2 of 249 parameters activated');

  // --- Priority profiles: off by default; turned on (with a confirmation), one can be created; then off again.
  const prioritySwitch = page.getByRole('switch', { name: 'Priority profiles' });
  await expect(prioritySwitch).not.toBeChecked();
  await prioritySwitch.click();
  dialog = page.getByRole('dialog', { name: 'Turn on priority profiles?' });
  await dialog.getByRole('button', { name: 'Turn on' }).click();
  await expect(dialog).toBeHidden();
  await expect(prioritySwitch).toBeChecked();
  await page.getByLabel('Profile tree').getByRole('button', { name: 'New profile', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'New profile' });
  await dialog.getByLabel('Profile name').fill(`E2E Priority ${suffix}`);
  await dialog.getByRole('radio', { name: 'Priority profile' }).check();
  await dialog.getByRole('button', { name: 'Create profile' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('profile-type')).toHaveText('Priority profile');
  await expect(page.getByText(`in ${folderName} ·`)).toBeVisible();
  await prioritySwitch.click();
  dialog = page.getByRole('dialog', { name: 'Turn off priority profiles?' });
  await dialog.getByRole('button', { name: 'Turn off' }).click();
  await expect(prioritySwitch).not.toBeChecked();

  // --- Export: the open profile is preselected; the download is the profile file.
  await tree.getByRole('treeitem', { name: profile.name, exact: true }).click();
  await expect(page.getByTestId('profile-name')).toHaveText(profile.name);
  await page.getByRole('button', { name: 'Export profile', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Export profiles' });
  const downloadPromise = page.waitForEvent('download');
  await dialog.getByRole('link', { name: 'Download profile' }).click();
  const download = await downloadPromise;
  expect(download.suggestedFilename()).toBe(`profiles-${profile.id}.oprof`);
  const stream = await download.createReadStream();
  let text = '';
  for await (const chunk of stream) text += String(chunk);
  expect(text).toContain(`name = ${profile.name}`);
  expect(text).toContain('network.dns.servers = ["10.1.1.1"]');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // --- Import: a bad file is refused with its problems by line; a good one creates a profile.
  const bad = [
    'openums-profiles 1',
    '[profile]',
    `name = E2E Broken ${suffix}`,
    'type = standard',
    'userinterface.screensaver.timeout = 99999',
    'no.such.parameter = 1',
    '',
  ].join('\n');
  await page.locator('input[type="file"]').setInputFiles({ name: 'broken.oprof', mimeType: 'text/plain', buffer: Buffer.from(bad) });
  dialog = page.getByRole('dialog', { name: 'Import refused' });
  await expect(dialog.getByTestId('import-summary')).toHaveText(
    'Nothing was imported from broken.oprof: it has 2 problems. Correct the file and import it again.',
  );
  const problems = dialog.getByTestId('import-error');
  await expect(problems).toHaveCount(2);
  await expect(problems.filter({ hasText: 'Line 5' })).toContainText(
    'userinterface.screensaver.timeoutexpected an integer from 1 to 720 (minutes), got number 99999',
  );
  await expect(problems.filter({ hasText: 'Line 6' })).toContainText('no.such.parameter');
  await screenshot(page, '25-import-errors');
  await dialog.getByRole('button', { name: 'Close' }).click();
  expect(await api.profilesNamed(`E2E Broken ${suffix}`)).toEqual([]);

  const good = text.replace(`name = ${profile.name}`, `name = E2E Imported ${suffix}`);
  await page.locator('input[type="file"]').setInputFiles({ name: 'good.oprof', mimeType: 'text/plain', buffer: Buffer.from(good) });
  await expect(page.getByTestId('profile-name')).toHaveText(`E2E Imported ${suffix}`);
  await expect(page.getByTestId('activated-count')).toHaveText('2 of 249 parameters activated');
  await screenshot(page, '26-imported-profile');

  // --- Delete the imported profile, with confirmation.
  await page.getByRole('button', { name: 'Delete profile', exact: true }).click();
  dialog = page.getByRole('dialog', { name: 'Delete profile' });
  await dialog.getByRole('button', { name: 'Delete profile', exact: true }).click();
  await expect(dialog).toBeHidden();
  await expect(page).toHaveURL(/\/profiles(\?.*)?$/);
  expect(await api.profilesNamed(`E2E Imported ${suffix}`)).toEqual([]);
});
