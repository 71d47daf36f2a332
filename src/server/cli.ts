import { parseArgs } from 'node:util';
import { startServer } from './app';

const HELP = `Switchboard central service

Usage: npm run server -- [--port N] [--host ADDR] [--db FILE] [--seed demo|none]
  --port   port to listen on (env SWITCHBOARD_PORT, default 4000)
  --host   address to listen on (env SWITCHBOARD_HOST, default 127.0.0.1)
  --db     SQLite database file (env SWITCHBOARD_DB, default .data/server.sqlite)
  --seed   demo: load the demo data set into a new database (env SWITCHBOARD_SEED, default demo)
Env SWITCHBOARD_JWT_SECRET sets the token signing secret (otherwise kept in <db>.jwt-secret).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const portText = values.port ?? process.env.SWITCHBOARD_PORT ?? '4000';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`The port must be 0-65535, got "${portText}".`);
  const seed = values.seed ?? process.env.SWITCHBOARD_SEED ?? 'demo';
  if (seed !== 'demo' && seed !== 'none') throw new Error(`--seed must be demo or none, got "${seed}".`);

  const server = await startServer({
    port,
    host: values.host ?? process.env.SWITCHBOARD_HOST ?? '127.0.0.1',
    dbPath: values.db ?? process.env.SWITCHBOARD_DB ?? '.data/server.sqlite',
    seed,
  });
  console.log(`Switchboard server listening on ${server.url}`);

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(`Switchboard server failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
