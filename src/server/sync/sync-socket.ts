import type { ExtendedError, Server, Socket } from 'socket.io';
import {
  jsonBytes,
  parseOrThrow,
  PullRequest,
  PUSH_MAX_BYTES,
  PushRequest,
  SocketEvents,
  SwitchboardError,
  type Ack,
  type ErrorBody,
  type Poke,
  type PullResponse,
  type User,
} from '../../shared';
import type { AuthService, Clock } from '../auth/auth-service';
import type { AccessClaims } from '../auth/tokens';
import { seesInternalNotes, syncScopeOf } from '../auth/rights';
import { scopeOf, type Scope } from '../auth/scope';
import { streamHead } from '../db/change-log';
import type { Db } from '../db/schema';
import { errorBody } from '../http/error-body';
import type { LiveCalls } from '../voice/interaction-mutations';
import { PokeFeed } from './poke-feed';
import { pullChanges, scopeKey, WITHOUT_INTERNAL_NOTES } from './pull';
import { applyPush } from './push';

export interface SocketData {
  /** Checked again on every event: expiry gives token_expired, a disabled account unauthenticated. */
  token: string;
  user: User;
  /** The access token's expiry (seconds since the epoch): after it, pokes to this socket carry no data. */
  expiresAt: number;
  /** The claims of `token` once its signature was checked, so later events only check expiry and the user. */
  verified?: { token: string; claims: AccessClaims };
}

export const ALL_ROOM = 'all';
/** Between nodes (serverSideEmit): "poke your sockets of these departments" (null: all of them). */
const POKE_NODES = 'switchboard:poke';
/** Pull answers kept for replicas asking the same question (see sharedPull). */
const SHARED_ANSWERS = 32;
export const departmentRoom = (id: string) => `dept:${id}`;
/**
 * A scope's room is named by its scope key, so a poke's `scope` is the room it was sent to. Users without the
 * right to internal notes are in a room of their own (`+public`): the pokes it gets carry no internal notes.
 */
const roomOf = scopeKey;
const isScopeRoom = (r: string) =>
  r === ALL_ROOM || r === ALL_ROOM + WITHOUT_INTERNAL_NOTES || r.startsWith('dept:');
const socketUser = (s: { data: unknown }) => (s.data as SocketData).user;

function connectError(body: ErrorBody): ExtendedError {
  // The message is the bare code, which socket.io-client hands to `connect_error` listeners; data has the sentence.
  const err: ExtendedError = new Error(body.code);
  err.data = body;
  return err;
}

/**
 * Wraps a request handler: answers through the ack and authorises every event afresh (token expiry, account
 * disabled, department changed), not only at connect, because a socket can stay open for days. The token's
 * signature is checked once per token and its claims kept on the socket: a poke makes a whole department ask at
 * once, and verifying the same token again for each of those requests was most of their cost.
 */
export function socketHandler(auth: AuthService, log: (line: string) => void) {
  return <T>(socket: Socket, work: (user: User, input: unknown) => Promise<T>) => {
    return (input: unknown, ack: unknown) => {
      if (typeof ack !== 'function') return; // Nobody to answer: a request without a callback is ignored.
      const reply = ack as (a: Ack<T>) => void;
      const data = socket.data as SocketData;
      const run = async (): Promise<T> => {
        const token = data.token;
        let claims = data.verified?.token === token ? data.verified.claims : undefined;
        if (!claims) {
          claims = await auth.verify(token);
          data.verified = { token, claims };
        }
        return work(await auth.userFor(claims), input);
      };
      run().then(
        (result) => reply({ ok: true, data: result }),
        (e: unknown) => reply({ ok: false, error: errorBody(e, log) }),
      );
    };
  };
}

/**
 * A push over PUSH_MAX_BYTES is refused as a whole, before anything in it is applied, with an answer instead of
 * the dropped connection a message over the socket cap gets (SYNC_SOCKET_MAX_BYTES, set far above this so
 * there is room to answer). A desktop sends the same changes again in smaller pushes.
 */
function checkPushSize(input: unknown): void {
  const bytes = jsonBytes(input);
  if (bytes <= PUSH_MAX_BYTES) return;
  const kib = (n: number) => Math.ceil(n / 1024);
  throw new SwitchboardError(
    'bad_request',
    `This push is ${kib(bytes)} KiB; one push carries at most ${kib(PUSH_MAX_BYTES)} KiB. ` +
      'Send the changes in smaller pushes (update Switchboard on this desktop if it keeps sending this one).',
  );
}

/**
 * The sync endpoint. A client connects with `auth: { token: <access token> }`, sends `sync:pull` and
 * `sync:push` with an acknowledgement callback, and listens for `sync:poke`.
 */
export function attachSync(
  io: Server,
  deps: {
    db: Db;
    auth: AuthService;
    now: Clock;
    log: (line: string) => void;
    /** Waits for writes made behind an answer (voice), so a pull sees what its client was already told. */
    beforePull?: () => Promise<void>;
    /** Calls in progress, which a desktop's `interaction.log` may end (the voice service). */
    liveCalls?: LiveCalls;
    /** io spans several nodes (the PostgreSQL adapter, sync/fan-out.ts): each poke is made on every node. */
    clustered?: boolean;
  },
) {
  const { db, auth, now, log } = deps;

  io.use((socket, next) => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    if (typeof token !== 'string' || token.length === 0) {
      return next(
        connectError({ code: 'unauthenticated', message: 'Sign in first: no access token was sent.' }),
      );
    }
    const admit = async () => {
      const claims = await auth.verify(token);
      const user = await auth.userFor(claims);
      (socket.data as SocketData) = { token, user, expiresAt: claims.expiresAt, verified: { token, claims } };
    };
    admit().then(
      () => next(),
      (e: unknown) => next(connectError(errorBody(e, log))),
    );
  });

  const handle = socketHandler(auth, log);

  /** Pokes follow the user's scope now: a user moved to another department stops hearing the old one. */
  const joinScope = (socket: Socket, scope: Scope) => {
    const room = roomOf(scope);
    if (socket.rooms.has(room)) return;
    for (const r of socket.rooms) if (isScopeRoom(r)) void socket.leave(r);
    void socket.join(room);
  };

  // A poke sends every replica of a department after the same page at once: while the stream head stays
  // where it was, they share one answer instead of each running the queries. Only short (caught-up)
  // pages are kept once answered, a few of them, so an initial sync does not pile up in memory.
  const answers = new Map<string, Promise<PullResponse>>();
  /**
   * The page after a full one, read as soon as that one is answered: a replica catching up asks for it next,
   * and reading it while the replica receives and applies the last one keeps both sides busy (a first sync
   * of 100,000 tickets waited ~2.5 s on the server otherwise). Taken once; a few at most; dropped with the head.
   */
  const ahead = new Map<string, Promise<PullResponse>>();
  // chat-timeline (issue 13): the optional change kinds a client applies are part of its answer.
  type Accepts = ReadonlySet<string>;
  const AHEAD_PAGES = 4;
  let answersHead = -1;
  const pullKey = (scope: Scope, cursor: number, limit: number, held: string | undefined, accepts: Accepts) =>
    `${scopeKey(scope)}:${cursor}:${limit}:${held ?? ''}:${[...accepts].sort().join(',')}`;
  async function sharedPull(
    scope: Scope,
    cursor: number,
    limit: number,
    held: PullRequest['scope'],
    accepts: Accepts,
  ): Promise<PullResponse> {
    const head = await streamHead(db);
    if (head !== answersHead) {
      answers.clear();
      ahead.clear();
      answersHead = head;
    }
    // `held` (the scope the replica says it holds) is part of the key: it decides whether the answer is a reset.
    const key = pullKey(scope, cursor, limit, held, accepts);
    const known = answers.get(key);
    if (known) return known;
    const early = ahead.get(key);
    if (early) {
      ahead.delete(key);
      void early.then((r) => readAhead(scope, r, limit, head, accepts));
      return early;
    }
    const answer = pullChanges(db, scope, cursor, limit, held, head, accepts);
    answers.set(key, answer);
    if (answers.size > SHARED_ANSWERS) answers.delete(answers.keys().next().value as string);
    answer.then(
      (r) => {
        if (r.hasMore && answers.get(key) === answer) answers.delete(key);
        readAhead(scope, r, limit, head, accepts);
      },
      () => answers.get(key) === answer && answers.delete(key),
    );
    return answer;
  }

  /** After a full page, start on the next one, asked as the replica will ask it (holding the page's scope). */
  function readAhead(scope: Scope, page: PullResponse, limit: number, head: number, accepts: Accepts): void {
    if (!page.hasMore || head !== answersHead || ahead.size >= AHEAD_PAGES) return;
    const key = pullKey(scope, page.cursor, limit, page.scope, accepts);
    if (ahead.has(key) || answers.has(key)) return;
    const next = pullChanges(db, scope, page.cursor, limit, page.scope, head, accepts);
    ahead.set(key, next);
    next.catch(() => ahead.get(key) === next && ahead.delete(key));
  }

  io.on('connection', (socket) => {
    const joined = syncScopeOf(db, (socket.data as SocketData).user).then((scope) =>
      joinScope(socket, scope),
    );
    joined.catch((e: unknown) => log(`joining the sync room failed: ${String(e)}`));

    socket.on(
      SocketEvents.pull,
      handle(socket, async (user, input) => {
        const req = parseOrThrow(PullRequest, input, 'pull request');
        const scope = await syncScopeOf(db, user);
        await joined.catch(() => {});
        joinScope(socket, scope);
        await deps.beforePull?.();
        return sharedPull(scope, req.cursor, req.limit, req.scope, new Set(req.accepts ?? []));
      }),
    );

    socket.on(
      SocketEvents.push,
      handle(socket, async (user, input) => {
        checkPushSize(input);
        const req = parseOrThrow(PushRequest, input, 'push request');
        const outcome = await applyPush(db, user, req.mutations, now, {
          liveCalls: deps.liveCalls,
          deviceId: req.deviceId,
        });
        // The mutations are committed: the answer does not wait for the poke (with thousands of sockets a
        // desktop's push waited for all of them to be told), and a failed poke must not make the push look
        // failed (others catch up on their next pull or reconnect). The pushing desktop pulls after its push.
        if (outcome.departments.size > 0) {
          void poke([...outcome.departments]).catch((e: unknown) => log(`poke failed: ${String(e)}`));
        }
        return { results: outcome.results };
      }),
    );
  });

  const feed = new PokeFeed(db);

  // Each node pokes the sockets it holds, told by the node that wrote (a message of a few bytes over the
  // adapter): a poke is tailored per socket from its user's row and session, which one node cannot do for
  // sockets held elsewhere without fetching all of them across the cluster on every change.
  io.on(POKE_NODES, (departmentIds: unknown) => {
    const valid =
      departmentIds === null ||
      (Array.isArray(departmentIds) && departmentIds.every((d) => typeof d === 'string'));
    if (!valid) return log('poke from another node ignored: not a list of departments');
    pokeSoon(departmentIds as string[] | null, false).catch((e: unknown) => log(`poke failed: ${String(e)}`));
  });

  /** Pokes the replicas on every node (see pokeHere); resolves once this node's sockets are poked. */
  function poke(departmentIds: string[] | null): Promise<void> {
    return pokeSoon(departmentIds, true);
  }

  // Pokes coalesce: what is asked for while one poke runs goes out together in the next one. A poke reads the
  // stream from the last one's head (PokeFeed), so one poke covers every change since; with many desktops
  // writing at once a poke per push made each socket hear, and each node work through, one poke per edit.
  const asked = { all: false, departments: new Set<string>(), toOthers: new Set<string>(), othersAll: false };
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;
  function pokeSoon(departmentIds: string[] | null, fromHere: boolean): Promise<void> {
    if (departmentIds === null) {
      asked.all = true;
      if (fromHere) asked.othersAll = true;
    } else {
      for (const d of departmentIds) {
        asked.departments.add(d);
        if (fromHere) asked.toOthers.add(d);
      }
    }
    next ??= (async () => {
      await running?.catch(() => {});
      const all = asked.all;
      const departments = [...asked.departments];
      const othersAll = asked.othersAll;
      const toOthers = [...asked.toOthers];
      asked.all = asked.othersAll = false;
      asked.departments.clear();
      asked.toOthers.clear();
      next = null;
      if (deps.clustered && (othersAll || toOthers.length > 0))
        io.serverSideEmit(POKE_NODES, othersAll ? null : toOthers);
      const run = pokeHere(all ? null : departments);
      running = run;
      try {
        await run;
      } finally {
        if (running === run) running = null;
      }
    })();
    return next;
  }

  /**
   * Tells the replicas that see the given departments (and admins) what changed there, or everyone to pull
   * when null.
   *
   * The rule for a poke that carries data: it goes only to a socket whose access token has not expired and whose
   * user, read from the database at poke time, is enabled and still has the scope of the room. Sockets follow
   * their user's scope only at their own requests (joinScope), and an administrator disables or moves a user in
   * the database (user-admin.ts), not in the sockets, so being in the room proves nothing. Every other socket
   * gets the plain poke, whose pull is authorised afresh (token_expired, unauthenticated, or a reset into the new
   * scope); a disabled or moved user's socket also leaves the room, so it hears nothing more from it.
   *
   * Only this node's sockets (io.local): the other nodes make their own pokes (POKE_NODES), each from its own
   * safe head, so no poke carries a head its node has not checked (db/change-log.ts streamHead).
   */
  async function pokeHere(departmentIds: string[] | null): Promise<void> {
    if (departmentIds === null) {
      const msg: Poke = { head: await streamHead(db) };
      io.local.emit(SocketEvents.poke, msg);
      return;
    }
    const rooms = new Map<string, { scope: Scope; sockets: Awaited<ReturnType<typeof io.fetchSockets>> }>();
    const wanted: [string, Scope][] = [
      { all: true } as Scope,
      ...departmentIds.map((id): Scope => ({ all: false, departmentId: id })),
    ].flatMap((s) =>
      [s, { ...s, withoutInternalNotes: true }].map((scope): [string, Scope] => [roomOf(scope), scope]),
    );
    for (const [room, scope] of wanted) {
      const sockets = await io.local.in(room).fetchSockets();
      if (sockets.length === 0) feed.forget(room);
      else rooms.set(room, { scope, sockets });
    }
    if (rooms.size === 0) return;
    const pokes = await feed.next([...rooms.values()].map((r) => r.scope));
    const userIds = new Set([...rooms.values()].flatMap((r) => r.sockets.map((s) => socketUser(s).id)));
    const users = new Map(
      (
        await db
          .selectFrom('users')
          .select(['id', 'department_id', 'disabled', 'role'])
          .where('id', 'in', [...userIds])
          .execute()
      ).map((r) => [r.id, r]),
    );
    // A signed-out session's socket hears no data either (its next request is refused: AuthService.userFor).
    const sessionOf = (s: { data: unknown }) => (s.data as SocketData).verified?.claims.sessionId ?? '';
    const sessionIds = new Set([...rooms.values()].flatMap((r) => r.sockets.map(sessionOf)));
    const live = new Set(
      (
        await db
          .selectFrom('sessions')
          .select('id')
          .where('id', 'in', [...sessionIds])
          .where('revoked_at', 'is', null)
          .execute()
      ).map((r) => r.id),
    );
    const nowSeconds = Math.floor(now().getTime() / 1000);
    // The user's scope now, rights included: one who lost the right to internal notes stops getting them.
    const seesNotes = new Map<string, boolean>();
    for (const role of new Set([...users.values()].map((u) => u.role)))
      seesNotes.set(role, await seesInternalNotes(db, { role }));
    for (const [room, { sockets }] of rooms) {
      const parts = pokes.get(room)!;
      const last = parts.at(-1)!;
      if (!parts.some((p) => p.changes)) {
        io.local.to(room).emit(SocketEvents.poke, last);
        continue;
      }
      const trusted: string[] = [];
      const others: string[] = [];
      for (const s of sockets) {
        const row = users.get(socketUser(s).id);
        const inScope =
          row !== undefined &&
          !row.disabled &&
          live.has(sessionOf(s)) &&
          roomOf({
            ...scopeOf({ departmentId: row.department_id }),
            withoutInternalNotes: !seesNotes.get(row.role),
          }) === room;
        if (!inScope) void s.leave(room);
        (inScope && (s.data as SocketData).expiresAt > nowSeconds ? trusted : others).push(s.id);
      }
      // In order: each part continues the one before (the last may be plain, for a backlog too long to carry).
      if (trusted.length > 0) for (const msg of parts) io.local.to(trusted).emit(SocketEvents.poke, msg);
      const plain: Poke = { head: last.head };
      if (others.length > 0) io.local.to(others).emit(SocketEvents.poke, plain);
    }
  }

  return { poke };
}
