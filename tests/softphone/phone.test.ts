// The softphone engine against real Kamailio and real Chromium, with real WebRTC media.
//
// How the network namespace works: Chromium only uses loopback for ICE when it is the sole interface
// (with --allow-loopback-in-peer-connection), and tests must not send anything beyond loopback. So this
// test re-runs vitest, with the suite phone.netns.ts (not matched by the normal *.test.ts pattern), under
// `unshare -n`: a fresh network namespace that has only `lo`, which we bring up. Everything of the suite
// lives in that process tree: Kamailio (started by the suite through src/server/pbx), the http server of
// the test page (built with vite's JS API from tests/softphone/fixture) and Chromium (playwright-core).
// Nothing can leak out and nothing outside can reach in; when the inner run ends, the namespace is gone.
// Needs root (CI runs as root) or an unprivileged user namespace; the inner suite checks it really is in a
// loopback-only namespace before starting. Its output is shown here when it fails.
import { expect, it } from 'vitest';
import { runInNetns, testLines } from '../netns/run-in-netns';

it('phone engine in a loopback-only namespace: registration, calls with media, transfers, bounded ICE, recovery after a Kamailio restart', async () => {
  const { code, output, ms } = await runInNetns('tests/softphone/netns.vitest.config.ts', 100_000);
  if (code !== 0) console.error(output);
  expect(code, 'inner suite in the network namespace failed (output above)').toBe(0);
  // The six scenarios really ran and passed (a suite that found no tests would not say this).
  expect(output).toMatch(/Tests\s+6 passed \(6\)/);
  console.log(`softphone suite in its namespace: ${ms} ms\n${testLines(output)}`);
}, 120_000);
