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
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');

it('phone engine in a loopback-only namespace: registration, calls with media, transfers, bounded ICE, recovery after a Kamailio restart', async () => {
  const started = Date.now();
  const inner = [
    'ip link set lo up',
    `exec ${join(root, 'node_modules/.bin/vitest')} run --config tests/softphone/netns.vitest.config.ts --reporter=verbose`,
  ].join(' && ');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'bash', '-c', inner], {
      cwd: root,
      env: { ...process.env, SWITCHBOARD_SOFTPHONE_NETNS: '1', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Own process group, so a hung suite can be stopped as a whole (SIGTERM lets it stop Kamailio and
      // Chromium; SIGKILL follows if it does not end).
      detached: true,
    });
    const stopGroup = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, signal);
      } catch {
        // already gone
      }
    };
    const term = setTimeout(() => stopGroup('SIGTERM'), 100_000);
    const kill = setTimeout(() => stopGroup('SIGKILL'), 105_000);
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += String(c)));
    child.stderr.on('data', (c: Buffer) => (out += String(c)));
    child.once('error', reject);
    child.once('exit', (c) => {
      clearTimeout(term);
      clearTimeout(kill);
      resolve({ code: c, output: out });
    });
  });
  if (code !== 0) console.error(output);
  expect(code, 'inner suite in the network namespace failed (output above)').toBe(0);
  // The six scenarios really ran and passed (a suite that found no tests would not say this).
  // eslint-disable-next-line no-control-regex
  expect(output.replace(/\x1b\[[0-9;]*m/g, '')).toMatch(/Tests\s+6 passed \(6\)/);
  const lines = output.split('\n').filter((line) => /[✓×]/.test(line));
  console.log(`softphone suite in its namespace: ${Date.now() - started} ms\n${lines.join('\n')}`);
}, 120_000);
