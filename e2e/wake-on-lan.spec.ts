import { expect, randomMac, screenshot, signIn, test, uniqueSuffix } from './fixtures';

test('wake on LAN: subnets, masks and a dedicated proxy are saved, and the proxy gets the proxy setting', async ({ page, api }) => {
  const suffix = uniqueSuffix();
  const proxy = await api.createDevice({ mac: randomMac(), name: `wolproxy-${suffix}` });

  await signIn(page);
  await page.getByRole('link', { name: 'Administration' }).click();
  await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Wake on LAN', exact: true }).click();
  await expect(page).toHaveURL(/\/admin\/wake-on-lan$/);
  const form = page.getByRole('form', { name: 'Wake-on-LAN settings' });
  await expect(form.getByRole('switch', { name: /broadcast address/ })).toBeChecked();

  // A bad subnet is named and blocks saving; a good one is kept.
  const subnets = form.getByRole('combobox', { name: 'Subnets' });
  await subnets.fill('10.1.0.0/33');
  await subnets.press('Enter');
  await expect(form).toContainText('Not a network in CIDR notation: 10.1.0.0/33');
  await expect(form.getByRole('button', { name: 'Save' })).toBeDisabled();
  await subnets.press('Backspace');
  await subnets.fill('10.1.0.0/16');
  await subnets.press('Enter');
  const masks = form.getByRole('combobox', { name: 'Network masks for the last known IP' });
  await masks.fill('24');
  await masks.press('Enter');
  await form.getByRole('switch', { name: 'The broadcast address (255.255.255.255)' }).uncheck({ force: true });

  await form.getByRole('switch', { name: 'Dedicated wake-on-LAN proxies' }).check({ force: true });
  await form.getByRole('searchbox', { name: 'Find devices' }).fill(`wolproxy-${suffix}`);
  await form.getByRole('checkbox', { name: `wolproxy-${suffix}` }).check();
  await expect(form.getByTestId('wol-proxies')).toContainText(`wolproxy-${suffix}`);
  await screenshot(page, '70-wake-on-lan');
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Wake-on-LAN settings saved')).toBeVisible();

  // Stored: a reload shows it, and the proxy's own configuration carries the proxy setting.
  await page.reload();
  await expect(form.getByTestId('wol-proxies')).toContainText(`wolproxy-${suffix}`);
  await expect(form.getByText('10.1.0.0/16', { exact: true })).toBeVisible();
  await expect(form.getByRole('switch', { name: 'The broadcast address (255.255.255.255)' })).not.toBeChecked();
  const own = await api.deviceSettings(proxy.id);
  expect(own.settings['system.remotemanager.wol_proxy.enabled']).toBe(true);

  // Removed again: the setting goes (and the installation is back to the defaults for other specs).
  await form.getByRole('button', { name: `Remove wolproxy-${suffix}` }).click();
  await form.getByRole('switch', { name: 'Dedicated wake-on-LAN proxies' }).uncheck({ force: true });
  await form.getByRole('switch', { name: 'The broadcast address (255.255.255.255)' }).check({ force: true });
  await form.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Wake-on-LAN settings saved').first()).toBeVisible();
  await expect.poll(async () => (await api.deviceSettings(proxy.id)).settings['system.remotemanager.wol_proxy.enabled']).toBeUndefined();
});
