// The media bridge end to end: rtpengine and Kamailio started by the project's own code, a plain-RTP
// baresip caller and a WebRTC phone in Chromium, in a loopback-only network namespace
// (tests/netns/run-in-netns.ts explains why), with the real central service routing queue calls: callers
// wait in its queue hearing rtpengine's hold media, one who hangs up is counted abandoned, and one who presses
// the callback key gets a callback ticket and is told so before the PBX lets them go. The scenario
// is media.inner.ts. Run: npx vitest run -c vitest.e2e.config.ts tests/e2e/media.test.ts
import { expect, it } from 'vitest';
import { runInNetns, testLines } from '../netns/run-in-netns';

it('a baresip caller (plain RTP) and a WebRTC phone talk through rtpengine; callers wait in the service queue or book a callback by key', async () => {
  const { code, output, ms } = await runInNetns('tests/e2e/media.vitest.config.ts', 200_000);
  if (code !== 0) console.error(output);
  expect(code, 'inner suite in the network namespace failed (output above)').toBe(0);
  expect(output).toMatch(/Tests\s+4 passed \(4\)/);
  console.log(`media suite in its namespace: ${ms} ms\n${testLines(output)}`);
}, 220_000);
