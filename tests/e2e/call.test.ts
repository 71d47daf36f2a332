// The call test, end to end: Kamailio, the central service, the desktop host and Chromium, run in a
// loopback-only network namespace (tests/netns/run-in-netns.ts explains why). The scenario is call.netns.ts.
import { expect, it } from 'vitest';
import { runInNetns, testLines } from '../netns/run-in-netns';

it('a customer calls the queue; the agent desktop pops the caller, answers, holds, transfers, wraps up; a Kamailio restart is survived', async () => {
  const { code, output, ms } = await runInNetns('tests/e2e/netns.vitest.config.ts', 280_000);
  if (code !== 0) console.error(output);
  expect(code, 'inner suite in the network namespace failed (output above)').toBe(0);
  expect(output).toMatch(/Tests\s+9 passed \(9\)/);
  console.log(`call suite in its namespace: ${ms} ms\n${testLines(output)}`);
}, 300_000);
