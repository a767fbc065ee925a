import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator } from '@playwright/test';
import { AgentProcess } from './agent-process';
import { admin, expect, screenshot, test, uniqueSuffix } from './fixtures';

test('a device enrolled by a real agent with a key from the UI appears live and reboots on command', async ({ page, api }) => {
  test.setTimeout(150_000);
  const suffix = uniqueSuffix();
  const folder = await api.createFolder(`E2E Agents ${suffix}`);
  const stateDir = mkdtempSync(join(tmpdir(), 'openums-e2e-agent-'));
  const agents: AgentProcess[] = [];

  try {
    // --- Log in; the header shows that live updates are connected.
    await page.goto('/login');
    await page.getByRole('textbox', { name: 'User name' }).fill(admin.username);
    await page.getByRole('textbox', { name: 'Password' }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 2 })).toBeVisible();
    await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');

    // --- Administration › Enrollment keys.
    await page.getByRole('link', { name: 'Administration' }).click();
    await expect(page).toHaveURL(/\/admin\/enrollment-keys$/);
    await expect(page.getByRole('heading', { name: 'Enrollment keys' })).toBeVisible();
    await expect(page.getByTestId('enroll-instructions')).toContainText('openums-agent enroll');
    await expect(page.getByTestId('auto-registration')).toContainText('Off');
    await screenshot(page, '10-enrollment-keys');
    let dialog: Locator;

    // --- Automatic registration: turning it on asks first and then warns while it is on.
    const auto = page.getByTestId('auto-registration');
    await auto.getByLabel('Let devices register without an enrollment key').click();
    dialog = page.getByRole('dialog', { name: 'Turn on automatic registration?' });
    await dialog.getByRole('button', { name: 'Turn on' }).click();
    await expect(auto.getByTestId('auto-registration-warning')).toBeVisible();
    await screenshot(page, '10b-auto-registration-on');
    await auto.getByLabel('Let devices register without an enrollment key').click();
    await expect(auto.getByTestId('auto-registration-warning')).toBeHidden();
    await expect(auto).toContainText('Off');

    // --- A mass key that puts devices into the new folder; the secret is shown once.
    await page.getByRole('button', { name: 'New key' }).click();
    dialog = page.getByRole('dialog', { name: 'New enrollment key' });
    await dialog.getByText('Mass key', { exact: true }).click();
    await dialog.getByLabel('Maximum enrollments').fill('5');
    await dialog.getByLabel('Put enrolled devices in').click();
    await dialog.getByLabel('Put enrolled devices in').fill(folder.name);
    await page.getByRole('option', { name: folder.name }).click();
    await dialog.getByLabel('Comment').fill(`e2e agent ${suffix}`);
    await screenshot(page, '11-new-key-dialog');
    await dialog.getByRole('button', { name: 'Create key' }).click();

    dialog = page.getByRole('dialog', { name: 'Mass enrollment key created' });
    await expect(dialog.getByTestId('secret-warning')).toContainText('shown only this once');
    const secret = (await dialog.getByTestId('enrollment-secret').innerText()).trim();
    expect(secret.length).toBeGreaterThan(16);
    await expect(dialog.getByTestId('enroll-command')).toContainText(`OPENUMS_ENROLLMENT_KEY=${secret} openums-agent enroll`);
    await screenshot(page, '12-key-created');
    await dialog.getByRole('button', { name: 'I have saved the key' }).click();
    await expect(dialog).toBeHidden();
    const keyRow = page.getByTestId('key-row').filter({ hasText: `e2e agent ${suffix}` });
    await expect(keyRow).toHaveCount(1);
    await expect(keyRow.getByTestId('key-status')).toHaveText('Usable');
    await expect(keyRow).toContainText('0 / 5');
    const prefix = (await keyRow.getByTestId('key-prefix').innerText()).replace(/…+$/, '').trim();
    expect(prefix.length).toBeGreaterThan(3);
    expect(secret.startsWith(prefix), `key ${secret} starts with the listed prefix ${prefix}`).toBe(true);
    await screenshot(page, '13-enrollment-key-list');

    // --- One-time keys: a batch shows every secret once; a key can be disabled and deleted.
    await page.getByRole('button', { name: 'New key' }).click();
    dialog = page.getByRole('dialog', { name: 'New enrollment key' });
    await dialog.getByLabel('Number of keys').fill('3');
    await dialog.getByLabel('Comment').fill(`e2e batch ${suffix}`);
    await dialog.getByRole('button', { name: 'Create keys' }).click();
    dialog = page.getByRole('dialog', { name: '3 enrollment keys created' });
    await expect(dialog.getByTestId('enrollment-secret')).toHaveCount(3);
    await expect(dialog.getByRole('button', { name: 'Download as CSV' })).toBeVisible();
    await screenshot(page, '12b-one-time-keys-created');
    await dialog.getByRole('button', { name: 'I have saved the keys' }).click();
    const batchRows = page.getByTestId('key-row').filter({ hasText: `e2e batch ${suffix}` });
    await expect(batchRows).toHaveCount(3);
    const first = batchRows.first();
    await first.getByRole('button', { name: /^Disable key/ }).click();
    await expect(first.getByTestId('key-status')).toHaveText('Disabled');
    await first.getByRole('button', { name: /^Delete key/ }).click();
    dialog = page.getByRole('dialog', { name: 'Delete enrollment key' });
    await dialog.getByRole('button', { name: 'Delete key' }).click();
    await expect(dialog).toBeHidden();
    await expect(batchRows).toHaveCount(2);

    const { webCaFingerprint } = await api.serverInfo();
    expect(webCaFingerprint).toMatch(/^sha256:/);
    await expect(page.getByTestId('ca-fingerprint')).toHaveText(webCaFingerprint!);

    // --- Watch the (empty) folder, then enroll a real agent: the device shows up without a reload.
    await page.getByRole('link', { name: 'Devices' }).click();
    const tree = page.getByRole('tree', { name: 'Device folders' });
    await tree.getByRole('treeitem', { name: folder.name, exact: true }).click();
    await expect(page.getByTestId('device-list-title')).toHaveText(folder.name);
    await expect(page.getByTestId('device-row')).toHaveCount(0);

    const enroll = AgentProcess.enroll('enroll', { key: secret, caFingerprint: webCaFingerprint!, stateDir });
    agents.push(enroll);
    expect(await enroll.exited(60_000), `agent enroll failed; log ${enroll.logFile}:\n${enroll.log}`).toBe(0);

    const [device] = await api.devicesInFolder(folder.id);
    expect(device, "the enrolled device is in the key's folder").toBeDefined();
    const row = page.locator(`[data-testid="device-row"][data-device-id="${device!.id}"]`);
    await expect(row).toBeVisible({ timeout: 15_000 });
    await expect(tree.getByRole('treeitem', { name: folder.name, exact: true }).getByTestId('folder-count')).toHaveText('1');

    // The device's structure tag, set locally: the agent reports it with its system information.
    const tag = AgentProcess.start('settings', [
      'settings',
      'set',
      'system.remotemanager.structure_tag',
      `"e2e/${suffix}"`,
      '--state-dir',
      stateDir,
    ]);
    agents.push(tag);
    expect(await tag.exited(30_000), `agent settings set failed:\n${tag.log}`).toBe(0);

    const run = AgentProcess.start('run', ['run', '--state-dir', stateDir, '--platform', 'recording']);
    agents.push(run);
    await expect(row, `agent run log ${run.logFile}`).toContainText('Online', { timeout: 30_000 });
    await screenshot(page, '14-enrolled-device-online');

    // --- The detail panel: online, system information from the agent.
    await row.click();
    const detail = page.getByTestId('device-detail');
    await expect(detail.getByTestId('device-online-badge')).toHaveText('Online');
    await expect(detail.getByTestId('device-field-structureTag')).toContainText(`e2e/${suffix}`);
    await screenshot(page, '14b-device-structure-tag');
    await detail.getByRole('tab', { name: 'System' }).click();
    await expect(detail.getByTestId('system-field-hostname')).toBeVisible();
    await expect(detail.getByTestId('system-field-memory')).toContainText('used of');
    await screenshot(page, '15-device-system-info');

    // --- Reboot from the command menu; the result view follows the command to "succeeded".
    await detail.getByRole('button', { name: 'Device commands' }).click();
    await page.getByRole('menuitem', { name: 'Reboot' }).click();
    dialog = page.getByRole('dialog', { name: 'Reboot: confirm' });
    await expect(dialog).toContainText(device!.name);
    await screenshot(page, '16-reboot-confirm');
    await dialog.getByRole('button', { name: 'Reboot' }).click();
    const result = page.getByTestId('command-result');
    await expect(result.getByTestId('command-state').first()).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
    await expect(result).toContainText('Succeeded');
    await screenshot(page, '17-reboot-succeeded');
    await page
      .getByRole('dialog', { name: /^Reboot: / })
      .getByRole('button', { name: 'Close' })
      .click();

    // The history lists it; the server agrees.
    await detail.getByRole('tab', { name: 'Commands' }).click();
    const historyRow = detail.getByTestId('command-history-row').filter({ hasText: 'Reboot' });
    await expect(historyRow.first().getByTestId('command-state')).toHaveAttribute('data-state', 'succeeded');
    expect((await api.deviceCommands(device!.id)).find((c) => c.command === 'reboot')?.state).toBe('succeeded');
    await screenshot(page, '18-command-history');

    // --- A folder command: counts by state.
    await page.getByRole('button', { name: 'Folder commands' }).click();
    await page.getByRole('menuitem', { name: 'Refresh system information' }).click();
    dialog = page.getByRole('dialog', { name: 'Refresh system information: confirm' });
    await expect(dialog.getByTestId('command-target-count')).toHaveText('Reaches 1 device.');
    await dialog.getByRole('button', { name: 'Send to 1 device' }).click();
    await expect(page.getByTestId('command-count-succeeded')).toContainText('1', { timeout: 30_000 });
    await screenshot(page, '19-folder-command-result');
    await page.getByTestId('command-result').getByRole('button', { name: 'Close' }).click();

    // --- The agent goes away: the device turns offline, again without a reload.
    await run.stop();
    await expect(row).toContainText('Offline', { timeout: 30_000 });

    // --- Settings delivery, live: a profile assigned to the folder while the device is offline
    // leaves it "settings pending"; when the agent is back, it applies them and the mark goes.
    const profile = await api.createProfile({
      name: `E2E Agent profile ${suffix}`,
      type: 'standard',
      settings: { 'userinterface.screensaver.timeout': 42 },
    });
    await api.assignProfile(profile.id, [{ type: 'folder', id: folder.id }]);
    await expect(row.getByTestId('config-pending')).toBeVisible();
    await expect(detail.getByTestId('config-pending-badge')).toBeVisible();
    await screenshot(page, '19b-settings-pending');
    const back = AgentProcess.start('run-again', ['run', '--state-dir', stateDir, '--platform', 'recording']);
    agents.push(back);
    await expect(row, `agent run log ${back.logFile}`).toContainText('Online', { timeout: 30_000 });
    await expect(row.getByTestId('config-pending')).toHaveCount(0, { timeout: 30_000 });
    await expect(detail.getByTestId('config-pending-badge')).toHaveCount(0);
    await detail.getByRole('tab', { name: 'Effective configuration' }).click();
    await expect(detail.getByTestId('delivery-state')).toContainText('Applied: revision');
    await expect(
      detail.locator('[data-testid="effective-row"][data-key="userinterface.screensaver.timeout"]').getByTestId('effective-value'),
    ).toHaveText('42');
    await screenshot(page, '19c-settings-applied');

    // --- Values changed on the device come back as its own configuration, including a key this
    // server's catalogue does not know: shown read-only, and kept by an administrator's save.
    for (const [key, value] of [
      ['vendor.future.knob', '"on"'],
      ['userinterface.screensaver.timeout', '7'],
    ] as const) {
      const set = AgentProcess.start(`settings-set-${key}`, ['settings', 'set', key, value, '--state-dir', stateDir]);
      agents.push(set);
      expect(await set.exited(15_000), `agent settings log ${set.logFile}`).toBe(0);
    }
    await expect
      .poll(async () => (await api.deviceSettings(device!.id)).settings, { timeout: 20_000 })
      .toEqual({
        'system.remotemanager.structure_tag': `e2e/${suffix}`,
        'vendor.future.knob': 'on',
        'userinterface.screensaver.timeout': 7,
      });
    await detail.getByRole('tab', { name: 'Device configuration' }).click();
    const unknown = detail.getByTestId('unknown-settings');
    await expect(unknown).toContainText("1 reported value unknown to this server's catalogue");
    await expect(unknown.locator('[data-testid="unknown-setting"][data-key="vendor.future.knob"]')).toContainText('on');
    await expect(detail.getByTestId('overridden-count')).toHaveText('1 activated value is overridden by a profile');
    await screenshot(page, '19d-device-reported-values');
    await detail.getByLabel('Search parameters').fill('system.time.ntp.interval');
    await detail.getByRole('button', { name: 'Set system.time.ntp.interval' }).click();
    await detail.getByRole('button', { name: 'Save…' }).click();
    dialog = page.getByRole('dialog', { name: /^Save the device configuration of / });
    await expect(dialog.getByTestId('save-unknown')).toContainText('vendor.future.knob');
    await dialog.getByRole('button', { name: 'Save device configuration' }).click();
    await expect(dialog).toBeHidden();
    await expect(unknown.locator('[data-testid="unknown-setting"][data-key="vendor.future.knob"]')).toContainText('on');
    expect(Object.keys((await api.deviceSettings(device!.id)).settings).sort()).toEqual([
      'system.remotemanager.structure_tag',
      'system.time.ntp.interval',
      'userinterface.screensaver.timeout',
      'vendor.future.knob',
    ]);
  } finally {
    for (const agent of agents) await agent.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
});
