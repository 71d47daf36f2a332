// The Debian packages the tests use (`npm test` runs this first; .ci/run before `npm ci`, so that keytar
// finds libsecret when it builds). Missing ones are installed where we may (root with apt-get), otherwise
// the one command that installs them is printed and the run stops before any test.
import { spawnSync } from 'node:child_process';

const PACKAGES = [
  'chromium', // end-to-end tests (playwright-core drives Debian's Chromium)
  'fonts-noto-cjk', // Chinese text in screenshots and e2e pages
  'libsecret-1-dev', // keytar builds from source against it
  'libsecret-1-0',
  'gnome-keyring', // a real keychain for the vault tests, under dbus-run-session
  'dbus',
  'kamailio', // the PBX: SIP over WebSocket, digest auth, queue routing
  'kamailio-websocket-modules',
  'kamailio-utils-modules', // http_client for routing requests
  'kamailio-tls-modules',
  'openssl',
  'postgresql-15', // npm run test:pg: initdb/pg_ctl for a throwaway cluster (scripts/postgres.mjs)
  'haproxy', // npm run cluster and tests/cluster: one address in front of several service nodes
  'rtpengine-daemon', // media beside Kamailio: WebRTC <-> plain RTP bridging, music and prompts to waiting callers
  'baresip', // a plain-RTP SIP endpoint for the media tests (tests/pbx/baresip.ts)
  'espeak-ng', // the queue's spoken prompts, English and Chinese (src/server/pbx/prompts.ts, npm run pbx)
  'sox', // hold music synthesised, prompts resampled; test tones
];

const installed = (name) =>
  spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' }).stdout.includes(
    'install ok installed',
  );

const hasDpkg = spawnSync('dpkg-query', ['--version']).status === 0;
if (!hasDpkg) {
  console.log('system-deps: not a Debian system; install the equivalents of: ' + PACKAGES.join(' '));
  process.exit(0);
}
const missing = PACKAGES.filter((p) => !installed(p));
if (missing.length === 0) {
  console.log(`system-deps: all ${PACKAGES.length} Debian packages are installed.`);
  process.exit(0);
}
const command = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
if (process.getuid?.() !== 0) {
  console.error(
    `system-deps: missing Debian packages: ${missing.join(' ')}\nInstall them as root: ${command}`,
  );
  process.exit(1);
}
console.log(`system-deps: installing ${missing.join(' ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', '--no-install-recommends', ...missing],
]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`system-deps: apt-get ${args[0]} failed; run it by hand: ${command}`);
    process.exit(1);
  }
}
