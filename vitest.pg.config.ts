import { defineConfig } from 'vitest/config';

/**
 * `npm run test:pg`: the server suites again, on PostgreSQL. One throwaway cluster per run
 * (tests/server/postgres-setup.ts), a database per test server (tests/server/test-db.ts). The rest as in
 * vitest.config.ts.
 */
export default defineConfig({
  test: {
    include: ['tests/server/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['tests/server/postgres-setup.ts'],
    env: { SWITCHBOARD_TEST_DB: 'postgres' },
  },
});
