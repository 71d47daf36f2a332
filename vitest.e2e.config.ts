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
    // A UI change goes through the host, the service and back: on a 2-core machine running another suite
    // beside this one (npm test's lanes) that can outlast vitest's 1 s default for expect.poll.
    expect: { poll: { timeout: 10_000 } },
  },
});
