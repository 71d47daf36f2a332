// A throwaway PostgreSQL cluster on loopback, for tests and for running the service on PostgreSQL by hand.
//
//   node scripts/postgres.mjs            starts one, prints its URL, and removes it all on Ctrl+C
//   import { startPostgres } from './scripts/postgres.mjs'   the same from code (the test harness uses it)
//
// Debian's postgresql-15 binaries (not on PATH) are used directly: initdb into a fresh folder, postgres on a
// free 127.0.0.1 port with its socket in that folder, no system service touched. initdb refuses to run as root,
// so as root the cluster runs as the `postgres` user (the package creates it). Trust authentication is safe
// here only because the port is on loopback and the cluster lives as long as its run.
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.mjs';

const VERSIONS = ['17', '16', '15'];

/** The folder of Debian's PostgreSQL binaries (or PG_BIN), newest version first. */
export function postgresBinDir() {
  const candidates = [process.env.PG_BIN, ...VERSIONS.map((v) => `/usr/lib/postgresql/${v}/bin`)];
  const found = candidates.find((dir) => dir && existsSync(join(dir, 'initdb')));
  if (!found)
    throw new Error(
      'PostgreSQL binaries not found: install them (apt-get install -y postgresql-15, or `npm run system-deps`) ' +
        'or set PG_BIN to the folder holding initdb and pg_ctl.',
    );
  return found;
}

/** Runs a binary as the cluster's owner: `postgres` when we are root (initdb refuses root), else ourselves. */
function asOwner(bin, args, opts = {}) {
  const root = process.getuid?.() === 0;
  const [cmd, argv] = root ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args];
  return spawnSync(cmd, argv, { encoding: 'utf8', ...opts });
}

/**
 * Starts a fresh cluster; resolves to { url, port, dir, stop() }. The URL names the `postgres` database as the
 * `switchboard` superuser; `createDatabase(url, name)` below makes one database per test server.
 * opts.dir: where to make the cluster (default a new temp folder), removed by stop() unless opts.keep.
 */
export async function startPostgres(opts = {}) {
  const bin = postgresBinDir();
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'switchboard-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gids = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (ids.status !== 0)
      throw new Error(
        'Running as root needs the `postgres` user (apt-get install -y postgresql-15 creates it).',
      );
    chownSync(dir, Number(ids.stdout.trim()), Number(gids.stdout.trim()));
  }
  // C collation and UTF-8: text sorts bytewise, as it does in SQLite, so both stores order rows alike.
  const init = asOwner(join(bin, 'initdb'), [
    '-D',
    data,
    '-U',
    'switchboard',
    '--auth=trust',
    '--encoding=UTF8',
    '--locale=C',
    '--no-sync',
  ]);
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  const port = opts.port ?? (await freePort());
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    // A throwaway cluster: durability is not its job, and fsync on a shared test machine is most of the cost.
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    `-c max_connections=${opts.maxConnections ?? 300}`,
  ].join(' ');
  const log = join(dir, 'postgres.log');
  const start = asOwner(join(bin, 'pg_ctl'), ['-D', data, '-o', settings, '-l', log, '-w', 'start']);
  if (start.status !== 0) {
    const tail = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`PostgreSQL did not start: ${start.stderr || start.stdout}\n${tail}`);
  }
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']);
    if (!opts.keep) rmSync(dir, { recursive: true, force: true });
  };
  return { url: `postgres://switchboard@127.0.0.1:${port}/postgres`, port, dir, stop };
}

/** The URL of database `name` on the cluster of `url` (same server and user). */
export function databaseUrl(url, name) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const pg = await startPostgres();
  const app = databaseUrl(pg.url, 'switchboard');
  // createdb through psql would need another binary; the pg driver is already a dependency.
  const { default: pgDriver } = await import('pg');
  const admin = new pgDriver.Client({ connectionString: pg.url });
  await admin.connect();
  await admin.query('CREATE DATABASE switchboard');
  await admin.end();
  console.log(`PostgreSQL ${pg.port} in ${pg.dir}`);
  console.log(`SWITCHBOARD_DB=${app}`);
  console.log('Ctrl+C stops it and removes its folder.');
  const quit = () => {
    pg.stop();
    process.exit(0);
  };
  process.on('SIGINT', quit);
  process.on('SIGTERM', quit);
  process.on('exit', () => pg.stop());
  setInterval(() => {}, 1 << 30);
}
