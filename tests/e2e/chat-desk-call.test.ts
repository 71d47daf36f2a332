// Chats beside a real call: Kamailio, the central service (behind the chat relay), the desktop host and
// Chromium in a loopback-only network namespace (tests/netns/run-in-netns.ts). The scenario is
// chat-desk-call.inner.ts.
import { expect, it } from 'vitest';
import { runInNetns, testLines } from '../netns/run-in-netns';

it('an agent on a call accepts two chats; the call panel stays beside the chat tabs', async () => {
  const { code, output, ms } = await runInNetns('tests/e2e/chat-desk-call.vitest.config.ts', 280_000);
  if (code !== 0) console.error(output);
  expect(code, 'inner suite in the network namespace failed (output above)').toBe(0);
  expect(output).toMatch(/Tests\s+1 passed \(1\)/);
  console.log(`chat desk with a call in its namespace: ${ms} ms\n${testLines(output)}`);
}, 300_000);
