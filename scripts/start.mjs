// `npm start`: the whole product on one machine with the embedded database and demo data.
// Builds the UI, starts the central service (seeding a fresh database) and then either the Electron desktop,
// where the Electron runtime is installed, or the browser-mode host, printing the address to open.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const env = {
  SWITCHBOARD_PORT: '4000',
  SWITCHBOARD_HOST: '127.0.0.1',
  SWITCHBOARD_DB: '.data/server.sqlite',
  SWITCHBOARD_SEED: 'demo',
  SWITCHBOARD_HOST_PORT: '4100',
  SWITCHBOARD_DATA: '.data/desktop',
  ...process.env,
};
const children = [];
const tsx = 'node_modules/.bin/tsx';

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

let stopping = false;
function shutdown(code = 0) {
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 500).unref();
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

console.log('Building the desktop UI ...');
const build = spawnSync('node_modules/.bin/electron-vite', ['build'], { stdio: 'inherit', env });
if (build.status !== 0) process.exit(build.status ?? 1);

try {
  await run(tsx, ['src/server/cli.ts'], /listening on/);
  const electron = electronBinary();
  const display = process.platform !== 'linux' || env.DISPLAY || env.WAYLAND_DISPLAY;
  if (electron && display && env.SWITCHBOARD_BROWSER_MODE !== '1') {
    await run(electron, ['.'], /./);
  } else {
    await run(tsx, ['src/main/host/cli.ts'], /browser mode\) on/);
    console.log(
      `\nSwitchboard is running. Open http://127.0.0.1:${env.SWITCHBOARD_HOST_PORT} in Chromium, Chrome, Edge or Firefox.` +
        `\nServer address: http://127.0.0.1:${env.SWITCHBOARD_PORT} · demo users agent01..agent12, super01, super02, admin · password: switchboard` +
        `\n(Electron ${electron ? 'has no display here' : 'is not installed here'}: running in browser mode. Ctrl+C stops everything.)`,
    );
  }
} catch (err) {
  console.error(String(err));
  shutdown(1);
}
