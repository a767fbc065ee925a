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
 *   network, no file system, no child process; seconds. `npm run test:unit`.
 * - integration: `server/test/api` and `agent/test` — real SQLite and PostgreSQL, real TLS,
 *   real server and agent processes — and `*.io.test.ts` next to their subject (temporary
 *   directories, hook scripts). `npm test` runs both tiers.
 */
export default defineConfig({
  resolve: { alias },
  test: {
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      // `extends: true`: each tier inherits the alias, pool and timeouts above.
      {
        extends: true,
        // Worker threads start faster than processes; unit tests open no sockets or databases.
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.{ts,tsx}', 'packages/server/test/unit/**/*.test.ts'],
          exclude: ['**/*.io.test.ts', '**/node_modules/**'],
          pool: 'threads',
          poolOptions: { threads: { maxThreads: 2, minThreads: 1 } },
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
