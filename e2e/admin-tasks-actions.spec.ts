import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIRequestContext, Page } from '@playwright/test';
import { admin, expect, randomMac, signIn, test, uniqueSuffix } from './fixtures';

const SHOTS = process.env.E2E_SHOTS_DIR ?? 'test-results/screenshots';
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

test.use({ viewport: { width: 1280, height: 900 } });

/** A saved view through the API (the fixture's client has no view calls). */
async function createView(request: APIRequestContext, name: string, deviceName: string): Promise<number> {
  const login = await request.post('/api/v1/auth/login', { data: { username: admin.username, password: admin.password } });
  const { token } = (await login.json()) as { token: string };
  const res = await request.post('/api/v1/views', {
    data: { name, criteria: { field: 'name', op: 'eq', value: deviceName } },
    headers: { Authorization: `Bearer ${token}` },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

async function newTask(page: Page, name: string, type: RegExp) {
  await page.getByRole('button', { name: 'New task' }).click();
  const dialog = page.getByRole('dialog', { name: 'New administrative task' });
  await dialog.getByRole('textbox', { name: 'Name' }).fill(name);
  await dialog.getByRole('combobox', { name: 'Type' }).click();
  await page.getByRole('option', { name: type }).click();
  return dialog;
}

test("administrative tasks on a view: assign profiles to its devices and export it to a directory; the list shows each task's last result", async ({
  page,
  api,
  request,
}) => {
  // Two tasks made, run and deleted through the web app: over a minute on a loaded machine.
  test.setTimeout(120_000);
  const suffix = uniqueSuffix();
  const deviceName = `taskdev-${suffix}`;
  await api.createDevice({ mac: randomMac(), name: deviceName });
  const viewName = `taskview-${suffix}`;
  await createView(request, viewName, deviceName);
  const profile = await api.createProfile({ name: `taskprofile-${suffix}`, type: 'standard' });
  const out = mkdtempSync(join(tmpdir(), 'openums-e2e-export-'));
  try {
    await signIn(page);
    await page.goto('/admin/admin-tasks');
    await expect(page.getByRole('heading', { name: 'Administrative tasks', level: 2 })).toBeVisible();

    // The type list offers the two view tasks.
    await page.getByRole('button', { name: 'New task' }).click();
    let dialog = page.getByRole('dialog', { name: 'New administrative task' });
    await dialog.getByRole('combobox', { name: 'Type' }).click();
    await expect(page.getByRole('option', { name: "Assign profiles to a view's devices" })).toBeVisible();
    await expect(page.getByRole('option', { name: 'Export a view (mail or file)' })).toBeVisible();
    await shot(page, 'tasks-view-types');
    await page.getByRole('option', { name: 'Back up the database' }).click();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();

    // Assign profiles to the view's devices, then run it now.
    dialog = await newTask(page, `assign-${suffix}`, /Assign profiles/);
    await dialog.getByRole('combobox', { name: /^View/ }).click();
    await page.getByRole('option', { name: viewName }).click();
    await dialog.getByLabel('Profiles').click();
    await page.getByRole('option', { name: profile.name }).click();
    // Close the option list (other specs' profiles make it long enough to cover the buttons).
    await dialog.getByText(/^Assigned directly to each device/).click();
    await shot(page, 'tasks-assign-dialog');
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(dialog).toBeHidden();
    const assignRow = page.getByTestId(`task-assign-${suffix}`);
    await expect(assignRow).toContainText("Assign profiles to a view's devices");
    await assignRow.getByRole('button', { name: 'Run now' }).click();
    await expect(assignRow.getByTestId('last-result')).toContainText('1 assigned, 0 skipped, 0 refused', { timeout: 20_000 });

    // Export to a directory: a bad one is shown at the field, then a writable one.
    dialog = await newTask(page, `export-${suffix}`, /Export a view/);
    await dialog.getByRole('combobox', { name: /^View/ }).click();
    await page.getByRole('option', { name: viewName }).click();
    await dialog.getByText('To a directory').click();
    const directory = dialog.getByRole('textbox', { name: 'Export directory' });
    await directory.fill(`/nonexistent-${suffix}/exports`);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(directory).toHaveAttribute('aria-invalid', 'true');
    await expect(dialog.getByText(/is not a writable directory/)).toBeVisible();
    await shot(page, 'tasks-export-directory-error');
    await directory.fill(out);
    await dialog.getByRole('button', { name: 'Create' }).click();
    await expect(dialog).toBeHidden();
    const exportRow = page.getByTestId(`task-export-${suffix}`);
    await exportRow.getByRole('button', { name: 'Run now' }).click();
    await expect(exportRow.getByTestId('last-result')).toContainText(`exported 1 device(s) of view "${viewName}"`, { timeout: 20_000 });
    const files = readdirSync(out);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^taskview-${suffix}_.*_task\\d+\\.csv$`));
    await shot(page, 'tasks-view-results');

    for (const row of [assignRow, exportRow]) {
      await row.getByRole('button', { name: 'Delete' }).click();
      await page.getByRole('dialog', { name: 'Delete task' }).getByRole('button', { name: 'Delete' }).click();
      await expect(row).toBeHidden();
    }
  } finally {
    if (existsSync(out)) rmSync(out, { recursive: true, force: true });
  }
});

test('logging: "Download support information" saves the archive', async ({ page }) => {
  await signIn(page);
  await page.goto('/admin/logging');
  const downloaded = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download support information' }).click();
  const download = await downloaded;
  expect(download.suggestedFilename()).toMatch(/^openums-support-[\d-]+\.tar\.gz$/);
  const path = await download.path();
  expect(path).toBeTruthy();
  await expect(page.getByText(/Saved openums-support-/)).toBeVisible();
  await shot(page, 'logging-support-info');
});
