// A throwaway cluster on loopback: PostgreSQL, N service nodes on it and HAProxy in front, one address.
//
//   npm run cluster                       2 nodes; prints the address to sign in to; Ctrl+C stops all of it
//   npm run cluster -- --nodes 3          more nodes
//   npm run cluster -- --db postgres://…  an existing PostgreSQL database instead of a throwaway one
//   npm run cluster -- --no-pbx           without Kamailio (by default it runs as `npm run pbx`, pointed at HAProxy)
//   import { startCluster } from './scripts/cluster.mjs'   the same from code (tests/cluster)
//
// The nodes are `npm run server` processes (src/server/cli.ts); the first loads the demo data into an empty
// database, the others start once it answers. HAProxy (Debian's haproxy) runs in the foreground with its own
// configuration in the cluster's temp folder: websockets pass through it (a socket.io connection stays on the
// node it reached), /api/health every second takes a dead node out after two misses, and a new connection goes
// to a node that is up. The folder goes away with the cluster (and the throwaway PostgreSQL with it).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { databaseUrl, startPostgres } from './postgres.mjs';
import { freePort } from './free-port.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

async function healthy(url, timeoutMs, proc) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (proc && proc.exitCode !== null) throw new Error(`the process for ${url} exited (${proc.exitCode})`);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} did not answer /api/health within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The haproxy binary, or an error that says how to get it. */
function haproxyBin() {
  const bin = process.env.HAPROXY_BIN ?? 'haproxy';
  if (spawnSync(bin, ['-v']).status !== 0)
    throw new Error(
      'haproxy not found: apt-get install -y haproxy (or npm run system-deps), or set HAPROXY_BIN.',
    );
  return bin;
}

/** As many connections as the open-file limit allows (HAProxy needs two descriptors per connection), up to 10,000. */
function maxConnections() {
  const limit = Number(spawnSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).stdout.trim());
  return Number.isFinite(limit) && limit > 0
    ? Math.max(100, Math.min(10_000, Math.floor((limit - 200) / 2)))
    : 2000;
}

export function haproxyConfig({ port, nodes, balance = 'leastconn' }) {
  return `global
  maxconn ${maxConnections()}

defaults
  mode http
  timeout connect 2s
  timeout client 60s
  timeout server 60s
  # A websocket is a tunnel once upgraded: socket.io pings every 25 s, so an hour of silence means it is gone.
  timeout tunnel 1h
  # A request a node failed to take (connection refused: the node died) goes to another one at once.
  option redispatch 1
  retries 3
  # A request sent on a node's connection that then dies unanswered is sent again to another node (the
  # service's writes are idempotent by mutation id; sign-in merely makes one more session).
  retry-on conn-failure empty-response response-timeout

frontend switchboard
  bind 127.0.0.1:${port}
  default_backend nodes

backend nodes
  balance ${balance}
  option httpchk GET /api/health
  http-check expect status 200
  # Checked every second; three misses take a node out (its open websockets are cut, so desktops reconnect at
  # once to a node that is up), two answers bring it back; ten failed connections in a row take it out at once
  # (a killed node refuses every one). Not one miss or one error: a node that is alive but swamped (the other
  # node's 1,000 desktops reconnecting to it at once overflow its accept queue, its event loop answers a check
  # late) was taken out by a single one, all its sessions cut, and their reconnects swamped it again: the last
  # node up went down and up for minutes (bench:cluster). A check waits 3 s for its answer.
  timeout check 3s
  default-server inter 1s fall 3 rise 2 observe layer4 error-limit 10 on-error mark-down on-marked-down shutdown-sessions
${nodes.map((n, i) => `  server node${i + 1} 127.0.0.1:${n.port} check`).join('\n')}
`;
}

/**
 * Starts the cluster; resolves to { url, nodes: [{ url, port, kill(signal) }], db, dir, stop() }.
 * opts: nodes (2), db (an existing postgres:// URL; default a throwaway one), seed (the first node's --seed,
 * default demo), prepare(dbUrl) (runs before the nodes start), port (HAProxy's; default a free one), balance
 * (HAProxy's, default leastconn), nodeArgs and env (more `npm run server` flags and environment for every
 * node, e.g. --pbx-rpc), execArgv (Node's own flags for every node, e.g. --cpu-prof), log (each node's output
 * lines; default none).
 */
export async function startCluster(opts = {}) {
  const count = opts.nodes ?? 2;
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-cluster-'));
  const procs = [];
  let pg;
  let haproxy;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    haproxy?.kill('SIGKILL');
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    let db = opts.db;
    if (!db) {
      pg = await startPostgres();
      const { default: pgDriver } = await import('pg');
      const admin = new pgDriver.Client({ connectionString: pg.url });
      await admin.connect();
      await admin.query(
        "CREATE DATABASE switchboard TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'",
      );
      await admin.end();
      db = databaseUrl(pg.url, 'switchboard');
    }
    // A test prepares its database itself (a smaller demo data set) before the nodes open it.
    if (opts.prepare) await opts.prepare(db);
    const nodes = [];
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      const proc = spawn(
        process.execPath,
        [
          // tsx as a loader in this one process, not its CLI (which runs the server in a child of its own, so
          // killing the pid we hold would leave the server running).
          '--import',
          'tsx',
          ...(opts.execArgv ?? []),
          join(root, 'src/server/cli.ts'),
          '--db',
          db,
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
          '--seed',
          i === 0 ? (opts.seed ?? 'demo') : 'none',
          ...(opts.nodeArgs ?? []),
        ],
        { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } },
      );
      procs.push(proc);
      const log = opts.log ?? (() => {});
      for (const s of [proc.stdout, proc.stderr])
        s.on('data', (b) => {
          for (const line of String(b).split('\n')) if (line) log(`[node${i + 1}] ${line}`);
        });
      const url = `http://127.0.0.1:${port}`;
      // One after the other: the first migrates and seeds; the others find it done.
      await healthy(url, 120_000, proc);
      nodes.push({
        url,
        port,
        pid: proc.pid,
        kill: (signal = 'SIGKILL') => proc.kill(signal),
        process: proc,
      });
    }
    const port = opts.port || (await freePort());
    const cfg = join(dir, 'haproxy.cfg');
    writeFileSync(cfg, haproxyConfig({ port, nodes, balance: opts.balance }));
    const check = spawnSync(haproxyBin(), ['-c', '-f', cfg], { encoding: 'utf8' });
    if (check.status !== 0)
      throw new Error(`haproxy refused its configuration: ${check.stderr || check.stdout}`);
    haproxy = spawn(haproxyBin(), ['-db', '-f', cfg], { stdio: ['ignore', 'ignore', 'pipe'] });
    haproxy.stderr.on('data', (b) => (opts.log ?? (() => {}))(`[haproxy] ${String(b).trim()}`));
    const url = `http://127.0.0.1:${port}`;
    await healthy(url, 20_000, haproxy);
    return { url, nodes, db, dir, haproxyPid: haproxy.pid, stop };
  } catch (e) {
    stop();
    throw e;
  }
}

/**
 * Kamailio through `npm run pbx`'s own script, pointed at HAProxy (so its routing requests and call events
 * fail over between nodes with everything else), on the usual ports. Resolves with { child, rpcUrl, wsUrl }
 * once it is ready, or with { off } (the reason) when it cannot start: the cluster then runs without phones.
 */
function startPbx(serviceUrl, secret) {
  const env = {
    ...process.env,
    SWITCHBOARD_PBX_SERVICE_URL: serviceUrl,
    SWITCHBOARD_PBX_SECRET: secret,
    SWITCHBOARD_PBX_DEMO_USERS: 'off',
    SWITCHBOARD_PBX_RUN_DIR: process.env.SWITCHBOARD_PBX_RUN_DIR ?? join(root, '.data/pbx-cluster'),
  };
  const rpcPort = env.SWITCHBOARD_PBX_RPC_PORT ?? '8089';
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'scripts/pbx.ts')], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let ready = false;
    child.stdout.on('data', (b) => {
      out += String(b);
      const m = /ready: (ws:\/\/\S+)/.exec(out);
      if (!ready && m) {
        ready = true;
        resolve({ child, wsUrl: m[1], rpcUrl: `http://127.0.0.1:${rpcPort}/RPC` });
      }
    });
    child.stderr.on('data', (b) => {
      if (ready) process.stderr.write(b);
      else err += String(b);
    });
    child.on('exit', (code) => {
      if (!ready) resolve({ off: err.trim().split('\n').filter(Boolean).at(-1) ?? `exit code ${code}` });
    });
  });
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const { values } = parseArgs({
    options: {
      nodes: { type: 'string', default: process.env.SWITCHBOARD_NODES ?? '2' },
      db: { type: 'string' },
      port: { type: 'string', default: process.env.SWITCHBOARD_PORT ?? '4000' },
      'no-pbx': { type: 'boolean', default: false },
    },
  });
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 1) throw new Error(`--nodes must be a whole number of at least 1`);
  const port = Number(values.port) || (await freePort());
  // Shared by the nodes and the PBX, so nothing has to be read out of the database first.
  const secret = process.env.SWITCHBOARD_PBX_SECRET ?? randomBytes(24).toString('base64url');
  const pbx = values['no-pbx'] ? { off: '--no-pbx' } : await startPbx(`http://127.0.0.1:${port}`, secret);
  console.log(
    'child' in pbx
      ? `Phone: softphones register at ${pbx.wsUrl}; queues 8001-8003 ring Available agents.`
      : `Phone off: ${pbx.off}`,
  );
  console.log(`Starting PostgreSQL, ${nodes} service nodes and HAProxy…`);
  let cluster;
  let quitting = false;
  const quit = async (code = 0) => {
    if (quitting) return;
    quitting = true;
    cluster?.stop();
    if ('child' in pbx && pbx.child.exitCode === null) {
      // The PBX script stops Kamailio before it exits: wait for it (at most 10 s).
      const gone = new Promise((r) => pbx.child.once('exit', r));
      pbx.child.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
    }
    process.exit(code);
  };
  process.on('SIGINT', () => void quit());
  process.on('SIGTERM', () => void quit());
  try {
    cluster = await startCluster({
      nodes,
      db: values.db,
      port,
      env: { SWITCHBOARD_PBX_SECRET: secret },
      nodeArgs: 'child' in pbx ? ['--pbx-rpc', pbx.rpcUrl, '--pbx-ws', pbx.wsUrl] : [],
      log: (line) => console.log(line),
    });
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    await quit(1);
  }
  for (const [i, n] of cluster.nodes.entries()) console.log(`node${i + 1}: ${n.url} (pid ${n.pid})`);
  console.log(
    `\nSign in to ${cluster.url} (agent01 … agent12, super01, super02, admin; password switchboard).`,
  );
  console.log('Ctrl+C stops all of it.');
  process.on('exit', () => cluster?.stop());
}
