// Config of the inner vitest run that phone.test.ts starts inside a loopback-only network namespace.
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: join(import.meta.dirname, '../..'),
  test: {
    include: ['tests/softphone/**/*.netns.ts'],
    environment: 'node',
    pool: 'forks',
    // One file: Kamailio, the page server and Chromium are shared by its tests, in order.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
