import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests against the real server (started by e2e/global-setup.ts on a free port with a
 * fresh data directory) and Debian's Chromium. Run with `npm run test:e2e`.
 */
export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  globalSetup: './e2e/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  // One retry: two specs (device-list-bulk, jobs-tasks) failed once each in fresh-clone CI runs
  // under load and pass alone; a retry keeps them from blocking a landing while they are made
  // deterministic (the closing note of 2026-12-02 names them). A spec failing twice still fails.
  // jobs-tasks (and admin-tasks-actions) had a real cause, fixed 2026-12-05: a new task's first
  // run defaulted to the current minute, refused as past once the dialog took past that minute.
  retries: 1,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  use: {
    headless: true,
    ignoreHTTPSErrors: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
