// The supervisor scenario (issue 14), end to end: Kamailio, the central service, the desktop host and
// Chromium (super01, agent01, agent02 and the customer's phone) in a loopback-only network namespace
// (tests/netns/run-in-netns.ts). The scenario is supervisor-monitor.inner.ts.
import { expect, it } from 'vitest';
import { runInNetns, testLines } from '../netns/run-in-netns';

it('super01 watches a real call on the queue monitor, puts agent02 on a break with a note and messages them', async () => {
  const { code, output, ms } = await runInNetns('tests/e2e/supervisor-monitor.vitest.config.ts', 420_000);
  if (code !== 0) console.error(output);
  expect(code, 'inner suite in the network namespace failed (output above)').toBe(0);
  expect(output).toMatch(/Tests\s+4 passed \(4\)/);
  console.log(`supervisor monitor in its namespace: ${ms} ms\n${testLines(output)}`);
}, 450_000);
