import type { Server } from 'socket.io';
import type { AgentStatus } from '../../shared';
import type { AuthService } from '../auth/auth-service';
import type { ChatService } from '../chat/chat-service';
import type { Db } from '../db/schema';
import { LiveModel } from './live-model';
import type { WaitingApi } from '../voice/waiting-api';
import { attachSupervisorSocket, LiveHub, RECHECK_MS } from './supervisor-socket';
import { attachWallboards } from './wallboard';

export { LiveModel } from './live-model';
export { LiveHub } from './supervisor-socket';
export { wallboardRouter } from './wallboard';

export interface SupervisorOptions {
  /** The service's time zone for "today" (IANA); default SWITCHBOARD_TIME_ZONE, else the first SLA calendar's, else UTC. */
  timeZone?: string;
  /** The coalescing window of pushes; default 100 ms. */
  windowMs?: number;
}

export interface Supervisor {
  model: LiveModel;
  hub: LiveHub;
  /** Every agent status this node hears (the routing owner's own, the others' through NOTIFY). */
  status(s: AgentStatus): void;
  /** Call records of a department were written on this node: read the stream now rather than at the next tick. */
  interactionsChanged(): void;
  /** An administrator changed queues, skills or agents. */
  directoryChanged(): void;
  /** Disconnects the boards of a revoked wallboard token, on every node. */
  disconnectWallboard(tokenId: string): void;
  close(): void;
}

/**
 * The supervisors' live view (README.md): the model of this node, the sync socket's supervisor events and the
 * pushes. Every node of a cluster runs one; each builds the same view from the shared database and the statuses
 * every node hears.
 */
export async function startSupervisor(deps: {
  db: Db;
  io: Server;
  auth: AuthService;
  chat: ChatService;
  now: () => Date;
  log: (line: string) => void;
  /** Callers waiting in queues (the queue helper's API, the same on every node). */
  waiting?: WaitingApi;
  options?: SupervisorOptions;
}): Promise<Supervisor> {
  const { db, log } = deps;
  const timeZone = deps.options?.timeZone ?? process.env.SWITCHBOARD_TIME_ZONE ?? (await calendarZone(db));
  const model = new LiveModel({ db, now: deps.now, log, timeZone, windowMs: deps.options?.windowMs });
  const hub = new LiveHub(model);
  await model.start();
  // Callers waiting in the queues (the voice service's list, on every node): counts and the longest wait.
  let changed = false;
  const offWaiting = deps.waiting?.onChange((calls) => {
    changed = true;
    model.applyWaiting(calls);
  });
  // Not awaited: on PostgreSQL the list comes from the node that owns routing, and at a cluster's start that
  // is decided only after this (cluster.start); waiting for it held every node's start for seconds. A change
  // heard meanwhile is newer than this first read, which then is dropped.
  if (deps.waiting)
    void deps.waiting
      .waitingCalls()
      .then((calls) => {
        if (!changed) model.applyWaiting(calls);
      })
      .catch((e: unknown) => log(`live view: waiting calls not read yet: ${String(e)}`));
  attachSupervisorSocket(deps.io, {
    db,
    auth: deps.auth,
    hub,
    model,
    now: deps.now,
    log,
    waiting: deps.waiting,
  });
  const boards = attachWallboards(deps.io, { db, hub, now: deps.now, log });
  const fail = (what: string) => (e: unknown) =>
    log(`live view: ${what} failed: ${e instanceof Error ? e.message : String(e)}`);
  // The stream is read a few times a second whatever happens here: call records another node wrote, tickets.
  const tail = setInterval(() => void model.tail(), 250);
  const chats = setInterval(() => void model.refreshChats().catch(fail('reading chats')), 2000);
  // Tickets' SLA breaches come with time, not only with changes; the day changes at midnight.
  const slow = setInterval(() => {
    void model.refreshTickets(null).catch(fail('reading tickets'));
    void model.checkDay().catch(fail('starting a new day'));
  }, 15_000);
  // Subscribers' rights read again (a supervisor disabled, moved or signed out stops getting deltas).
  const recheck = setInterval(() => void hub.recheck(), RECHECK_MS);
  for (const t of [tail, chats, slow, recheck]) t.unref();
  let chatTimer: NodeJS.Timeout | undefined;
  const offChat = deps.chat.on('state', () => {
    chatTimer ??= setTimeout(() => {
      chatTimer = undefined;
      void model.refreshChats().catch(fail('reading chats'));
    }, 50);
  });
  return {
    model,
    hub,
    status: (s) => model.applyStatus(s),
    interactionsChanged: () => void model.tail(),
    directoryChanged: () => void model.loadDirectory().catch(fail('reading the directory')),
    disconnectWallboard: (id) => boards.disconnect(id),
    close: () => {
      boards.close();
      clearInterval(tail);
      clearInterval(chats);
      clearInterval(slow);
      clearInterval(recheck);
      clearTimeout(chatTimer);
      offChat();
      offWaiting?.();
      model.close();
    },
  };
}

/** The time zone the SLA calendars count business days in (the first one's): the service's day. */
async function calendarZone(db: Db): Promise<string> {
  const row = await db.selectFrom('admin_calendars').select('body').orderBy('id').executeTakeFirst();
  if (!row) return 'UTC';
  try {
    const zone = (JSON.parse(row.body) as { timeZone?: unknown }).timeZone;
    return typeof zone === 'string' && zone.length > 0 ? zone : 'UTC';
  } catch {
    return 'UTC';
  }
}
