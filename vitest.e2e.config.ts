import { defineConfig } from 'vitest/config';

// End-to-end tests start real processes (server, browser-mode host, Chromium): run them one file at a time.
export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
