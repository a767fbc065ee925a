import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const protocolSrc = (file: string) => fileURLToPath(new URL(`./packages/protocol/src/${file}`, import.meta.url));
// Tests run against the sources of the shared contract, no build needed. Exact matches: a plain
// string alias would also rewrite the subpath `@openums/protocol/checker`.
const alias = [
  { find: /^@openums\/protocol$/, replacement: protocolSrc('index.ts') },
  { find: /^@openums\/protocol\/checker$/, replacement: protocolSrc('checker.ts') },
];

/**
 * Two tiers (the third, e2e, is Playwright):
 * - unit: tests next to their subject in `src/` plus `server/test/unit` — no database, no
 *   network, no file system, no child process; seconds. Web components in jsdom are
 *   `*.dom.test.ts(x)` (project unit-dom). `npm run test:unit` runs both.
 * - integration: `server/test/api` and `agent/test` — real SQLite and PostgreSQL, real TLS,
 *   real server and agent processes — and `*.io.test.ts` next to their subject (temporary
 *   directories, hook scripts). `npm test` runs both tiers.
 */
export default defineConfig({
  resolve: { alias },
  test: {
    pool: 'forks',
    // Pool options are read from here, not from a project: vitest creates one pool of each kind for
    // all projects. Only the unit tier uses threads, so their settings live here on its behalf.
    // No isolation for threads: a worker keeps its module cache from file to file, so React, Mantine
    // and TypeBox load once per worker instead of once per file (unit tier 37 s → ~10 s). Unit tests
    // hold no global state; the DOM stubs are a setup file because each file gets a fresh window.
    poolOptions: { forks: { maxForks: 2, minForks: 1 }, threads: { maxThreads: 2, minThreads: 1, isolate: false } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // Every log line the suite's servers and agents write is searched for the secrets the tests
    // used, after the last test (docs/testing.md#log-secret-scan).
    globalSetup: ['packages/server/test/log-secrets/global-setup.ts'],
    projects: [
      // `extends: true`: each tier inherits the alias, pool and timeouts above.
      {
        extends: true,
        // Worker threads start faster than processes; unit tests open no sockets or databases.
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.{ts,tsx}', 'packages/server/test/unit/**/*.test.ts'],
          exclude: ['**/*.io.test.ts', '**/*.dom.test.{ts,tsx}', '**/node_modules/**'],
          pool: 'threads',
        },
      },
      {
        extends: true,
        // Web components in jsdom (`*.dom.test.{ts,tsx}`), still the unit tier (`npm run test:unit` runs both):
        // each file needs its own window, and Testing Library's `screen` binds to the document it
        // was first loaded with, so these run isolated (forks) rather than in the shared threads.
        test: {
          name: 'unit-dom',
          include: ['packages/web/src/**/*.dom.test.{ts,tsx}'],
          environment: 'jsdom',
          setupFiles: ['packages/web/src/test/dom-stubs.ts'],
        },
      },
      {
        extends: true,
        // Plus tests next to their subject that use the file system or child processes (*.io.test.ts).
        test: {
          name: 'integration',
          include: [
            'packages/server/test/api/**/*.test.ts',
            'packages/agent/test/**/*.test.ts',
            'packages/*/src/**/*.io.test.ts',
            'packages/server/test/unit/**/*.io.test.ts',
          ],
        },
      },
    ],
  },
});
