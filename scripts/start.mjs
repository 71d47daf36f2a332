// `npm start`: the whole product on one machine with the embedded database and demo data.
// Builds the UI, starts the PBX (Kamailio, where it is installed), the central service (seeding a fresh
// database; it pushes the agents' SIP accounts into the PBX) and then either the Electron desktop, where a
// display is available and the Electron runtime is (or can be downloaded), or the browser-mode host,
// printing the address to open.
// SWITCHBOARD_SKIP_BUILD=1 serves the UI built before instead of building it again.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ensureNativeAddons } from './native-addons.mjs';

const env = {
  SWITCHBOARD_PORT: '4000',
  SWITCHBOARD_HOST: '127.0.0.1',
  SWITCHBOARD_DB: '.data/server.sqlite',
  SWITCHBOARD_SEED: 'demo',
  SWITCHBOARD_HOST_PORT: '4100',
  SWITCHBOARD_DATA: '.data/desktop',
  SWITCHBOARD_PBX_SIP_PORT: '5060',
  SWITCHBOARD_PBX_WS_PORT: '8088',
  SWITCHBOARD_PBX_RPC_PORT: '8089',
  SWITCHBOARD_PBX_RUN_DIR: '.data/pbx',
  // email (issue 13): support mail for the demo mailboxes (README "Email").
  SWITCHBOARD_SMTP_PORT: '2525',
  // The PBX proves itself to the service with this on every routing request and call event, so nothing
  // else on the machine can reserve agents or end calls. New each start; both sides get it from here.
  SWITCHBOARD_PBX_SECRET: randomBytes(24).toString('base64url'),
  ...process.env,
};
// The browser-mode host lets agents sign in only to servers the operator names: the one started here.
env.SWITCHBOARD_SERVER_URLS ??= [
  ...new Set(
    ['127.0.0.1', 'localhost', env.SWITCHBOARD_HOST].filter((h) => !['0.0.0.0', '::', ''].includes(h)),
  ),
]
  .map((name) => (name.includes(':') ? `[${name}]` : name))
  .map((name) => `http://${name}:${env.SWITCHBOARD_PORT}`)
  .join(',');
const children = [];
// TypeScript children run in a plain node with tsx's loader, not under the tsx command: that wrapper relays
// signals and SIGKILLs a child that takes more than 30 ms to acknowledge one, which on Ctrl+C (the terminal
// signals the whole group, then shutdown() signals again) could kill the PBX script before it stops Kamailio.
const tsNode = (script) => [process.execPath, ['--import', 'tsx', script]];
// scripts/pbx.ts exits with this code when the kamailio binary is missing.
const EXIT_KAMAILIO_MISSING = 3;

function run(cmd, args, waitFor) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(child);
    let seen = false;
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      if (!seen && waitFor.test(String(chunk))) {
        seen = true;
        resolve(child);
      }
    });
    child.on('exit', (code) => {
      if (!seen) reject(new Error(`${cmd} ${args.join(' ')} exited with ${code} before it was ready`));
      else if (!stopping) shutdown(code ?? 1);
    });
  });
}

/**
 * Kamailio through `npm run pbx`'s own script, its queue routing and call events pointed at the central
 * service, without demo passwords (the service pushes the agents' accounts when it starts). Resolves with
 * the addresses once it is ready, or with the one line to print when the phone is off.
 */
function startPbx() {
  const loopback = ['127.0.0.1', '0.0.0.0', '::', 'localhost'].includes(env.SWITCHBOARD_HOST);
  const serviceHost = loopback ? '127.0.0.1' : env.SWITCHBOARD_HOST;
  const pbxEnv = {
    ...env,
    SWITCHBOARD_PBX_SERVICE_URL: `http://${serviceHost}:${env.SWITCHBOARD_PORT}`,
    SWITCHBOARD_PBX_DEMO_USERS: 'off',
  };
  return new Promise((resolve) => {
    const [node, args] = tsNode('scripts/pbx.ts');
    const child = spawn(node, args, { env: pbxEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '';
    let err = '';
    let ready = false;
    child.stdout.on('data', (chunk) => {
      out += String(chunk);
      const m = /ready: (ws:\/\/\S+) (sip:\S+)(?: \((media: .*)\))?\n/.exec(out);
      if (!ready && m) {
        ready = true;
        resolve({
          wsUrl: m[1],
          sipUri: m[2],
          // rtpengine beside Kamailio (scripts/pbx.ts): WebRTC <-> plain-RTP bridging, media to waiting callers.
          media: m[3] ?? 'media: off',
          rpcUrl: `http://127.0.0.1:${env.SWITCHBOARD_PBX_RPC_PORT}/RPC`,
        });
      }
    });
    child.stderr.on('data', (chunk) => {
      // Until it is ready, its errors become the one "phone off" line; after, Kamailio's errors show.
      if (ready) process.stderr.write(chunk);
      else err += String(chunk);
    });
    child.on('exit', (code) => {
      if (ready) {
        if (!stopping) shutdown(code ?? 1);
        return;
      }
      const reason = err.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${code}`;
      resolve({
        off:
          code === EXIT_KAMAILIO_MISSING
            ? `Phone off: ${reason}`
            : `Phone off: the PBX did not start (${reason}). Details: SWITCHBOARD_PBX_VERBOSE=1 npm run pbx`,
      });
    });
  });
}

let stopping = false;
/** Stops every child and waits for them: the PBX script takes Kamailio down before it exits. */
async function shutdown(code = 0) {
  if (stopping) return;
  stopping = true;
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  const exited = running.map((c) => new Promise((r) => c.once('exit', r)));
  for (const c of running) c.kill('SIGTERM');
  const force = setTimeout(() => {
    for (const c of running) c.kill('SIGKILL');
    process.exit(code || 1);
  }, 15_000);
  await Promise.all(exited);
  clearTimeout(force);
  process.exit(code);
}
process.on('SIGINT', () => shutdown(0));
process.on('SIGTERM', () => shutdown(0));

function electronBinary() {
  try {
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null; // electron's package throws when its runtime was never downloaded
  }
}

/**
 * The Electron runtime, fetched on first use: `npm ci` never downloads it (package.json's allowScripts
 * denies electron's install script, so set-up works on machines without internet and needs no variable).
 * Returns the binary, or the reason for browser mode in a few words.
 */
function electronRuntime() {
  if (env.SWITCHBOARD_BROWSER_MODE === '1') return { why: 'SWITCHBOARD_BROWSER_MODE=1' };
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { why: 'no display here' };
  if (!existsSync('node_modules/electron/install.js')) return { why: 'Electron is not installed' };
  const ready = electronBinary();
  if (ready) return { path: ready };
  console.log('Downloading the Electron runtime (once) ...');
  const fetched = spawnSync(process.execPath, ['node_modules/electron/install.js'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env,
    timeout: 300_000,
  });
  const path = fetched.status === 0 ? electronBinary() : null;
  return path ? { path } : { why: 'the Electron runtime could not be downloaded (no internet?)' };
}

if (env.SWITCHBOARD_SKIP_BUILD !== '1') {
  console.log('Building the desktop UI ...');
  const build = spawnSync('node_modules/.bin/electron-vite', ['build'], { stdio: 'inherit', env });
  if (build.status !== 0) process.exit(build.status ?? 1);
  // Web chat (issue 13, chat area): the widget bundle the service serves at /widget.js.
  const widget = spawnSync('node_modules/.bin/vite', ['build', '-c', 'vite.widget.config.ts'], {
    stdio: 'inherit',
    env,
  });
  if (widget.status !== 0) process.exit(widget.status ?? 1);
}

try {
  ensureNativeAddons();
  // The PBX first: Kamailio needs the service's address, the service needs the PBX to push accounts to.
  const pbx = await startPbx();
  if (stopping) await new Promise(() => {});
  if ('wsUrl' in pbx) {
    env.SWITCHBOARD_PBX_RPC_URL = pbx.rpcUrl;
    env.SWITCHBOARD_PBX_WS_URL = pbx.wsUrl;
  }
  const phone =
    'wsUrl' in pbx
      ? `Phone: softphones register at ${pbx.wsUrl} (Kamailio, ${pbx.sipUri}; ${pbx.media}); queues 8001-8003 ring Available agents.`
      : pbx.off;
  await run(...tsNode('src/server/cli.ts'), /listening on/);
  const electron = electronRuntime();
  if (electron.path) {
    console.log(phone);
    await run(electron.path, ['.'], /./);
  } else {
    await run(...tsNode('src/main/host/cli.ts'), /browser mode\) on/);
    console.log(
      `\nSwitchboard is running. Open http://127.0.0.1:${env.SWITCHBOARD_HOST_PORT} in Chromium, Chrome, Edge or Firefox.` +
        `\nServer address: http://127.0.0.1:${env.SWITCHBOARD_PORT} · demo users agent01..agent12, super01, super02, admin · password: switchboard` +
        `\n${phone}` +
        `\n(Browser mode: ${electron.why}. Ctrl+C stops everything.)`,
    );
  }
} catch (err) {
  console.error(String(err));
  shutdown(1);
}
