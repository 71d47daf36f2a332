import { sql } from 'kysely';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import { SYNC_SOCKET_MAX_BYTES, type Ack } from '../shared';
import { adminRouter } from './admin/admin-api';
import { auditRouter } from './audit/audit-api';
import { AuditChainer } from './audit/chainer';
import { auditKeyPaths, ephemeralAuditSigner, loadAuditSigner, type AuditSigner } from './audit/keys';
import { AuthService } from './auth/auth-service';
import {
  checkThrottleOptions,
  DEFAULT_LOGIN_THROTTLE,
  type LoginThrottleOptions,
  type ThrottleRule,
} from './auth/login-throttle';
import {
  loadPbxSecret,
  loadSigningSecret,
  pbxSecretNotice,
  secretInDatabase,
  type PbxSecret,
} from './auth/signing-secret';
import { DEFAULT_ACCESS_TTL_SECONDS } from './auth/tokens';
import { migrateToLatest } from './db/migrate';
import type { Db } from './db/schema';
import { describeLocation, isPostgresUrl, openDatabase } from './db/open';
import { seedDemo } from './demo/seed-demo';
import { getWorkflow } from './admin/admin-store';
import type { RecomputeTuning } from './sla/recompute';
import { SlaService } from './sla/sla-service';
import { closeSolvedTickets } from './tickets/auto-close';
import { bearerUser, createApi } from './http/api';
import { postgresFanOut } from './sync/fan-out';
import { attachSync } from './sync/sync-socket';
import { ensureSipAccounts, pushSipAccounts, type PbxController } from './voice/credentials';
import { watchPbx } from './voice/pbx-watchdog';
import { routeRequestHandler, voiceRouter } from './voice/voice-api';
import { VoiceService, type VoiceOptions } from './voice/voice-service';
import { attachVoice, clusterEventRouter } from './voice/voice-socket';
import { clusterRouter, loggedCallRouter, VoiceCluster, waitingRouter } from './voice/voice-cluster';
import { waitingApi, type WaitingApi } from './voice/waiting-api';
// Intake (issue 13): messaging webhooks, API keys, customer merge.
import { startIntake, type Intake, type IntakeOptions } from './intake';
// Web chat (issue 13, chat area).
import { chatRequestHandler } from './chat/chat-http';
import { ChatService, type ChatOptions } from './chat/chat-service';
import { attachVisitorSocket } from './chat/visitor-socket';
// Knowledge base (issue 13, kb helper).
import { kbRouter } from './kb/kb-api';
import { ReportAggregator, reportsRouter, serviceTimeZone } from './reports'; // reports (issue 14)
import { KbService } from './kb/kb-service';
import { answersRouter, AnswersService } from './answers'; // suggested answers (issue 15, answers helper)
import { describeLlm, llmConfigFromEnv, type LlmConfig } from './llm/config'; // optional LLM stage (issue 15)
// Voice of the customer (issue 14, voc helper).
import { vocRouter } from './voc/voc-api';
import { VocService } from './voc/voc-service';
// Triage (issue 15, triage helper).
import { TriageService, triageRouter } from './triage';
// email (issue 13)
import { emailRouters, openAttachments, startEmail, type EmailOptions, type RunningEmail } from './email';
import { ensureDemoMailboxes } from './email/mailbox-store';
// Chat routing (issue 13, chat-routing helper): offers, the desktops' chat events, transcripts, canned, the bot.
import { cannedRouter, startChatRouting, type ChatRouting, type ChatRoutingOptions } from './chat-routing';
// Supervisors (issue 14, monitor helper): the live view, wallboards, messages.
import { startSupervisor, wallboardRouter, type Supervisor, type SupervisorOptions } from './supervisor';
// Wallboard page (issue 14, wallboard helper): the TV page at /wallboard.
import { wallboardPageHandler } from './wallboard-page/wallboard-page';
// Quality review (issue 15, quality helper): automatic checks, samples, reviews.
import { startQuality, type QualityService } from './quality';

export interface StartServerOptions {
  /** 0 picks a free port; default 4000. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The store: a SQLite file (created with its folder if missing), ':memory:', or a postgres:// URL. On
   * PostgreSQL the signing and PBX secrets, when not given, live in the database (every node shares them).
   */
  dbPath: string;
  /** demo: load the demo data set when the database has no users yet. Default none. */
  seed?: 'demo' | 'none';
  /** Access token lifetime; default 15 minutes. */
  accessTokenTtlSeconds?: number;
  /** Token signing secret; by default generated once and kept in `<dbPath>.jwt-secret` (mode 0600). */
  jwtSecret?: string;
  log?: (line: string) => void;
  /** Days after which solved tickets are closed; default the admin's workflow setting (7 unless changed). */
  closeSolvedAfterDays?: number;
  /** How often solved tickets are checked for closing; default hourly (the first check within 5 minutes). */
  closeSolvedEveryMs?: number;
  /** Injected clock for tests of expiry; default the real time. */
  now?: () => Date;
  /** The PBX (e.g. startKamailio's controller): every agent's SIP credentials are pushed into it at start and on rotation. */
  pbx?: PbxController;
  /** How often the PBX is checked for lost SIP users (a restart) and given them again; default 3000 ms. */
  pbxCheckMs?: number;
  /**
   * Shared secret the PBX sends in x-switchboard-pbx-secret with routing requests and call events (default
   * SWITCHBOARD_PBX_SECRET, else generated once and kept in `<dbPath>.pbx-secret`, mode 0600; an in-memory
   * database without one refuses every PBX request). The PBX endpoints never answer without it.
   */
  pbxSecret?: string;
  /**
   * Sign-in throttling per user name and per client address (auth/login-throttle.ts); each setting defaults
   * to DEFAULT_LOGIN_THROTTLE: waits doubling from 1 s after 3 failures of a name, a 15-minute lockout
   * after 10 (after 10 and 50 for an address).
   */
  loginThrottle?: {
    account?: Partial<ThrottleRule>;
    address?: Partial<ThrottleRule>;
    baseDelaySeconds?: number;
    lockoutSeconds?: number;
  };
  /** Agent state timings (Offline grace period, wrap-up limit). */
  voice?: VoiceOptions;
  /** PostgreSQL: how often a node tries to take call routing over from a dead owner (default 1 s). */
  voiceLockRetryMs?: number;
  /**
   * The audit trail's signed checkpoints (audit/README.md). keyPath: the Ed25519 key's PEM file (default
   * SWITCHBOARD_AUDIT_KEY, else `<db>.audit-key.pem`, or .data/audit-key.pem for PostgreSQL; made on first
   * start). A checkpoint every `checkpointEvery` records (env SWITCHBOARD_AUDIT_CHECKPOINT_RECORDS, default
   * 1,000) or `checkpointSeconds` (env SWITCHBOARD_AUDIT_CHECKPOINT_SECONDS, default 10), whichever is first.
   */
  audit?: { keyPath?: string; checkpointEvery?: number; checkpointSeconds?: number };
  /**
   * The SLA sweeper (sla/sla-service.ts): every `sweepEveryMs` (default 30 s; 0: only when `sla.sweep()` is
   * called), the first `firstSweepMs` after start (default 5 s).
   */
  sla?: { sweepEveryMs?: number; firstSweepMs?: number; recompute?: RecomputeTuning };
  /** Intake (issue 13): API rate limits and how often queued messaging replies are delivered (src/server/intake). */
  intake?: IntakeOptions;
  /** Web chat (issue 13, chat area): rate limits, the demo site, where the widget bundle is (chat/README.md). */
  chat?: ChatOptions;
  // email (issue 13)
  /**
   * Support mail (src/server/email): `smtpPort` starts the SMTP listener (off unless given); replies to email
   * tickets go out through `relay` (or a mailbox's own). Files kept with comments live in `dataDir`/attachments
   * (default: beside the SQLite file; .data for PostgreSQL).
   */
  email?: EmailOptions;
  dataDir?: string;
  /** Chat routing (issue 13, chat-routing helper): capacity, offer timeout, grace period, bot threshold. */
  chatRouting?: ChatRoutingOptions & { botMinScore?: number; bot?: boolean };
  /** Supervisors (issue 14, monitor helper): the live view's time zone and push window. */
  supervisor?: SupervisorOptions;
  /**
   * Reports (issue 14, src/server/reports): the service's time zone (default SWITCHBOARD_TIME_ZONE, else
   * Asia/Shanghai) and how often the aggregates catch up in the background (default 5 s; 0: before reports only).
   */
  reports?: { timeZone?: string; catchUpEveryMs?: number };
  /** Quality review (issue 15): how often the checks follow the change log and the sample is topped up. */
  quality?: { followEveryMs?: number; sampleEveryMs?: number };
  /** The optional LLM stage (issue 15, src/server/llm): default from SWITCHBOARD_LLM_* (off without a URL). */
  llm?: LlmConfig | null;
  /**
   * Triage (issue 15, src/server/triage): the shipped labelled set (default data/triage or TRIAGE_DATA_DIR) and
   * how often a node looks whether a scheduled retraining is due (default 10 minutes; 0: never).
   */
  triage?: { dataDir?: string; checkEveryMs?: number; llmCheckEveryMs?: number };
}

export interface RunningServer {
  url: string;
  port: number;
  /** Agent states and routing (for benchmarks and diagnostics). */
  voice: VoiceService;
  /** Callers waiting in queues (issue 14, queue helper): the live view's API, the same on every node. */
  waiting: WaitingApi;
  /** SLA sweeps and recomputes (for tests and diagnostics: sweep now, wait until idle). */
  sla: SlaService;
  /** Intake (issue 13): deliver queued messaging replies now (tests, diagnostics). */
  intake: Pick<Intake, 'deliverDue'>;
  /** Web chat sessions: the agent side's API (chat/README.md). */
  chat: ChatService;
  /** Knowledge base (issue 13, kb helper): kb.searchPublicArticles(query, lang) for the web-chat bot. */
  kb: KbService;
  /** Suggested answers (issue 15, answers helper): beside tickets and chats. */
  answers: AnswersService;
  /** email (issue 13): the SMTP listener's port (null: off) and the reply outbox (send what is due now). */
  email: RunningEmail;
  /** Chat routing (issue 13, chat-routing helper): sweep() handles expired offers and grace periods now. */
  chatRouting: ChatRouting;
  /** Supervisors (issue 14, monitor helper): this node's live view. */
  supervisor: Supervisor;
  /** Reports (issue 14): catchUp() brings the aggregates up to date now. */
  reports: ReportAggregator;
  /** Quality review (issue 15): fresh() checks what ended since; sample() draws now. */
  quality: QualityService;
  close(): Promise<void>;
}

/** Starts the central service: REST under /api and socket.io sync on the same port. */
export async function startServer(opts: StartServerOptions): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const now = opts.now ?? (() => new Date());
  const db = openDatabase(opts.dbPath);
  try {
    if (isPostgresUrl(opts.dbPath)) await reachPostgres(db, opts.dbPath, log);
    await migrateToLatest(db);
    if (opts.seed === 'demo') {
      const seeded = await seedDemo(db, { now: now() });
      if (seeded) log(`Demo data loaded in ${seeded.ms} ms (${seeded.tickets} tickets).`);
    }
  } catch (e) {
    await db.destroy();
    throw e;
  }

  let auth: AuthService;
  let pbxSecret: string | undefined;
  try {
    const configuredJwt = opts.jwtSecret ?? process.env.SWITCHBOARD_JWT_SECRET;
    const configuredPbx = opts.pbxSecret ?? process.env.SWITCHBOARD_PBX_SECRET;
    const pg = isPostgresUrl(opts.dbPath);
    const secret =
      pg && !configuredJwt
        ? new TextEncoder().encode((await secretInDatabase(db, 'jwt')).secret)
        : loadSigningSecret(opts.dbPath, configuredJwt);
    auth = new AuthService(
      db,
      secret,
      opts.accessTokenTtlSeconds ?? DEFAULT_ACCESS_TTL_SECONDS,
      now,
      throttleOptions(opts.loginThrottle),
    );
    const pbxKey: PbxSecret =
      pg && !configuredPbx
        ? { source: 'database', ...(await secretInDatabase(db, 'pbx')) }
        : loadPbxSecret(opts.dbPath, configuredPbx);
    pbxSecret = pbxKey.source === 'none' ? undefined : pbxKey.secret;
    const notice = pbxSecretNotice(pbxKey);
    if (notice) log(notice);
  } catch (e) {
    await db.destroy();
    throw e;
  }
  let auditSigner: AuditSigner;
  try {
    auditSigner =
      opts.dbPath === ':memory:' && !opts.audit?.keyPath && !process.env.SWITCHBOARD_AUDIT_KEY
        ? ephemeralAuditSigner()
        : loadAuditSigner(
            auditKeyPaths(opts.dbPath, opts.audit?.keyPath ?? process.env.SWITCHBOARD_AUDIT_KEY),
          );
  } catch (e) {
    await db.destroy();
    throw e;
  }
  const envCount = (name: string) => {
    const n = Number(process.env[name]);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  };
  if (auditSigner.anchorsPath)
    log(
      `Audit checkpoints signed with key ${auditSigner.keyId} (public key beside it, and at GET /api/audit/public-key); ` +
        `anchored in ${auditSigner.anchorsPath}.`,
    );
  const chainer = new AuditChainer(db, {
    signer: auditSigner,
    checkpointEvery: opts.audit?.checkpointEvery ?? envCount('SWITCHBOARD_AUDIT_CHECKPOINT_RECORDS'),
    checkpointSeconds: opts.audit?.checkpointSeconds ?? envCount('SWITCHBOARD_AUDIT_CHECKPOINT_SECONDS'),
    now,
    log,
  });
  let voice: VoiceService;
  try {
    const accounts = await ensureSipAccounts(db, now());
    if (opts.pbx) {
      await pushSipAccounts(opts.pbx, accounts);
      log(`SIP credentials of ${accounts.length} agents pushed to the PBX.`);
    }
    voice = new VoiceService(db, now, log, opts.voice);
    // PostgreSQL: one node of those sharing the database owns routing (voice/voice-cluster.ts).
    if (isPostgresUrl(opts.dbPath)) await voice.loadPassive();
    else await voice.load();
  } catch (e) {
    await chainer.close();
    await db.destroy();
    throw e;
  }
  const watchdog = opts.pbx
    ? watchPbx({ db, pbx: opts.pbx, intervalMs: opts.pbxCheckMs ?? 3000, now, log })
    : { stop() {} };
  const cluster = isPostgresUrl(opts.dbPath)
    ? new VoiceCluster({
        dbUrl: opts.dbPath,
        voice,
        secret: pbxSecret,
        log,
        lockRetryMs: opts.voiceLockRetryMs,
      })
    : undefined;
  // Intake (issue 13): its webhooks read raw bodies, so it answers /api/intake/* before the REST API parses them.
  const intake = startIntake({
    db,
    now,
    log,
    bearerUser: (req) => bearerUser(auth, req),
    // Routes run once the server listens, by when `sync` exists.
    poke: (departments) =>
      void sync.poke(departments).catch((e: unknown) => log(`poke failed: ${String(e)}`)),
    options: opts.intake,
  });
  // Knowledge base (issue 13, kb helper): its index catches up with other nodes' changes before each search.
  const kb = new KbService({ db, now });
  // Built in the background now rather than by the first search (10,000 articles take seconds to segment).
  kb.index.fresh().catch((e: unknown) => log(`knowledge base index not built yet: ${String(e)}`));
  // Suggested answers (issue 15, answers helper) and the optional LLM stage (never required, key never logged).
  const llm = opts.llm !== undefined ? opts.llm : llmConfigFromEnv(process.env);
  log(describeLlm(llm));
  const answers = new AnswersService({ db, kb, llm: () => llm, log });
  // The solved tickets' index is built in the background now, a hundred tickets per turn of the event loop.
  answers.tickets.fresh().catch((e: unknown) => log(`solved-ticket index not built yet: ${String(e)}`));
  // Voice of the customer (issue 14, voc helper): its index follows the change log; requests catch up first, and
  // a timer keeps it close behind so they find little to do (a first start indexes what is already there).
  const voc = new VocService(db);
  const vocCatchUp = () =>
    void voc.index.fresh().catch((e: unknown) => log(`voice-of-the-customer index behind: ${String(e)}`));
  vocCatchUp();
  const vocTimer = setInterval(vocCatchUp, 10_000);
  vocTimer.unref();
  // email (issue 13): where kept files live, made before the routes that serve them.
  const attachments = openAttachments(opts.dbPath, opts.email, opts.dataDir);
  // Reports (issue 14): the aggregates follow change_log and the agent state log (reports/README.md).
  const reportZone = serviceTimeZone(opts.reports?.timeZone);
  const reports = new ReportAggregator({ db, now, log, timeZone: reportZone });
  reports.start(opts.reports?.catchUpEveryMs);
  // Quality review (issue 15, quality helper): follows the change log like the VOC index.
  const quality = startQuality({
    db,
    now,
    log,
    bearerUser: (req) => bearerUser(auth, req),
    ...opts.quality,
  });
  // Triage (issue 15): the first start of an installation trains model version 1 before tickets arrive.
  const triage = new TriageService({
    db,
    now,
    log,
    dataDir: opts.triage?.dataDir,
    checkEveryMs: opts.triage?.checkEveryMs,
    llm: () => llm,
    // Called on timers once the server listens, by when `sync` exists.
    poke: (departments) =>
      void sync.poke(departments).catch((e: unknown) => log(`poke failed: ${String(e)}`)),
    llmCheckEveryMs: opts.triage?.llmCheckEveryMs,
  });
  await triage.start();
  const routers = [
    quality.router, // quality review (issue 15)
    // Triage (issue 15): the model for offline triage, settings, retraining, accuracy, the queue, confirmation.
    triageRouter({
      db,
      now,
      triage,
      bearerUser: (req) => bearerUser(auth, req),
      poke: (departments) =>
        void sync.poke(departments).catch((e: unknown) => log(`poke failed: ${String(e)}`)),
    }),
    intake.router,
    reportsRouter({
      db,
      aggregator: reports,
      bearerUser: (req) => bearerUser(auth, req),
      now,
      timeZone: reportZone,
      // Routes run once the server listens, by when `sync` exists.
      poke: (departments) =>
        void sync.poke(departments).catch((e: unknown) => log(`poke failed: ${String(e)}`)),
    }),
    kbRouter({ kb, bearerUser: (req) => bearerUser(auth, req) }),
    answersRouter({ answers, bearerUser: (req) => bearerUser(auth, req) }), // suggested answers (issue 15)
    vocRouter({ voc, bearerUser: (req) => bearerUser(auth, req) }), // voice of the customer (issue 14)
    // Chat routing (issue 13, chat-routing helper): canned responses over REST.
    cannedRouter({ db, now, bearerUser: (req) => bearerUser(auth, req) }),
    // Supervisors (issue 14): wallboard tokens and the board's config. Routes run once `supervisor` exists.
    wallboardRouter({
      db,
      now,
      bearerUser: (req) => bearerUser(auth, req),
      disconnect: (id) => supervisor.disconnectWallboard(id),
    }),
    auditRouter({ db, chainer, signer: auditSigner, bearerUser: (req) => bearerUser(auth, req), now }),
    ...(cluster
      ? [
          clusterRouter(cluster, pbxSecret),
          loggedCallRouter(cluster, voice, db, pbxSecret),
          waitingRouter(cluster, voice, db, pbxSecret),
          clusterEventRouter({ voice, cluster, log, bearerUser: (req) => bearerUser(auth, req) }),
        ]
      : []),
    adminRouter({
      db,
      now,
      log,
      bearerUser: (req) => bearerUser(auth, req),
      reloadRouting: async () => {
        await voice.reloadDirectory();
        supervisor.directoryChanged(); // supervisors (issue 14)
      },
      // Routes run once the server listens, by when `sync` exists.
      pokeAll: () => void sync.poke(null).catch((e: unknown) => log(`poke failed: ${String(e)}`)),
      configChanged: () => sla.configChanged(),
      pbx: opts.pbx,
    }),
    // email (issue 13): kept files, and the admins' support mailboxes.
    ...emailRouters({ db, now, attachments, bearerUser: (req) => bearerUser(auth, req) }),
    voiceRouter({
      cluster,
      db,
      voice,
      pbx: opts.pbx,
      pbxSecret,
      now,
      log,
      bearerUser: (req) => bearerUser(auth, req),
    }),
  ];
  const api = createApi({
    db,
    auth,
    log,
    routers,
    now,
    // Routes run once the server listens, by when `sync` exists.
    poke: (departments) =>
      void sync.poke(departments).catch((e: unknown) => log(`poke failed: ${String(e)}`)),
  });
  const routeRequest = routeRequestHandler({ db, voice, pbxSecret, now, log, cluster });
  // Web chat (issue 13, chat area): /widget.js, the demo page, the site allowlist and the visitors' WebSocket.
  const chat = new ChatService({ db, now, log, options: opts.chat });
  try {
    await chat.start();
  } catch (e) {
    chat.close();
    await voice.close();
    await chainer.close();
    await db.destroy();
    throw e;
  }
  const chatHttp = chatRequestHandler({
    chat,
    bearerUser: (req) => bearerUser(auth, req),
    log,
    // Chat files (issue 13): kept by the same store as mail's.
    files: { db, store: attachments, now },
  });
  const wallboardPage = wallboardPageHandler({ log }); // wallboard page (issue 14)
  const http = createServer((req, res) => {
    if (
      !routeRequest(req, res) &&
      !intake.handle(req, res) &&
      !chatHttp(req, res) &&
      !wallboardPage(req, res)
    )
      api(req, res);
  });
  const visitorSocket = attachVisitorSocket(http, chat, log);
  // The cap sits far above what one push may carry, so an oversize push is answered (sync-socket.ts).
  // On PostgreSQL every node may hold sockets of one department: rooms and pokes span the nodes (sync/fan-out.ts).
  const fanOut = isPostgresUrl(opts.dbPath) ? postgresFanOut(opts.dbPath, log) : undefined;
  const io = new SocketServer(http, {
    serveClient: false,
    maxHttpBufferSize: SYNC_SOCKET_MAX_BYTES,
    ...(fanOut && { adapter: fanOut.adapter }),
  });
  const sync = attachSync(io, {
    db,
    auth,
    now,
    log,
    beforePull: () => voice.flush(),
    liveCalls: cluster ? cluster.liveCalls() : voice,
    clustered: fanOut !== undefined,
  });
  if (fanOut && !(await fanOut.listening(io)))
    log('Not listening to the other nodes yet (LISTEN/NOTIFY): pokes from them reach this one once it does.');
  attachVoice(io, { voice, auth, log, cluster });
  // Chat routing (issue 13, chat-routing helper): after attachVoice, whose status pushes it follows.
  const chatRouting = await startChatRouting({
    db,
    io,
    auth,
    chat,
    voice,
    kb,
    cluster,
    now,
    log,
    poke: (departments) =>
      void sync.poke(departments).catch((e: unknown) => log(`poke failed: ${String(e)}`)),
    options: opts.chatRouting,
  });
  // Supervisors (issue 14, monitor helper): after chat routing, whose status hook it follows.
  const waiting = waitingApi(voice, cluster);
  const supervisor = await startSupervisor({
    db,
    io,
    auth,
    chat,
    now,
    log,
    waiting,
    options: opts.supervisor,
  });
  {
    const before = voice.onStatus;
    voice.onStatus = (s) => {
      before(s);
      supervisor.status(s);
    };
    if (cluster) {
      const remote = cluster.onRemoteStatus;
      cluster.onRemoteStatus = (s) => {
        remote(s);
        supervisor.status(s);
      };
    }
  }
  const sla = new SlaService({
    db,
    io,
    now,
    log,
    poke: (departments) => sync.poke(departments),
    clustered: fanOut !== undefined,
    sweepEveryMs: opts.sla?.sweepEveryMs,
    firstSweepMs: opts.sla?.firstSweepMs,
    recompute: opts.sla?.recompute,
  });
  answerUnknownEvents(io);
  // Call records change in bursts (ringing, answered, ended): replicas are poked once per burst.
  const pokeDepartments = new Set<string>();
  let pokeTimer: NodeJS.Timeout | undefined;
  voice.onInteractions = (departmentId) => {
    supervisor.interactionsChanged(); // supervisors (issue 14)
    pokeDepartments.add(departmentId);
    pokeTimer ??= setTimeout(() => {
      pokeTimer = undefined;
      const departments = [...pokeDepartments];
      pokeDepartments.clear();
      sync.poke(departments).catch((e: unknown) => log(`poke failed: ${String(e)}`));
    }, 25);
  };

  // email (issue 13): the demo's support mailboxes once, the SMTP listener when asked for, the reply sender.
  if (opts.seed === 'demo') await ensureDemoMailboxes(db, now());
  const email = await startEmail(
    {
      db,
      now,
      log,
      attachments,
      poke: (departments) =>
        void sync.poke(departments).catch((e: unknown) => log(`poke failed: ${String(e)}`)),
    },
    opts.email,
  );

  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(opts.port ?? 4000, host, () => resolve());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  await cluster?.start(url);
  sla.start();

  // Failed sign-ins of a quiet name or address reach the audit log as one record (login-throttle.ts) and are
  // forgotten; the sweep also does this for those left from before a restart.
  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = auth.throttle
      .sweep()
      .catch((e: unknown) => log(`sign-in throttle sweep failed: ${String(e)}`));
  };
  sweep();
  const sweeper = setInterval(sweep, 60_000);
  sweeper.unref();

  // Solved tickets close by themselves after the configured days: first a few minutes after start (not at
  // once, so a restart loop does not churn), then every interval.
  let closing: Promise<unknown> = Promise.resolve();
  const closeSolved = () => {
    // The days an admin set (Workflow settings), read at each run so a change applies without a restart.
    closing = (
      opts.closeSolvedAfterDays !== undefined
        ? Promise.resolve(opts.closeSolvedAfterDays)
        : getWorkflow(db).then((w) => w.autoCloseSolvedAfterDays)
    )
      .then((days) => closeSolvedTickets(db, now(), days))
      .then(({ closed, departments }) => {
        if (closed > 0) log(`Closed ${closed} ticket(s) solved long enough ago.`);
        return departments.size > 0 ? sync.poke([...departments]) : undefined;
      })
      .catch((e: unknown) => log(`closing solved tickets failed: ${String(e)}`));
  };
  const closeEvery = opts.closeSolvedEveryMs ?? 3_600_000;
  const firstClose = setTimeout(closeSolved, Math.min(closeEvery, 300_000));
  const closer = setInterval(closeSolved, closeEvery);
  firstClose.unref();
  closer.unref();

  return {
    url,
    port,
    voice,
    waiting,
    sla,
    intake,
    chat,
    kb, // knowledge base (issue 13, kb helper)
    answers, // suggested answers (issue 15, answers helper)
    email,
    chatRouting, // chat routing (issue 13, chat-routing helper)
    supervisor, // supervisors (issue 14, monitor helper)
    reports, // reports (issue 14)
    quality: quality.service, // quality review (issue 15)
    close: async () => {
      // io.close closes the HTTP server too; only then is it safe to close the database under it.
      clearTimeout(pokeTimer);
      clearInterval(sweeper);
      clearTimeout(firstClose);
      clearInterval(closer);
      watchdog.stop();
      // Web chat (issue 13, chat area): visitor sockets are not socket.io's, so io.close does not end them.
      visitorSocket.close();
      chatRouting.close(); // chat routing (issue 13, chat-routing helper)
      supervisor.close(); // supervisors (issue 14)
      chat.close();
      await email.close(); // email (issue 13)
      await sla.close();
      await intake.close();
      await new Promise<void>((resolve) => io.close(() => resolve()));
      await cluster?.close();
      await fanOut?.close();
      await voice.close();
      await sweeping;
      await closing;
      clearInterval(vocTimer); // voice of the customer (issue 14)
      await voc.index.settled();
      await reports.close(); // reports (issue 14)
      await quality.close(); // quality review (issue 15)
      await triage.close(); // triage (issue 15)
      await chainer.close();
      await db.destroy();
    },
  };
}

/** A first query that, when it fails, says which server could not be reached and what to check. */
async function reachPostgres(db: Db, location: string, log: (line: string) => void): Promise<void> {
  let collation: string | undefined;
  try {
    // datlocprovider (PostgreSQL 15+): 'i' is an ICU collation, which datcollate does not name.
    const r = await sql<{ collation: string; provider: string }>`
      SELECT datcollate AS collation, datlocprovider AS provider FROM pg_database
      WHERE datname = current_database()`.execute(db);
    const row = r.rows[0];
    collation = row && (row.provider === 'i' ? 'ICU' : row.collation);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(
      `Cannot reach ${describeLocation(location)}: ${reason}. Check that the server runs and the URL's host, ` +
        `port, user, password and database are right (the database must exist; for a throwaway one: npm run postgres).`,
    );
  }
  // Lists sorted by text (agents by user name, ...) come out in SQLite's bytewise order only under C.
  if (collation !== undefined && !/^(C|POSIX)(\.utf-?8)?$/i.test(collation))
    log(
      `Note: this database sorts text by the collation ${collation}; SQLite and the README's setup sort bytewise ` +
        `(LC_COLLATE 'C'), so lists ordered by name may come out in another order than on SQLite.`,
    );
}

function throttleOptions(o: StartServerOptions['loginThrottle'] = {}): LoginThrottleOptions {
  const d = DEFAULT_LOGIN_THROTTLE;
  // Field by field: a setting given as undefined (a CLI flag left out) keeps its default.
  const rule = (r: Partial<ThrottleRule> = {}, def: ThrottleRule): ThrottleRule => ({
    delayAfter: r.delayAfter ?? def.delayAfter,
    lockoutAfter: r.lockoutAfter ?? def.lockoutAfter,
  });
  return checkThrottleOptions({
    account: rule(o.account, d.account),
    address: rule(o.address, d.address),
    baseDelaySeconds: o.baseDelaySeconds ?? d.baseDelaySeconds,
    lockoutSeconds: o.lockoutSeconds ?? d.lockoutSeconds,
  });
}

/**
 * An event nobody handles is answered at once (when it asks for an answer), instead of leaving the client to
 * wait out its own time-out: a desktop newer than this server learns at once what it cannot do here.
 */
function answerUnknownEvents(io: SocketServer): void {
  io.on('connection', (socket) => {
    socket.onAny((event: unknown, ...args: unknown[]) => {
      const ack = args.at(-1);
      if (typeof ack !== 'function' || (typeof event === 'string' && socket.listeners(event).length > 0))
        return;
      const name = String(event).slice(0, 80);
      (ack as (a: Ack<never>) => void)({
        ok: false,
        error: {
          code: 'bad_request',
          message: `This server has no event "${name}". Update Switchboard or check the event name.`,
        },
      });
    });
  });
}
