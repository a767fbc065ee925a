import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentProcess } from './agent-process';
import { admin, expect, screenshot, test, uniqueSuffix } from './fixtures';

test("a device's communication log: switched on in the web app, it records a real agent's messages; cleared", async ({
  page,
  api,
  request,
}) => {
  test.setTimeout(120_000);
  const suffix = uniqueSuffix();
  const folder = await api.createFolder(`E2E Comm log ${suffix}`);
  const stateDir = mkdtempSync(join(tmpdir(), 'openums-e2e-commlog-'));
  const agents: AgentProcess[] = [];
  let headers: Record<string, string> | undefined;
  try {
    const login = await request.post('/api/v1/auth/login', { data: { username: admin.username, password: admin.password } });
    headers = { Authorization: `Bearer ${(await login.json()).token as string}` };
    const key = await request.post('/api/v1/enrollment-keys', { headers, data: { type: 'mass', folderId: folder.id } });
    expect(key.status(), await key.text()).toBe(201);
    const secret = (await key.json()).keys[0].secret as string;
    const { webCaFingerprint } = await api.serverInfo();
    const enroll = AgentProcess.enroll('commlog-enroll', { key: secret, caFingerprint: webCaFingerprint!, stateDir });
    agents.push(enroll);
    expect(await enroll.exited(60_000), `agent enroll failed; log ${enroll.logFile}:\n${enroll.log}`).toBe(0);
    const [device] = await api.devicesInFolder(folder.id);
    expect(device).toBeDefined();

    // --- Switch the log on (with payloads) on the device page, before the agent connects.
    await page.goto('/login');
    await page.getByRole('textbox', { name: 'User name' }).fill(admin.username);
    await page.getByRole('textbox', { name: 'Password' }).fill(admin.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { name: 'Dashboard', level: 2 })).toBeVisible();
    await page.goto(`/devices/${device!.id}?tab=comm-log`);
    const panel = page.getByTestId('comm-log-panel');
    const status = panel.getByTestId('comm-log-status');
    await expect(status).toContainText('Off: nothing is recorded.');
    await expect(panel.getByTestId('comm-log-empty')).toBeVisible();
    await panel.getByLabel('Log communication').click();
    await expect(status).toContainText('types and sizes only');
    await panel.getByLabel('Include payloads').click();
    await expect(status).toContainText('with payloads');

    // --- The agent connects; a message is sent to it.
    const run = AgentProcess.start('commlog-run', ['run', '--state-dir', stateDir, '--platform', 'recording']);
    agents.push(run);
    await expect.poll(async () => (await api.getDevice(device!.id)).device?.online, { timeout: 30_000 }).toBe(true);
    const sent = await request.post('/api/v1/devices/commands', {
      headers,
      data: { command: 'send-message', deviceIds: [device!.id], text: `comm log ${suffix}` },
    });
    expect(sent.status(), await sent.text()).toBe(201);
    await expect.poll(async () => (await api.deviceCommands(device!.id))[0]?.state, { timeout: 30_000 }).toBe('succeeded');

    // --- Refresh shows hello, welcome, the command and its result; a payload opens.
    await expect(async () => {
      await panel.getByRole('button', { name: 'Refresh' }).click();
      await expect(panel.getByLabel('Payload of result')).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 20_000 });
    await expect(panel.getByLabel('Payload of hello')).toBeVisible();
    await expect(panel.getByLabel('Payload of welcome')).toBeVisible();
    await panel.getByLabel('Payload of command').click();
    await expect(panel.getByTestId('comm-log-payload')).toContainText(`"text": "comm log ${suffix}"`);
    await screenshot(page, '60-device-comm-log');

    // --- Off, then cleared: nothing is left and nothing new comes.
    await panel.getByLabel('Log communication').click();
    await expect(status).toContainText('Off: nothing is recorded.');
    await panel.getByRole('button', { name: 'Clear log' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clear the communication log' });
    await dialog.getByRole('button', { name: 'Clear log' }).click();
    await expect(dialog).toBeHidden();
    await expect(panel.getByTestId('comm-log-empty')).toBeVisible();
  } finally {
    for (const agent of agents) await agent.stop();
    rmSync(stateDir, { recursive: true, force: true });
    // Agents on this machine share its MAC: the next spec's agent could not enroll while this record exists.
    const [left] = await api.devicesInFolder(folder.id).catch(() => []);
    if (left && headers) await request.delete(`/api/v1/devices/${left.id}`, { headers });
  }
});
