import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { SYNC_SOCKET_MAX_BYTES } from '../shared';
import { AuthService } from './auth/auth-service';
import { loadSigningSecret } from './auth/signing-secret';
import { DEFAULT_ACCESS_TTL_SECONDS } from './auth/tokens';
import { openSqlite } from './db/dialect-sqlite';
import { migrateToLatest } from './db/migrate';
import { seedDemo } from './demo/seed-demo';
import { bearerUser, createApi } from './http/api';
import { attachSync } from './sync/sync-socket';
import { ensureSipAccounts, pushSipAccounts, type PbxController } from './voice/credentials';
import { watchPbx } from './voice/pbx-watchdog';
import { routeRequestHandler, voiceRouter } from './voice/voice-api';
import { VoiceService, type VoiceOptions } from './voice/voice-service';
import { attachVoice } from './voice/voice-socket';

export interface StartServerOptions {
  /** 0 picks a free port; default 4000. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** SQLite file (created with its folder if missing), or ':memory:'. */
  dbPath: string;
  /** demo: load the demo data set when the database has no users yet. Default none. */
  seed?: 'demo' | 'none';
  /** Access token lifetime; default 15 minutes. */
  accessTokenTtlSeconds?: number;
  /** Token signing secret; by default generated once and kept in `<dbPath>.jwt-secret` (mode 0600). */
  jwtSecret?: string;
  log?: (line: string) => void;
  /** Injected clock for tests of expiry; default the real time. */
  now?: () => Date;
  /** The PBX (e.g. startKamailio's controller): every agent's SIP credentials are pushed into it at start and on rotation. */
  pbx?: PbxController;
  /** How often the PBX is checked for lost SIP users (a restart) and given them again; default 3000 ms. */
  pbxCheckMs?: number;
  /** Shared secret the PBX sends in x-switchboard-pbx-secret; without one, routing answers loopback callers only. */
  pbxSecret?: string;
  /** Agent state timings (Offline grace period, wrap-up limit). */
  voice?: VoiceOptions;
}

export interface RunningServer {
  url: string;
  port: number;
  /** Agent states and routing (for benchmarks and diagnostics). */
  voice: VoiceService;
  close(): Promise<void>;
}

/** Starts the central service: REST under /api and socket.io sync on the same port. */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const now = opts.now ?? (() => new Date());
  const db = openSqlite(opts.dbPath);
  try {
    await migrateToLatest(db);
    if (opts.seed === 'demo') {
      const seeded = await seedDemo(db, { now: now() });
      if (seeded) log(`Demo data loaded in ${seeded.ms} ms (${seeded.tickets} tickets).`);
    }
  } catch (e) {
    await db.destroy();
    throw e;
  }

  const secret = loadSigningSecret(opts.dbPath, opts.jwtSecret ?? process.env.SWITCHBOARD_JWT_SECRET);
  const auth = new AuthService(db, secret, opts.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TTL_SECONDS, now);
  let voice: VoiceService;
  try {
    const accounts = await ensureSipAccounts(db, now());
    if (opts.pbx) {
      await pushSipAccounts(opts.pbx, accounts);
      log(`SIP credentials of ${accounts.length} agents pushed to the PBX.`);
    }
    voice = new VoiceService(db, now, log, opts.voice);
    await voice.load();
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const watchdog = opts.pbx
    ? watchPbx({ db, pbx: opts.pbx, intervalMs: opts.pbxCheckMs ?? 3000, now, log })
    : { stop() {} };
  const routers = [
    voiceRouter({
      db,
      voice,
      pbx: opts.pbx,
      pbxSecret: opts.pbxSecret ?? process.env.SWITCHBOARD_PBX_SECRET,
      now,
      bearerUser: (req) => bearerUser(auth, req),
    }),
  ];
  const api = createApi({ db, auth, log, routers });
  const routeRequest = routeRequestHandler({
    voice,
    pbxSecret: opts.pbxSecret ?? process.env.SWITCHBOARD_PBX_SECRET,
    log,
  });
  const http = createServer((req, res) => {
    if (!routeRequest(req, res)) api(req, res);
  });
  // The cap sits far above what one push may carry, so an oversize push is answered (sync-socket.ts).
  const io = new SocketServer(http, { serveClient: false, maxHttpBufferSize: SYNC_SOCKET_MAX_BYTES });
  const sync = attachSync(io, { db, auth, now, log, beforePull: () => voice.flush(), liveCalls: voice });
  attachVoice(io, { voice, auth, log });
  // Call records change in bursts (ringing, answered, ended): replicas are poked once per burst.
  const pokeDepartments = new Set<string>();
  let pokeTimer: NodeJS.Timeout | undefined;
  voice.onInteractions = (departmentId) => {
    pokeDepartments.add(departmentId);
    pokeTimer ??= setTimeout(() => {
      pokeTimer = undefined;
      const departments = [...pokeDepartments];
      pokeDepartments.clear();
      sync.poke(departments).catch((e: unknown) => log(`poke failed: ${String(e)}`));
    }, 25);
  };

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 4000, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    voice,
    close: async () => {
      // io.close closes the HTTP server too; only then is it safe to close the database under it.
      clearTimeout(pokeTimer);
      watchdog.stop();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await voice.close();
      await db.destroy();
    },
  };
}
