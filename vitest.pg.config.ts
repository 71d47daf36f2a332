import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

/**
 * `npm run test:pg`: the server suites again, on PostgreSQL. One throwaway cluster per run
 * (tests/server/postgres-setup.ts), a database per test server (tests/server/test-db.ts).
 */
export default mergeConfig(
  base,
  defineConfig({
    test: {
      include: ['tests/server/**/*.test.ts'],
      globalSetup: ['tests/server/postgres-setup.ts'],
      env: { SWITCHBOARD_TEST_DB: 'postgres' },
    },
  }),
);
