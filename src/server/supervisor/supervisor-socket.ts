import { v7 as uuidv7 } from 'uuid';
import type { Server, Socket } from 'socket.io';
import {
  AssignWaitingCallRequest,
  parseOrThrow,
  supervisesAgents,
  SupervisorMessageRequest,
  SupervisorSocketEvents,
  SupervisorSubscribeRequest,
  SwitchboardError,
  type SupervisorDelta,
  type SupervisorMessage,
  type SupervisorSnapshot,
  type User,
  type WaitingCallList,
} from '../../shared';
import { writeAudit } from '../audit/audit-log';
import type { AuthService } from '../auth/auth-service';
import type { Db } from '../db/schema';
import { socketHandler, type SocketData } from '../sync/sync-socket';
import type { WaitingApi } from '../voice/waiting-api';
import type { LiveChanges, LiveModel } from './live-model';

/** Rooms every sync socket joins for supervisors' messages (the cluster adapter delivers them on every node). */
export const noticeUserRoom = (userId: string) => `sup:notice:user:${userId}`;
export const noticeDeptRoom = (departmentId: string) => `sup:notice:dept:${departmentId}`;

/** One socket watching the live view: a supervisor's desktop or a wallboard. */
export interface Subscriber {
  socket: Socket;
  /** The departments it sees; null: all (admins). */
  departments: Set<string> | null;
  /** Its own sequence: the snapshot's, then +1 per delta it was sent. */
  seq: number;
  event: string;
  /** Checked before each delta (a supervisor's access token may expire; a board's token may be revoked). */
  allowed: () => boolean;
  /**
   * Checked every RECHECK_MS against the database (session ended, account disabled, role or department
   * changed): false ends the subscription (the view stops; subscribing again is refused or narrowed).
   */
  recheck?: () => Promise<boolean>;
}

/** How often subscribers' rights are read again from the database. */
export const RECHECK_MS = 15_000;

/**
 * Sends each window's changed rows to every subscriber, filtered by the departments it sees, with its own seq
 * (so a subscriber's deltas are numbered without gaps, whatever other departments do).
 */
export class LiveHub {
  private readonly subscribers = new Map<string, Subscriber>();

  constructor(private readonly model: LiveModel) {
    model.onChanges = (c) => this.send(c);
  }

  /** Registers (or re-registers) a socket and answers its snapshot, numbered 0. */
  subscribe(s: Omit<Subscriber, 'seq'>): SupervisorSnapshot {
    const sub: Subscriber = { ...s, seq: 0 };
    this.subscribers.set(s.socket.id, sub);
    const sees = (d: string) => sub.departments === null || sub.departments.has(d);
    return this.model.snapshot(sees, 0);
  }

  /** A fresh snapshot for a subscriber (a wallboard's resync): the numbering starts again. */
  resync(socketId: string): SupervisorSnapshot | undefined {
    const sub = this.subscribers.get(socketId);
    if (!sub) return undefined;
    sub.seq = 0;
    return this.model.snapshot((d) => sub.departments === null || sub.departments.has(d), 0);
  }

  unsubscribe(socketId: string): void {
    this.subscribers.delete(socketId);
  }

  get count(): number {
    return this.subscribers.size;
  }

  all(): Subscriber[] {
    return [...this.subscribers.values()];
  }

  /** Reads every subscriber's rights again; those who lost them stop getting deltas. */
  async recheck(): Promise<void> {
    for (const sub of [...this.subscribers.values()]) {
      if (!sub.recheck) continue;
      const ok = await sub.recheck().catch(() => false);
      if (!ok && this.subscribers.get(sub.socket.id) === sub) this.subscribers.delete(sub.socket.id);
    }
  }

  private send(c: LiveChanges): void {
    if (this.subscribers.size === 0) return;
    for (const sub of this.subscribers.values()) {
      if (!sub.socket.connected) {
        this.subscribers.delete(sub.socket.id);
        continue;
      }
      if (!sub.allowed()) continue;
      const sees = (d: string) => sub.departments === null || sub.departments.has(d);
      const delta: SupervisorDelta = {
        at: c.at,
        day: c.day,
        seq: sub.seq + 1,
        queues: c.queues.filter((q) => sees(q.departmentId)),
        agents: c.agents.filter((a) => sees(a.departmentId)),
        removedAgents: c.removedAgents.filter((r) => sees(r.departmentId)).map((r) => r.userId),
        departments: c.departments.filter((d) => sees(d.departmentId)),
      };
      if (
        !c.newDay &&
        delta.queues.length + delta.agents.length + delta.removedAgents.length + delta.departments.length ===
          0
      )
        continue;
      sub.seq = delta.seq;
      sub.socket.emit(sub.event, delta);
    }
  }
}

/** The departments a user may watch: their own (team leads, supervisors), all (admins: null). */
export function watchableDepartments(user: User, requested: string[] | undefined): Set<string> | null {
  if (!supervisesAgents(user.role))
    throw new SwitchboardError(
      'forbidden',
      'Only team leads, supervisors and administrators see the live view.',
    );
  if (user.role === 'admin') return requested ? new Set(requested) : null;
  if (user.departmentId === null)
    throw new SwitchboardError(
      'forbidden',
      'You belong to no department, so there is nothing for you to watch.',
    );
  if (requested && requested.some((d) => d !== user.departmentId))
    throw new SwitchboardError('forbidden', 'You can watch only your own department.');
  return new Set([user.departmentId]);
}

/**
 * The supervisor events on the sync socket (SupervisorSocketEvents), each authorised afresh as every socket
 * event is (socketHandler: token expiry, session, account, role and department read again).
 */
export function attachSupervisorSocket(
  io: Server,
  deps: {
    db: Db;
    auth: AuthService;
    hub: LiveHub;
    model: LiveModel;
    now: () => Date;
    log: (line: string) => void;
    waiting?: WaitingApi;
  },
): void {
  const { db, auth, hub, model, now, log } = deps;
  const handle = socketHandler(auth, log);

  io.on('connection', (socket) => {
    const data = socket.data as SocketData;
    const user = data.user;
    void socket.join(noticeUserRoom(user.id));
    if (user.departmentId !== null) void socket.join(noticeDeptRoom(user.departmentId));
    socket.on('disconnect', () => hub.unsubscribe(socket.id));

    socket.on(
      SupervisorSocketEvents.subscribe,
      handle(socket, async (u, input) => {
        const req = parseOrThrow(SupervisorSubscribeRequest, input ?? {}, 'live view subscription');
        const departments = watchableDepartments(u, req.departmentIds);
        const same = (d: Set<string> | null) =>
          d === null || departments === null
            ? d === departments
            : d.size === departments.size && [...d].every((x) => departments.has(x));
        return hub.subscribe({
          socket,
          departments,
          event: SupervisorSocketEvents.delta,
          // Pushes go only while the socket's access token is valid (a refreshed one is checked on its events).
          allowed: () => data.expiresAt * 1000 > now().getTime(),
          recheck: async () => {
            const claims =
              data.verified?.token === data.token ? data.verified.claims : await auth.verify(data.token);
            const user = await auth.userFor(claims);
            return same(watchableDepartments(user, req.departmentIds));
          },
        });
      }),
    );
    socket.on(
      SupervisorSocketEvents.unsubscribe,
      handle(socket, async () => {
        hub.unsubscribe(socket.id);
        return {};
      }),
    );
    socket.on(
      SupervisorSocketEvents.waiting,
      handle(socket, async (u): Promise<WaitingCallList> => {
        const sees = watchableDepartments(u, undefined);
        const calls = ((await deps.waiting?.waitingCalls()) ?? []).filter((c) => {
          const d = model.queueDepartment(c.queueId);
          return d !== undefined && (sees === null || sees.has(d));
        });
        return { calls };
      }),
    );
    socket.on(
      SupervisorSocketEvents.assignCall,
      handle(socket, async (u, input) => {
        const req = parseOrThrow(AssignWaitingCallRequest, input, 'call assignment');
        watchableDepartments(u, undefined);
        if (!deps.waiting) throw new SwitchboardError('not_found', 'No such call waiting in a queue.');
        // The routing owner checks the call's department against the supervisor's again (another department's
        // call is not_found, as one not waiting), and the agent (Available, with a phone, of that department).
        await deps.waiting.assignWaiting(u, req.callId, req.userId);
        return {};
      }),
    );
    socket.on(
      SupervisorSocketEvents.message,
      handle(socket, (u, input) => sendMessage(io, db, now, u, input)),
    );
  });
}

/** A supervisor's message: authorised, stored and audited in one transaction, then pushed to the desktops. */
async function sendMessage(
  io: Server,
  db: Db,
  now: () => Date,
  u: User,
  input: unknown,
): Promise<SupervisorMessage> {
  const req = parseOrThrow(SupervisorMessageRequest, input, 'message');
  if (!supervisesAgents(u.role))
    throw new SwitchboardError(
      'forbidden',
      'Only team leads, supervisors and administrators send messages to agents.',
    );
  let departmentId: string;
  if (req.toUserId !== undefined) {
    const target = await db
      .selectFrom('users')
      .select(['id', 'department_id', 'disabled'])
      .where('id', '=', req.toUserId)
      .executeTakeFirst();
    if (!target || target.disabled || target.department_id === null)
      throw new SwitchboardError('not_found', 'No such agent.');
    departmentId = target.department_id;
  } else departmentId = req.toDepartmentId!;
  if (u.role !== 'admin' && u.departmentId !== departmentId)
    throw new SwitchboardError(
      req.toUserId !== undefined ? 'not_found' : 'forbidden',
      req.toUserId !== undefined ? 'No such agent.' : 'You can message only your own department.',
    );
  if (req.toDepartmentId !== undefined) {
    const dept = await db
      .selectFrom('departments')
      .select('id')
      .where('id', '=', departmentId)
      .executeTakeFirst();
    if (!dept) throw new SwitchboardError('not_found', 'No such department.');
  }
  const message: SupervisorMessage = {
    id: uuidv7(),
    fromUserId: u.id,
    fromName: u.displayName,
    toUserId: req.toUserId ?? null,
    toDepartmentId: req.toDepartmentId ?? null,
    text: req.text,
    at: now().toISOString(),
  };
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('supervisor_messages')
      .values({
        id: message.id,
        from_user_id: message.fromUserId,
        to_user_id: message.toUserId,
        to_department_id: message.toDepartmentId,
        text: message.text,
        at: message.at,
      })
      .execute();
    await writeAudit(trx, {
      at: message.at,
      actorId: u.id,
      action: 'supervisor.message',
      subjectId: message.toUserId ?? message.toDepartmentId,
      detail: {
        messageId: message.id,
        toUserId: message.toUserId,
        toDepartmentId: message.toDepartmentId,
        text: message.text,
      },
    });
  });
  io.to(message.toUserId !== null ? noticeUserRoom(message.toUserId) : noticeDeptRoom(departmentId)).emit(
    SupervisorSocketEvents.notice,
    message,
  );
  return message;
}
