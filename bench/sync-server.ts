/**
 * The central service for bench:sync, in its own process as in production, so its work does not share the
 * desktops' event loop. Forked by bench/sync.ts (and bench/fanout.ts) with an IPC channel: argv is the store
 * (a SQLite file or a postgres:// URL, as for `--db`) and the port, the signing secret and token lifetime come
 * in env; it answers `{ url, port }` once listening and closes cleanly on the message 'close'.
 */
import { startServer } from '../src/server/app';

const [store, portText] = process.argv.slice(2);
if (!store || !process.send) throw new Error('bench/sync-server.ts is forked by bench/sync.ts');

const server = await startServer({
  port: Number(portText ?? 0),
  dbPath: store,
  seed: 'none',
  jwtSecret: process.env['BENCH_JWT_SECRET'],
  accessTokenTtlSeconds: Number(process.env['BENCH_TTL_SECONDS'] ?? 3600),
  log: () => {},
});
process.send({ url: server.url, port: server.port });
process.on('message', (m) => {
  // The CPU this process has used (ms), so the bench can tell its own work from a busy machine's.
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send!({ cpuMs: (user + system) / 1000 });
    return;
  }
  if (m !== 'close') return;
  void server.close().then(() => process.exit(0));
});
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
