import type { APIRequestContext } from '@playwright/test';
import type { ClusterSettings, LoginResponse } from '@openums/protocol';
import { admin, expect, screenshot, signIn, test } from './fixtures';

/** Sets both addresses through the API (other specs expect the enroll command to name this server). */
async function putAddresses(request: APIRequestContext, body: ClusterSettings): Promise<void> {
  const login = await request.post('/api/v1/auth/login', { data: { username: admin.username, password: admin.password } });
  const { token } = (await login.json()) as LoginResponse;
  const res = await request.put('/api/v1/cluster-settings', { data: body, headers: { Authorization: `Bearer ${token}` } });
  expect(res.status(), await res.text()).toBe(200);
}

test('Administration › Servers lists this server as running; the enrollment address reaches the enroll command', async ({
  page,
  request,
}) => {
  await putAddresses(request, { clusterAddress: null, enrollmentAddress: null });
  try {
    await signIn(page);
    await page.getByRole('link', { name: 'Administration' }).click();
    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Servers' }).click();
    await expect(page).toHaveURL(/\/admin\/servers$/);
    await expect(page.getByRole('heading', { name: 'Servers', level: 2 })).toBeVisible();

    // --- The process that answers is in the list, running, marked as this server.
    const self = page.locator('[data-testid="server-row"][data-self="true"]');
    await expect(self).toHaveCount(1);
    await expect(self.getByTestId('server-status')).toHaveText('Running');
    await expect(self.getByTestId('self-marker')).toHaveText('This server');
    await expect(self.getByRole('button', { name: /Remove/ })).toHaveCount(0);
    await expect(page.getByTestId('cluster-summary')).toContainText('running');
    await screenshot(page, '40-servers');

    // --- A malformed address is refused in the form, before it is sent.
    const settings = page.getByTestId('cluster-settings');
    const enrollment = settings.getByRole('textbox', { name: 'Device enrollment address' });
    await enrollment.fill('http://enroll.example.com');
    await expect(settings).toContainText('Enter a host name or IP address');
    await expect(settings.getByRole('button', { name: 'Save addresses' })).toBeDisabled();

    // --- The enrollment address is saved and used for enrolling.
    await settings.getByRole('textbox', { name: 'Cluster address' }).fill('ums.e2e.example.com');
    await enrollment.fill('enroll.e2e.example.com:9443');
    await expect(settings.getByTestId('effective-enroll-url')).toHaveText('https://enroll.e2e.example.com:9443');
    await settings.getByRole('button', { name: 'Save addresses' }).click();
    await expect(page.getByText('Addresses saved')).toBeVisible();
    await expect(settings.getByRole('button', { name: 'Save addresses' })).toBeDisabled();
    await screenshot(page, '41-cluster-addresses');

    // --- Still there after a reload (stored by the server, not the page).
    await page.reload();
    await expect(page.getByTestId('cluster-settings').getByRole('textbox', { name: 'Device enrollment address' })).toHaveValue(
      'enroll.e2e.example.com:9443',
    );

    await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Enrollment keys' }).click();
    await expect(page.getByTestId('enroll-command-template')).toContainText('--server https://enroll.e2e.example.com:9443');
    await screenshot(page, '42-enroll-command-with-address');
  } finally {
    await putAddresses(request, { clusterAddress: null, enrollmentAddress: null });
  }
});

test('a dead entry can be removed and disagreeing servers are pointed out (server list stubbed: e2e runs one server)', async ({ page }) => {
  const beat = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000).toISOString();
  const base = { database: 'postgres://db.internal/openums', port: 8443, startedAt: beat(7200), self: false, pid: 31337 };
  const items = [
    { ...base, id: 'h1.0', host: 'ums-a.internal', worker: 0, addresses: ['10.0.0.11'], version: '0.1.0', lastBeat: beat(2) },
    { ...base, id: 'h1.1', host: 'ums-a.internal', worker: 1, addresses: ['10.0.0.11'], version: '0.1.0', lastBeat: beat(1), self: true },
    { ...base, id: 'h2.0', host: 'ums-b.internal', worker: 0, addresses: ['10.0.0.12'], version: '0.2.0', lastBeat: beat(3) },
    { ...base, id: 'h3.0', host: 'ums-c.internal', worker: 0, addresses: ['10.0.0.13'], version: '0.1.0', lastBeat: beat(600) },
  ].map((s, i) => ({
    ...s,
    pid: s.pid + i,
    status: s.id === 'h3.0' ? 'dead' : 'running',
    devicesConnected: [412, 398, 405, 0][i],
    clockOffsetMs: [12, -40, 95_000, 3][i],
  }));
  await page.route('**/api/v1/servers', (route) => route.fulfill({ json: { items } }));

  await signIn(page);
  await page.goto('/admin/servers');
  await expect(page.getByTestId('server-row')).toHaveCount(4);
  await expect(page.getByTestId('cluster-summary')).toHaveText('3 running · 1 dead · 1,215 devices connected');
  const warning = page.getByTestId('cluster-warning');
  await expect(warning).toContainText('different versions');
  await expect(warning).toContainText('The clocks of the servers differ by 1 min 35 s');
  const dead = page.locator('[data-testid="server-row"][data-status="dead"]');
  await expect(dead.getByRole('button', { name: 'Remove ums-c.internal (worker 0)' })).toBeVisible();
  await expect(page.locator('[data-testid="server-row"][data-status="running"]').getByRole('button', { name: /Remove/ })).toHaveCount(0);
  await screenshot(page, '43-servers-disagree');

  await dead.getByRole('button', { name: /Remove/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Remove server entry' });
  await expect(dialog).toContainText('ums-c.internal (worker 0)');
  await screenshot(page, '44-remove-dead-server');
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  await page.setViewportSize({ width: 1024, height: 768 });
  await screenshot(page, '45-servers-narrow');
});
