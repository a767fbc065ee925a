import { expect, randomMac, signIn, test, uniqueSuffix } from './fixtures';
import type { Page } from '@playwright/test';

const SHOTS = process.env.E2E_SHOTS_DIR ?? 'test-results/screenshots';
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });

test.use({ viewport: { width: 1280, height: 900 } });

/** Opens Jobs from the navigation (signed in). */
async function openJobs(page: Page) {
  await page.getByRole('link', { name: 'Jobs', exact: true }).click();
  await expect(page.getByRole('heading', { name: 'Jobs', level: 2 })).toBeVisible();
}

test('job folders: nested folders are made, renamed, moved and deleted; a job is filed in one and the list follows the selected folder', async ({
  page,
  api,
}) => {
  const suffix = uniqueSuffix();
  const device = await api.createDevice({ mac: randomMac(), name: `jfdev-${suffix}` });
  await api.createJob({
    name: `loose-${suffix}`,
    command: 'refresh-sysinfo',
    targets: [{ type: 'device', id: device.id }],
    schedule: { startAt: new Date(Date.now() + 86_400_000).toISOString() },
  });
  await signIn(page);
  await openJobs(page);
  const tree = page.getByRole('tree', { name: 'Job folders' });

  // A top-level folder, then a sub-folder inside it (the selected folder is where New folder creates).
  await page.getByRole('button', { name: 'New job folder' }).click();
  let dialog = page.getByRole('dialog', { name: 'New job folder' });
  await dialog.getByRole('textbox', { name: 'Folder name' }).fill(`jf-${suffix}`);
  await dialog.getByRole('button', { name: 'Create folder' }).click();
  await expect(dialog).toBeHidden();
  await expect(tree.getByRole('treeitem', { name: `jf-${suffix}` })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByRole('heading', { name: `Jobs › jf-${suffix}`, level: 2 })).toBeVisible();
  await expect(page.getByText('No jobs in this folder.')).toBeVisible();
  await page.getByRole('button', { name: 'New job folder' }).click();
  dialog = page.getByRole('dialog', { name: 'New job folder' });
  await expect(dialog.getByRole('combobox', { name: 'Inside' })).toHaveValue(`jf-${suffix}`);
  await dialog.getByRole('textbox', { name: 'Folder name' }).fill(`sub-${suffix}`);
  await dialog.getByRole('button', { name: 'Create folder' }).click();
  await expect(dialog).toBeHidden();
  const sub = tree.getByRole('treeitem', { name: `sub-${suffix}` });
  await expect(sub).toHaveAttribute('aria-selected', 'true');
  await expect(sub).toHaveAttribute('aria-level', '3');

  // A new job made while the sub-folder is selected is filed there.
  await page.getByRole('button', { name: 'New job', exact: true }).click();
  const wizard = page.getByRole('dialog', { name: 'New job' });
  await expect(wizard.getByRole('combobox', { name: 'Job folder' })).toHaveValue(`jf-${suffix} / sub-${suffix}`);
  await wizard.getByRole('textbox', { name: 'Name' }).fill(`filed-${suffix}`);
  await wizard.getByRole('button', { name: 'Step Targets' }).click();
  await wizard.getByRole('tab', { name: 'Devices' }).click();
  await wizard.getByRole('searchbox', { name: 'Find devices' }).fill(`jfdev-${suffix}`);
  await wizard.getByRole('checkbox', { name: new RegExp(`jfdev-${suffix}`) }).check();
  await wizard.getByRole('button', { name: 'Step Summary' }).click();
  await expect(wizard.getByRole('table', { name: 'Summary' })).toContainText(`jf-${suffix} / sub-${suffix}`);
  await wizard.getByRole('button', { name: 'Create' }).click();
  await expect(wizard).toBeHidden();
  await expect(page.getByRole('heading', { name: `filed-${suffix}`, level: 2 })).toBeVisible();
  await page.getByRole('link', { name: `← Jobs in jf-${suffix} / sub-${suffix}` }).click();
  await expect(page.getByTestId(`job-filed-${suffix}`)).toBeVisible();
  await expect(page.getByTestId(`job-loose-${suffix}`)).toBeHidden();
  await shot(page, 'jobs-folder-list');

  // The loose job is filed in the top folder from its row in All jobs.
  await tree.getByRole('treeitem', { name: 'All jobs' }).click();
  const looseRow = page.getByTestId(`job-loose-${suffix}`);
  await looseRow.getByRole('button', { name: `Actions for loose-${suffix}` }).click();
  await page.getByRole('menuitem', { name: 'Move to folder…' }).click();
  dialog = page.getByRole('dialog', { name: `Move job "loose-${suffix}"` });
  await dialog.getByRole('combobox', { name: 'Folder' }).fill(`jf-${suffix}`);
  await page.getByRole('option', { name: `jf-${suffix}`, exact: true }).click();
  await dialog.getByRole('button', { name: 'Move' }).click();
  await expect(dialog).toBeHidden();
  await expect(looseRow).toContainText(`jf-${suffix}`);
  await tree.getByRole('treeitem', { name: `jf-${suffix}` }).click();
  await expect(page.getByTestId(`job-loose-${suffix}`)).toBeVisible();
  await expect(page.getByTestId(`job-filed-${suffix}`)).toBeHidden();

  // Rename the sub-folder, move it to the top level, delete it: its job stays, in no folder.
  await sub.click();
  await page.getByRole('button', { name: 'Folder actions' }).click();
  await page.getByRole('menuitem', { name: 'Rename folder' }).click();
  dialog = page.getByRole('dialog', { name: 'Rename job folder' });
  await dialog.getByRole('textbox', { name: 'Folder name' }).fill(`sub2-${suffix}`);
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await expect(dialog).toBeHidden();
  const sub2 = tree.getByRole('treeitem', { name: `sub2-${suffix}` });
  await expect(sub2).toBeVisible();
  await page.getByRole('button', { name: 'Folder actions' }).click();
  await page.getByRole('menuitem', { name: 'Move folder' }).click();
  dialog = page.getByRole('dialog', { name: `Move folder "sub2-${suffix}"` });
  await dialog.getByRole('combobox', { name: 'Move into' }).click();
  await page.getByRole('option', { name: 'Top level (no folder)' }).click();
  await dialog.getByRole('button', { name: 'Move' }).click();
  await expect(dialog).toBeHidden();
  await expect(sub2).toHaveAttribute('aria-level', '2');
  await shot(page, 'jobs-folder-tree');
  await page.getByRole('button', { name: 'Folder actions' }).click();
  await page.getByRole('menuitem', { name: 'Delete folder' }).click();
  dialog = page.getByRole('dialog', { name: 'Delete job folder' });
  await dialog.getByRole('button', { name: 'Delete folder' }).click();
  await expect(dialog).toBeHidden();
  await expect(sub2).toBeHidden();
  await expect(tree.getByRole('treeitem', { name: 'All jobs' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId(`job-filed-${suffix}`)).toBeVisible();
});

test('wizard: a server error names the field on its step; the job is pinned to a host; next runs show in the calendar and open the job', async ({
  page,
  api,
}) => {
  const suffix = uniqueSuffix();
  await api.createDevice({ mac: randomMac(), name: `caldev-${suffix}` });
  await signIn(page);
  await openJobs(page);
  await page.getByRole('button', { name: 'New job', exact: true }).click();
  const wizard = page.getByRole('dialog', { name: 'New job' });
  const next = wizard.getByRole('button', { name: 'Next' });
  await wizard.getByRole('textbox', { name: 'Name' }).fill(`cal-${suffix}`);
  await next.click();
  await wizard.getByRole('tab', { name: 'Devices' }).click();
  await wizard.getByRole('searchbox', { name: 'Find devices' }).fill(`caldev-${suffix}`);
  await wizard.getByRole('checkbox', { name: new RegExp(`caldev-${suffix}`) }).check();
  await next.click();
  // Cron with a minute the server refuses: only the server can tell.
  await wizard.getByText('Cron', { exact: true }).click();
  await wizard.getByRole('textbox', { name: 'Cron expression' }).fill('61 */6 * * *');
  await next.click();
  // Host assignment: the hosts of the server list.
  const servers = (await (await page.request.get('/api/v1/servers')).json()) as { items: { host: string }[] };
  const host = servers.items[0]!.host;
  await wizard.getByRole('combobox', { name: 'Run on server' }).click();
  await page.getByRole('option', { name: host }).click();
  await next.click();
  await expect(wizard.getByRole('table', { name: 'Summary' })).toContainText(`host ${host}`);
  await wizard.getByRole('button', { name: 'Create' }).click();
  // Refused: back on the Schedule step, the message at the cron field.
  const cron = wizard.getByRole('textbox', { name: 'Cron expression' });
  await expect(cron).toHaveAttribute('aria-invalid', 'true');
  await expect(wizard.getByRole('button', { name: 'Step Schedule' })).toHaveAttribute('aria-current', 'step');
  await shot(page, 'jobs-wizard-server-error');
  await cron.fill('0 */6 * * *');
  await wizard.getByRole('button', { name: 'Step Summary' }).click();
  await shot(page, 'jobs-wizard-summary');
  await wizard.getByRole('button', { name: 'Create' }).click();
  await expect(wizard).toBeHidden();
  await expect(page.getByRole('heading', { name: `cal-${suffix}`, level: 2 })).toBeVisible();
  await expect(page.getByRole('table', { name: 'Job' })).toContainText(`host ${host}`);

  // Next 7 days: every 6 hours, so each day after today has the job once, as one entry of 4 runs.
  await page.getByRole('link', { name: '← All jobs' }).click();
  await page.getByRole('tab', { name: 'Next 7 days' }).click();
  const calendar = page.getByRole('region', { name: 'Next runs' });
  const entries = calendar.getByRole('link', { name: new RegExp(`cal-${suffix}`) });
  await expect(entries.nth(5)).toBeVisible();
  await expect(calendar.getByRole('group')).toHaveCount(7);
  await expect(
    calendar
      .getByRole('group')
      .nth(1)
      .getByRole('link', { name: new RegExp(`cal-${suffix}`) }),
  ).toContainText('4 runs');
  await shot(page, 'jobs-calendar');
  await entries.nth(1).click();
  await expect(page.getByRole('heading', { name: `cal-${suffix}`, level: 2 })).toBeVisible();
});

test('a running run shows its progress on the run list and in the run, and is cancelled', async ({ page, api }) => {
  const suffix = uniqueSuffix();
  const device = await api.createDevice({ mac: randomMac(), name: `progdev-${suffix}` });
  // Retry at next boot: the offline device gets its command and waits for its next connection,
  // so the run stays running (one device in flight) until it expires or is cancelled.
  const job = await api.createJob({
    name: `prog-${suffix}`,
    command: 'refresh-sysinfo',
    targets: [{ type: 'device', id: device.id }],
    schedule: { startAt: new Date(Date.now() + 86_400_000).toISOString() },
    options: { retryNextBoot: true, expiryMinutes: 10 },
  });
  await signIn(page);
  await page.goto(`/jobs/${job.id}`);
  await page.getByRole('button', { name: 'Run now' }).click();
  const run = page.getByRole('region', { name: 'Run' });
  await expect(run.getByText('0 of 1 done · 1 in flight · 0 queued')).toBeVisible({ timeout: 20_000 });
  await expect(run.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '0');
  const runs = page.getByRole('table', { name: 'Runs' });
  await expect(runs.getByRole('row').nth(1).getByRole('progressbar')).toBeVisible();
  await expect(page.getByRole('table', { name: 'Device results' })).toContainText('sent');
  await shot(page, 'jobs-run-progress');

  // On the job list the last run shows its progress too.
  await page.getByRole('link', { name: '← All jobs' }).click();
  await expect(page.getByTestId(`job-prog-${suffix}`).getByRole('progressbar')).toBeVisible();
  await page.getByRole('link', { name: `prog-${suffix}` }).click();

  await run.getByRole('button', { name: 'Cancel run' }).click();
  await expect(run.getByText('cancelled', { exact: true }).first()).toBeVisible();
  await expect(run.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '1');
  await expect(run.getByRole('button', { name: 'Cancel run' })).toBeHidden();
  await expect(page.getByRole('table', { name: 'Device results' })).toContainText('cancelled');
});
