// Wallboard tokens: made by supervisors for their own department, stored hashed, audited; the token opens the
// wallboard namespace and its config and nothing else; revoking it disconnects the live board.
import { io as connect, type Socket } from 'socket.io-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  SupervisorDelta,
  SupervisorSnapshot,
  WALLBOARD_NAMESPACE,
  WALLBOARD_REST,
  WallboardConfig,
  WallboardSocketEvents,
  WallboardTokenCreated,
} from '../../src/shared';
import { openDatabase } from '../../src/server/db/open';
import { connectSocket, startTestServer, type TestServer } from './helpers';
import { untilChained } from './audit-wait';
import { agentSessions, mustSetState, until } from './voice-helpers';

let server: TestServer;
const { session, closeAll } = agentSessions(() => server);
const boards: Socket[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 40, customers: 20, voice: { offlineGraceMs: 200 } });
});
afterEach(() => {
  closeAll();
  for (const b of boards.splice(0)) b.close();
});
afterAll(async () => {
  await server.stop();
});

function api(path: string, token: string, init: RequestInit = {}) {
  return fetch(`${server.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers },
  });
}

/** A board connected to the namespace: its first snapshot, later deltas, and whether it was disconnected. */
function openBoard(token: string) {
  const socket = connect(`${server.url}${WALLBOARD_NAMESPACE}`, {
    auth: { token },
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
  });
  boards.push(socket);
  const state = {
    socket,
    snapshots: [] as SupervisorSnapshot[],
    deltas: [] as SupervisorDelta[],
    disconnected: false,
    refused: null as string | null,
  };
  socket.on(WallboardSocketEvents.snapshot, (s: unknown) =>
    state.snapshots.push(SupervisorSnapshot.parse(s)),
  );
  socket.on(WallboardSocketEvents.delta, (d: unknown) => state.deltas.push(SupervisorDelta.parse(d)));
  socket.on('disconnect', () => (state.disconnected = true));
  socket.on('connect_error', (e) => (state.refused = e.message));
  return state;
}

describe('wallboard tokens', () => {
  it('are made by a supervisor for their own department only, and open the board and its config alone', async () => {
    const sup1 = await session('super01');
    const sup2 = await session('super02');
    const agent = await session('agent01');
    const dept1 = sup1.session.user.departmentId!;
    const body = (departmentIds: string[]) =>
      JSON.stringify({ name: 'Floor TV', departmentIds, rotateSeconds: 20 });

    expect(
      (await api(WALLBOARD_REST.tokens, sup2.session.accessToken, { method: 'POST', body: body([dept1]) }))
        .status,
    ).toBe(403);
    expect(
      (await api(WALLBOARD_REST.tokens, agent.session.accessToken, { method: 'POST', body: body([dept1]) }))
        .status,
    ).toBe(403);
    const res = await api(WALLBOARD_REST.tokens, sup1.session.accessToken, {
      method: 'POST',
      body: body([dept1]),
    });
    expect(res.status).toBe(201);
    const created = WallboardTokenCreated.parse(await res.json());
    expect(created.url).toContain(`${WALLBOARD_REST.page}#token=${created.token}`);

    // Listed for its department's supervisor, not for another's.
    const list1 = (await (await api(WALLBOARD_REST.tokens, sup1.session.accessToken)).json()) as {
      tokens: { id: string }[];
    };
    expect(list1.tokens.map((t) => t.id)).toContain(created.info.id);
    const list2 = (await (await api(WALLBOARD_REST.tokens, sup2.session.accessToken)).json()) as {
      tokens: { id: string }[];
    };
    expect(list2.tokens.map((t) => t.id)).not.toContain(created.info.id);

    // Stored hashed: the table never holds the token.
    const db = openDatabase(server.dbPath);
    try {
      const rows = await db.selectFrom('wallboard_tokens').selectAll().execute();
      expect(rows.some((r) => r.token_hash === created.token)).toBe(false);
      expect(rows.find((r) => r.id === created.info.id)?.token_hash).toHaveLength(43);
    } finally {
      await db.destroy();
    }

    // The board's config and live view with its token.
    const cfg = await api(WALLBOARD_REST.config, created.token);
    expect(cfg.status).toBe(200);
    const config = WallboardConfig.parse(await cfg.json());
    expect(config.departments.map((d) => d.id)).toEqual([dept1]);
    expect(config.rotateSeconds).toBe(20);
    const board = openBoard(created.token);
    const first = await until(() => board.snapshots[0]);
    expect(first.queues.map((q) => q.number)).toEqual(['8001']);
    expect(new Set(first.agents.map((a) => a.departmentId))).toEqual(new Set([dept1]));
    await mustSetState(agent, 'Available');
    const moved = await until(() =>
      board.deltas
        .flatMap((d) => d.agents)
        .find((a) => a.userId === agent.session.user.id && a.state === 'Available'),
    );
    expect(moved.departmentId).toBe(dept1);
    // resync: a new snapshot, numbered from 0.
    board.socket.emit(WallboardSocketEvents.resync);
    const again = await until(() => board.snapshots[1]);
    expect(again.seq).toBe(0);
    expect(again.agents.find((a) => a.userId === agent.session.user.id)?.state).toBe('Available');

    // Refused by every other API: REST with bearer, the sync socket; and a user's token opens no board.
    for (const path of ['/api/voice/queues', WALLBOARD_REST.tokens, '/api/audit/records'])
      expect((await api(path, created.token)).status).toBe(401);
    await expect(connectSocket(server.url, created.token)).rejects.toThrow('unauthenticated');
    expect((await api(WALLBOARD_REST.config, sup1.session.accessToken)).status).toBe(401);
    const userBoard = openBoard(sup1.session.accessToken);
    expect(await until(() => userBoard.refused ?? undefined)).toBe('unauthenticated');
    expect(userBoard.snapshots).toEqual([]);
  });

  it('revoked: the live board is disconnected, its token opens nothing any more, and both are audited', async () => {
    const sup1 = await session('super01');
    const dept1 = sup1.session.user.departmentId!;
    const res = await api(WALLBOARD_REST.tokens, sup1.session.accessToken, {
      method: 'POST',
      body: JSON.stringify({ name: 'Lobby', departmentIds: [dept1] }),
    });
    const created = WallboardTokenCreated.parse(await res.json());
    const board = openBoard(created.token);
    await until(() => board.snapshots[0]);

    const sup2 = await session('super02');
    expect(
      (await api(WALLBOARD_REST.token(created.info.id), sup2.session.accessToken, { method: 'DELETE' }))
        .status,
    ).toBe(404);
    expect(board.disconnected).toBe(false);
    const del = await api(WALLBOARD_REST.token(created.info.id), sup1.session.accessToken, {
      method: 'DELETE',
    });
    expect(del.status).toBe(200);
    await until(() => (board.disconnected ? true : undefined));
    expect((await api(WALLBOARD_REST.config, created.token)).status).toBe(401);
    const later = openBoard(created.token);
    expect(await until(() => later.refused ?? undefined)).toBe('unauthenticated');

    const db = openDatabase(server.dbPath);
    try {
      await untilChained(db);
      const actions = await db
        .selectFrom('audit_log')
        .select(['action', 'actor_id'])
        .where('subject_id', '=', created.info.id)
        .execute();
      expect(actions.map((a) => a.action).sort()).toEqual([
        'wallboard.token.create',
        'wallboard.token.revoke',
      ]);
      expect(new Set(actions.map((a) => a.actor_id))).toEqual(new Set([sup1.session.user.id]));
    } finally {
      await db.destroy();
    }
  });
});
