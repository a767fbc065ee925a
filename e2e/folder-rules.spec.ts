import { admin, expect, screenshot, signIn, test, uniqueSuffix } from './fixtures';

test('default folder rules: a rule is made in the tree editor, the test box says where a device lands, and "apply rules now" moves it after a preview', async ({
  page,
  api,
  request,
}) => {
  const suffix = uniqueSuffix();
  const parent = await api.createFolder(`Rules e2e ${suffix}`);
  const target = await api.createFolder(`Augsburg ${suffix}`, parent.id);
  const mac = `02E2${Date.now().toString(16).slice(-8).toUpperCase()}`;
  const device = await api.createDevice({ mac, name: `rule-${suffix}-1` });
  const login = await request.post('/api/v1/auth/login', { data: { username: admin.username, password: admin.password } });
  const headers = { Authorization: `Bearer ${(await login.json()).token}` };

  await signIn(page);
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Default folder rules', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/default-folder-rules$/);
  await expect(page.getByRole('heading', { name: 'Default folder rules', level: 2 })).toBeVisible();

  // --- A rule: name starts with rule-<suffix> → the Augsburg folder.
  await page.getByRole('button', { name: 'New rule' }).click();
  const dialog = page.getByRole('dialog', { name: 'New default folder rule' });
  await dialog.getByRole('textbox', { name: 'Name' }).first().fill(`By name ${suffix}`);
  const row = dialog.getByTestId('criterion-row').first();
  await row.getByLabel('Field', { exact: true }).click();
  await page.getByRole('option', { name: 'Name', exact: true }).click();
  await row.getByLabel('Operator', { exact: true }).click();
  await page.getByRole('option', { name: 'starts with', exact: true }).click();
  await row.getByRole('textbox', { name: 'Value' }).fill(`rule-${suffix}`);
  await dialog.getByRole('combobox', { name: 'Target folder' }).click();
  await page.getByRole('option', { name: new RegExp(`Augsburg ${suffix}`) }).click();
  await dialog.getByRole('button', { name: 'Save rule' }).click();
  await expect(dialog).toBeHidden();
  const ruleRow = page.getByRole('treeitem', { name: `By name ${suffix}` });
  await expect(ruleRow).toContainText(`Augsburg ${suffix}`);

  // --- A second rule through the API, then moved up with the arrow button: the order is the evaluation order.
  const second = await request.post('/api/v1/default-folder-rules', {
    headers,
    data: {
      name: `Catch-all ${suffix}`,
      criteria: { field: 'name', op: 'startsWith', value: `zz-${suffix}` },
      target: { mode: 'folder', folderId: parent.id },
    },
  });
  expect(second.status()).toBe(201);
  await page.reload();
  const mine = page.getByRole('treeitem').filter({ hasText: suffix });
  await expect(mine).toHaveCount(2);
  await page.getByRole('button', { name: `Move Catch-all ${suffix} up` }).click();
  await expect(mine.first()).toHaveAccessibleName(`Catch-all ${suffix}`);
  await page.getByRole('button', { name: `Move Catch-all ${suffix} down` }).click();
  await expect(mine.first()).toHaveAccessibleName(`By name ${suffix}`);
  // Dragging the second onto the first puts it before it; the arrow puts it back.
  await mine.nth(1).dragTo(mine.nth(0));
  await expect(mine.first()).toHaveAccessibleName(`Catch-all ${suffix}`);
  await page.getByRole('button', { name: `Move Catch-all ${suffix} down` }).click();
  await expect(mine.first()).toHaveAccessibleName(`By name ${suffix}`);

  // --- The test box.
  const box = page.getByTestId('rule-test-box');
  await box.getByRole('textbox', { name: 'Name' }).fill(`rule-${suffix}-9`);
  await box.getByRole('button', { name: 'Test' }).click();
  const result = box.getByTestId('rule-test-result');
  await expect(result).toContainText(`Rule By name ${suffix} decides`);
  await expect(result).toContainText(`Augsburg ${suffix}`);
  await expect(result).toContainText('moves');

  // --- Apply rules now: the devices at the top level, preview first (nothing moves), then the move.
  const panel = page.getByTestId('rule-apply');
  await panel.getByRole('checkbox', { name: 'With sub-folders' }).uncheck();
  await panel.getByRole('button', { name: 'Preview moves' }).click();
  const preview = panel.getByTestId('rule-apply-preview');
  const line = preview.getByRole('row').filter({ hasText: `rule-${suffix}-1` });
  await expect(line).toContainText(`Augsburg ${suffix}`);
  expect((await api.getDevice(device.id)).device?.folderId).toBeNull();
  await screenshot(page, 'folder-rules');
  await preview.getByRole('button', { name: /^Move \d+ devices?$/ }).click();
  await expect(page.getByText(/devices? moved/)).toBeVisible();
  await expect.poll(async () => (await api.getDevice(device.id)).device?.folderId).toBe(target.id);

  // Tidy up: the rules would place other tests' devices.
  for (const r of (
    (await (await request.get('/api/v1/default-folder-rules', { headers })).json()).items as Array<{
      id: number;
      name: string;
      parentId: number | null;
    }>
  ).filter((x) => x.parentId === null && x.name.endsWith(suffix)))
    expect((await request.delete(`/api/v1/default-folder-rules/${r.id}`, { headers })).status()).toBe(204);
});
