import type { TestProject } from 'vitest/node';
import { startPostgres } from '../../scripts/postgres.mjs';

/**
 * vitest globalSetup of `npm run test:pg`: one throwaway PostgreSQL cluster per run (scripts/postgres.mjs,
 * the same start as by hand), each test server then makes a database of its own on it (test-db.ts).
 * SWITCHBOARD_TEST_PG_URL set: that cluster is used and nothing is started.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  if (process.env.SWITCHBOARD_TEST_PG_URL) {
    project.provide('pgUrl', process.env.SWITCHBOARD_TEST_PG_URL);
    return () => {};
  }
  const cluster = await startPostgres();
  project.provide('pgUrl', cluster.url);
  return () => cluster.stop();
}
