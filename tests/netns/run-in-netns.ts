// Call tests run inside a fresh network namespace that has only loopback (`unshare -n`): Chromium uses
// loopback for ICE only when it is the sole interface (with --allow-loopback-in-peer-connection), and no
// test may send anything beyond loopback. The outer test re-runs vitest on an inner suite (*.netns.ts, not
// matched by the normal patterns) under unshare; everything of that suite (Kamailio, servers, Chromium)
// lives in that process tree, and the namespace is gone when it ends. Needs root (CI runs as root) or an
// unprivileged user namespace.
import { spawn } from 'node:child_process';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../..');

/** Set in the inner run, so its suite can refuse to run anywhere else. */
export const NETNS_MARKER = 'SWITCHBOARD_NETNS';

export interface NetnsRun {
  code: number | null;
  /** stdout + stderr of the inner vitest, colours stripped. */
  output: string;
  ms: number;
}

/** Run the inner vitest config in a loopback-only namespace; the whole process group is stopped after timeoutMs. */
export async function runInNetns(config: string, timeoutMs: number): Promise<NetnsRun> {
  const started = Date.now();
  const inner = [
    'ip link set lo up',
    `exec ${join(root, 'node_modules/.bin/vitest')} run --config ${config} --reporter=verbose`,
  ].join(' && ');
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'bash', '-c', inner], {
      cwd: root,
      env: { ...process.env, [NETNS_MARKER]: '1', CI: 'true', NO_COLOR: '1', FORCE_COLOR: '0' },
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
    const term = setTimeout(() => stopGroup('SIGTERM'), timeoutMs);
    const kill = setTimeout(() => stopGroup('SIGKILL'), timeoutMs + 5000);
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
  // eslint-disable-next-line no-control-regex
  return { code, output: output.replace(/\x1b\[[0-9;]*m/g, ''), ms: Date.now() - started };
}

/** The passed/failed lines of a vitest verbose report, for the outer test's log. */
export function testLines(output: string): string {
  return output
    .split('\n')
    .filter((line) => /[✓×]/.test(line))
    .join('\n');
}

/** Throws unless this process runs in the namespace runInNetns made. */
export function assertInNetns(via: string): void {
  const interfaces = Object.keys(networkInterfaces());
  if (process.env[NETNS_MARKER] !== '1' || interfaces.some((name) => name !== 'lo')) {
    throw new Error(`run through ${via} (interfaces here: ${interfaces.join(', ')})`);
  }
}

/** Chromium flags for calls: loopback ICE, fake microphone and camera, ringtone without a click. */
export const CALL_FLAGS = [
  '--allow-loopback-in-peer-connection',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];
