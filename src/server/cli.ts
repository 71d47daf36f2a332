import { parseArgs } from 'node:util';
import { startServer } from './app';
import { describeLocation } from './db/open';
import { rpcPbxController } from './voice/credentials';

const HELP = `Switchboard central service

Usage: npm run server -- [--port N] [--host ADDR] [--db FILE] [--seed demo|none]
  --port   port to listen on (env SWITCHBOARD_PORT, default 4000)
  --host   address to listen on (env SWITCHBOARD_HOST, default 127.0.0.1)
  --db     the store: a SQLite database file, or a PostgreSQL URL postgres://user:password@host:port/database
           (env SWITCHBOARD_DB, default .data/server.sqlite). Several nodes may share one PostgreSQL database.
  --seed   demo: load the demo data set into a new database (env SWITCHBOARD_SEED, default demo)
  --pbx-rpc  Kamailio JSON-RPC URL (e.g. http://127.0.0.1:8089/RPC from npm run pbx; env SWITCHBOARD_PBX_RPC_URL):
             agents' SIP credentials are pushed there at start and on rotation
  --pbx-ws   SIP over WebSocket URL given to softphones (env SWITCHBOARD_PBX_WS_URL, default ws://127.0.0.1:8088)
  --pbx-domain  SIP domain (env SWITCHBOARD_PBX_DOMAIN, default 127.0.0.1)
Support mail (email, issue 13):
  --smtp-port N    SMTP listener for the support mailboxes (env SWITCHBOARD_SMTP_PORT; off unless given; npm start: 2525)
  --smtp-host ADDR its address (env SWITCHBOARD_SMTP_HOST, default 127.0.0.1; put the organisation's MX in front)
  --smtp-relay HOST:PORT  where agents' replies go out (env SWITCHBOARD_SMTP_RELAY; a mailbox may name its own);
                   without one, replies wait in the outbox
  --smtp-max-bytes N  largest mail taken (env SWITCHBOARD_SMTP_MAX_BYTES, default 26214400)
Sign-in throttling (per user name, and per client address for the --login-address-* ones):
  --login-delay-after N          failures of a name before each try waits, doubling (env SWITCHBOARD_LOGIN_DELAY_AFTER, default 3)
  --login-lockout-after N        failures of a name that lock it (env SWITCHBOARD_LOGIN_LOCKOUT_AFTER, default 10)
  --login-address-delay-after N  (env SWITCHBOARD_LOGIN_ADDRESS_DELAY_AFTER, default 10)
  --login-address-lockout-after N  (env SWITCHBOARD_LOGIN_ADDRESS_LOCKOUT_AFTER, default 50)
  --login-delay-seconds N        the first wait (env SWITCHBOARD_LOGIN_DELAY_SECONDS, default 1)
  --login-lockout-minutes N      how long a lockout lasts (env SWITCHBOARD_LOGIN_LOCKOUT_MINUTES, default 15)
Env SWITCHBOARD_JWT_SECRET sets the token signing secret (otherwise kept in <db>.jwt-secret; on PostgreSQL in
  the database's server_secrets table, shared by every node).
Env SWITCHBOARD_PBX_SECRET: routing requests and call events must carry it in x-switchboard-pbx-secret;
  without it one is generated once and kept in <db>.pbx-secret (owner-only; on PostgreSQL in server_secrets):
  give the PBX its contents.
Env SWITCHBOARD_AUDIT_KEY: the audit trail's Ed25519 signing key (PEM; made on first start, owner-only; default
  <db>.audit-key.pem, or .data/audit-key.pem for PostgreSQL: give every node the same file). Its public key
  (.pub) and the anchors file (audit-anchors.jsonl) sit beside it; keep both out of the database's reach.
  SWITCHBOARD_AUDIT_CHECKPOINT_RECORDS / _SECONDS: a signed checkpoint every N records (default 1000) or
  T seconds (default 10). Verify with: npm run audit:verify -- --db <store>`;

/** A whole number of at least 1 from a flag or its environment variable, or undefined for the default. */
function count(flag: string, value: string | undefined, env: string): number | undefined {
  const text = value ?? process.env[env];
  if (text === undefined || text === '') return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`--${flag} (env ${env}) must be a whole number of at least 1, got "${text}".`);
  return n;
}

// email (issue 13): the --smtp-* options.
function emailOptions(values: Record<string, string | boolean | undefined>) {
  const text = (flag: string, env: string) => (values[flag] as string | undefined) ?? process.env[env];
  const portText = text('smtp-port', 'SWITCHBOARD_SMTP_PORT');
  let smtpPort: number | undefined;
  if (portText !== undefined && portText !== '') {
    smtpPort = Number(portText);
    if (!Number.isInteger(smtpPort) || smtpPort < 0 || smtpPort > 65535)
      throw new Error(`--smtp-port (env SWITCHBOARD_SMTP_PORT) must be 0-65535, got "${portText}".`);
  }
  const relayText = text('smtp-relay', 'SWITCHBOARD_SMTP_RELAY');
  let relay: { host: string; port: number } | undefined;
  if (relayText) {
    const m = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(relayText);
    const port = m ? Number(m[2]) : 0;
    if (!m || port < 1 || port > 65535)
      throw new Error(
        `--smtp-relay (env SWITCHBOARD_SMTP_RELAY) must be HOST:PORT, e.g. mail.example.com:25, got "${relayText}".`,
      );
    relay = { host: m[1]!.replace(/^\[|\]$/g, ''), port };
  }
  return {
    smtpPort,
    smtpHost: text('smtp-host', 'SWITCHBOARD_SMTP_HOST') || undefined,
    relay,
    maxMessageBytes: count(
      'smtp-max-bytes',
      values['smtp-max-bytes'] as string | undefined,
      'SWITCHBOARD_SMTP_MAX_BYTES',
    ),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      db: { type: 'string' },
      seed: { type: 'string' },
      'pbx-rpc': { type: 'string' },
      'pbx-ws': { type: 'string' },
      'pbx-domain': { type: 'string' },
      'login-delay-after': { type: 'string' },
      'login-lockout-after': { type: 'string' },
      'login-address-delay-after': { type: 'string' },
      'login-address-lockout-after': { type: 'string' },
      'login-delay-seconds': { type: 'string' },
      'login-lockout-minutes': { type: 'string' },
      // email (issue 13)
      'smtp-port': { type: 'string' },
      'smtp-host': { type: 'string' },
      'smtp-relay': { type: 'string' },
      'smtp-max-bytes': { type: 'string' },
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

  const pbxRpc = values['pbx-rpc'] ?? process.env.SWITCHBOARD_PBX_RPC_URL;
  const pbx = pbxRpc
    ? rpcPbxController({
        rpcUrl: pbxRpc,
        wsUrl: values['pbx-ws'] ?? process.env.SWITCHBOARD_PBX_WS_URL ?? 'ws://127.0.0.1:8088',
        domain: values['pbx-domain'] ?? process.env.SWITCHBOARD_PBX_DOMAIN ?? '127.0.0.1',
      })
    : undefined;

  const flag = (name: keyof typeof values & string, env: string) =>
    count(name, values[name] as string | undefined, env);
  const lockoutMinutes = flag('login-lockout-minutes', 'SWITCHBOARD_LOGIN_LOCKOUT_MINUTES');
  const dbPath = values.db ?? process.env.SWITCHBOARD_DB ?? '.data/server.sqlite';
  console.log(`Switchboard store: ${describeLocation(dbPath)}`);
  const server = await startServer({
    pbx,
    loginThrottle: {
      account: {
        delayAfter: flag('login-delay-after', 'SWITCHBOARD_LOGIN_DELAY_AFTER'),
        lockoutAfter: flag('login-lockout-after', 'SWITCHBOARD_LOGIN_LOCKOUT_AFTER'),
      },
      address: {
        delayAfter: flag('login-address-delay-after', 'SWITCHBOARD_LOGIN_ADDRESS_DELAY_AFTER'),
        lockoutAfter: flag('login-address-lockout-after', 'SWITCHBOARD_LOGIN_ADDRESS_LOCKOUT_AFTER'),
      },
      baseDelaySeconds: flag('login-delay-seconds', 'SWITCHBOARD_LOGIN_DELAY_SECONDS'),
      lockoutSeconds: lockoutMinutes === undefined ? undefined : lockoutMinutes * 60,
    },
    port,
    host: values.host ?? process.env.SWITCHBOARD_HOST ?? '127.0.0.1',
    dbPath,
    seed,
    email: emailOptions(values), // email (issue 13)
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
