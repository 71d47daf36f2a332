// Config of the inner vitest run that call.test.ts starts inside a loopback-only network namespace.
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: join(import.meta.dirname, '../..'),
  test: {
    include: ['tests/e2e/**/*.netns.ts'],
    environment: 'node',
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    // As vitest.e2e.config.ts: the default 1 s of expect.poll is short beside another suite.
    expect: { poll: { timeout: 10_000 } },
  },
});
