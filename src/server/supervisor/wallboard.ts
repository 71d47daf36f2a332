import { createHash, randomBytes } from 'node:crypto';
import express, { type Request } from 'express';
import type { ExtendedError, Server } from 'socket.io';
import { v7 as uuidv7 } from 'uuid';
import {
  Id,
  parseOrThrow,
  SwitchboardError,
  WALLBOARD_NAMESPACE,
  WALLBOARD_REST,
  WallboardSocketEvents,
  WallboardTokenCreate,
  type User,
  type WallboardConfig,
  type WallboardTokenCreated,
  type WallboardTokenInfo,
} from '../../shared';
import { writeAudit } from '../audit/audit-log';
import type { Database, Db } from '../db/schema';
import type { LiveHub } from './supervisor-socket';

/** Stored form of a wallboard token: its SHA-256 (the token itself is shown once, at creation). */
export const wallboardTokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

const boardRoom = (tokenId: string) => `wallboard:${tokenId}`;

type Row = Database['wallboard_tokens'];

function toInfo(r: Row): WallboardTokenInfo {
  return {
    id: r.id,
    name: r.name,
    departmentIds: JSON.parse(r.department_ids) as string[],
    rotateSeconds: r.rotate_seconds,
    createdBy: r.created_by,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    revokedAt: r.revoked_at,
  };
}

/** Who manages boards: supervisors for their own department only, admins any. */
function mayManage(user: User, departmentIds: string[]): void {
  if (user.role === 'admin') return;
  if (user.role !== 'supervisor')
    throw new SwitchboardError('forbidden', 'Only supervisors and administrators manage wallboards.');
  if (user.departmentId === null || departmentIds.some((d) => d !== user.departmentId))
    throw new SwitchboardError('forbidden', 'A wallboard you make can show only your own department.');
}

/** The live token behind a wallboard's request or socket; anything else (a user's access token) is refused. */
async function boardFor(db: Db, token: unknown): Promise<Row> {
  if (typeof token !== 'string' || token.length === 0 || token.length > 200)
    throw new SwitchboardError(
      'unauthenticated',
      'This wallboard has no token: open it from its link again.',
    );
  const row = await db
    .selectFrom('wallboard_tokens')
    .selectAll()
    .where('token_hash', '=', wallboardTokenHash(token))
    .executeTakeFirst();
  if (!row || row.revoked_at !== null)
    throw new SwitchboardError(
      'unauthenticated',
      row
        ? 'This wallboard link was revoked; ask a supervisor for a new one.'
        : 'This wallboard link is not valid.',
    );
  return row;
}

/**
 * Wallboard tokens over REST (WALLBOARD_REST; bearer: a user's access token) and the board's own config (its
 * wallboard token). Every change is audited; the token is stored hashed and answered once.
 */
export function wallboardRouter(deps: {
  db: Db;
  now: () => Date;
  bearerUser: (req: Request) => Promise<User>;
  /** Revoked boards are disconnected on every node (the socket.io adapter), once the server runs. */
  disconnect: (tokenId: string) => void;
}): express.Router {
  const { db, now } = deps;
  const r = express.Router();
  const source = (req: Request) => req.socket.remoteAddress ?? null;

  r.post(WALLBOARD_REST.tokens, express.json({ limit: '16kb' }), async (req, res) => {
    const user = await deps.bearerUser(req);
    const input = parseOrThrow(WallboardTokenCreate, req.body, 'wallboard');
    const departmentIds = [...new Set(input.departmentIds)];
    mayManage(user, departmentIds);
    const known = await db.selectFrom('departments').select('id').where('id', 'in', departmentIds).execute();
    if (known.length !== departmentIds.length) throw new SwitchboardError('not_found', 'No such department.');
    const token = randomBytes(32).toString('base64url');
    const row: Row = {
      id: uuidv7(),
      token_hash: wallboardTokenHash(token),
      name: input.name,
      department_ids: JSON.stringify(departmentIds),
      rotate_seconds: input.rotateSeconds,
      created_by: user.id,
      created_at: now().toISOString(),
      last_seen_at: null,
      revoked_at: null,
    };
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('wallboard_tokens').values(row).execute();
      await writeAudit(trx, {
        at: row.created_at,
        actorId: user.id,
        action: 'wallboard.token.create',
        subjectId: row.id,
        detail: { after: { name: row.name, departmentIds, rotateSeconds: row.rotate_seconds } },
        source: source(req),
      });
    });
    const origin = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
    const created: WallboardTokenCreated = {
      info: toInfo(row),
      token,
      url: `${origin}${WALLBOARD_REST.page}#token=${token}`,
    };
    res.status(201).set('cache-control', 'no-store').json(created);
  });

  r.get(WALLBOARD_REST.tokens, async (req, res) => {
    const user = await deps.bearerUser(req);
    mayManage(user, []);
    const rows = await db.selectFrom('wallboard_tokens').selectAll().orderBy('created_at', 'desc').execute();
    const tokens = rows
      .map(toInfo)
      .filter((t) => user.role === 'admin' || t.departmentIds.every((d) => d === user.departmentId));
    res.set('cache-control', 'no-store').json({ tokens });
  });

  r.delete(WALLBOARD_REST.token(':id'), async (req, res) => {
    const user = await deps.bearerUser(req);
    const id = parseOrThrow(Id, req.params.id, 'wallboard id');
    const at = now().toISOString();
    const info = await db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('wallboard_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!before) throw new SwitchboardError('not_found', 'No such wallboard.');
      const b = toInfo(before);
      if (user.role !== 'admin' && !b.departmentIds.every((d) => d === user.departmentId))
        throw new SwitchboardError('not_found', 'No such wallboard.');
      mayManage(user, b.departmentIds);
      if (before.revoked_at !== null) return b;
      await trx.updateTable('wallboard_tokens').set({ revoked_at: at }).where('id', '=', id).execute();
      await writeAudit(trx, {
        at,
        actorId: user.id,
        action: 'wallboard.token.revoke',
        subjectId: id,
        detail: { name: before.name, departmentIds: b.departmentIds },
        source: source(req),
      });
      return { ...b, revokedAt: at };
    });
    deps.disconnect(id);
    res.set('cache-control', 'no-store').json(info);
  });

  r.get(WALLBOARD_REST.config, async (req, res) => {
    const header = req.headers.authorization ?? '';
    const row = await boardFor(db, header.startsWith('Bearer ') ? header.slice(7).trim() : '');
    const ids = JSON.parse(row.department_ids) as string[];
    const depts = await db.selectFrom('departments').selectAll().where('id', 'in', ids).execute();
    const config: WallboardConfig = {
      id: row.id,
      name: row.name,
      rotateSeconds: row.rotate_seconds,
      departments: ids.flatMap((id) => {
        const d = depts.find((x) => x.id === id);
        return d ? [{ id: d.id, nameZh: d.name_zh, nameEn: d.name_en }] : [];
      }),
    };
    await db
      .updateTable('wallboard_tokens')
      .set({ last_seen_at: now().toISOString() })
      .where('id', '=', row.id)
      .execute();
    res.set('cache-control', 'no-store').json(config);
  });

  return r;
}

interface BoardData {
  board: { id: string; departments: string[] };
}

function connectError(code: SwitchboardError['code'], message: string): ExtendedError {
  const err: ExtendedError = new Error(code);
  err.data = { code, message };
  return err;
}

/**
 * The wallboard namespace: admitted with a wallboard token only (handshake `auth.token`), a snapshot of the
 * token's departments on connect and on `resync`, then the same deltas as supervisors get. Read-only: it
 * handles no other event. Returns how to disconnect the boards of a revoked token (on every node).
 */
export function attachWallboards(
  io: Server,
  deps: { db: Db; hub: LiveHub; now: () => Date; log: (line: string) => void },
): { disconnect(tokenId: string): void; close(): void } {
  const { db, hub, now, log } = deps;
  const ns = io.of(WALLBOARD_NAMESPACE);
  const revoked = new Set<string>();
  ns.use((socket, next) => {
    const token: unknown = (socket.handshake.auth as Record<string, unknown> | undefined)?.token;
    boardFor(db, token).then(
      (row) => {
        (socket.data as BoardData) = {
          board: { id: row.id, departments: JSON.parse(row.department_ids) as string[] },
        };
        db.updateTable('wallboard_tokens')
          .set({ last_seen_at: now().toISOString() })
          .where('id', '=', row.id)
          .execute()
          .catch((e: unknown) => log(`wallboard last seen not recorded: ${String(e)}`));
        next();
      },
      (e: unknown) =>
        next(
          e instanceof SwitchboardError
            ? connectError(e.code, e.message)
            : connectError('unavailable', 'The service could not check this wallboard; it will try again.'),
        ),
    );
  });
  ns.on('connection', (socket) => {
    const { board } = socket.data as BoardData;
    void socket.join(boardRoom(board.id));
    const send = () => {
      const snapshot = hub.subscribe({
        socket,
        departments: new Set(board.departments),
        event: WallboardSocketEvents.delta,
        allowed: () => !revoked.has(board.id),
      });
      socket.emit(WallboardSocketEvents.snapshot, snapshot);
    };
    send();
    socket.on(WallboardSocketEvents.resync, send);
    socket.on('disconnect', () => hub.unsubscribe(socket.id));
  });
  // Belt and braces for a revocation whose broadcast a node missed: boards are checked against the table.
  const recheck = setInterval(() => {
    const ids = new Set<string>();
    for (const s of ns.sockets.values()) ids.add((s.data as BoardData).board.id);
    if (ids.size === 0) return;
    db.selectFrom('wallboard_tokens')
      .select('id')
      .where('id', 'in', [...ids])
      .where('revoked_at', 'is not', null)
      .execute()
      .then((rows) => {
        for (const r of rows) {
          revoked.add(r.id);
          ns.local.in(boardRoom(r.id)).disconnectSockets(true);
        }
      })
      .catch((e: unknown) => log(`wallboard check failed: ${String(e)}`));
  }, 30_000);
  recheck.unref();
  return {
    disconnect: (tokenId) => {
      revoked.add(tokenId);
      ns.in(boardRoom(tokenId)).disconnectSockets(true);
    },
    close: () => clearInterval(recheck),
  };
}
