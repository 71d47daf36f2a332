/**
 * Simulated agents of bench:cluster, in a process of their own as on their own machines (bench/cluster.ts forks
 * one or two). Each holds one socket.io connection and behaves as the desktop's sync engine does, in memory:
 *
 * - replica: a map of ticket id -> version, and a cursor. Every ticket change it receives is APPLIED to that map
 *   (an upsert sets the version, a remove deletes, a reset drops everything); other kinds (comments, history,
 *   customers, users) only move the cursor. The desktop writes them to SQLite and validates them with zod; this
 *   does neither, so it is cheaper per change than a desktop. Agents of one department start from one shared
 *   first pull of that department (made here once, as if they had synced before) plus a map of their own for
 *   everything they apply afterwards.
 * - on connect: pull from the cursor until the page is the last, then send the outbox; on a poke: take the
 *   changes it carries when they start at the cursor and no pull or push is under way, else pull (as
 *   src/main/sync/engine.ts and applyPoke do).
 * - outbox: a pushing agent edits the subject of tickets of its department (its own share, so no two agents
 *   edit one ticket), one edit at a time as fast as they are acknowledged; each mutation keeps its id until the
 *   server answers it, and is sent again with the same id after a reconnect. Offline it keeps editing (every
 *   250 ms, at most 20 queued), as an agent keeps working.
 * - reconnect: socket.io's own, with the desktop engine's back-off (0.5 s doubling to 4 s, ±25 %), websocket
 *   only, through the address it was given (HAProxy), so a dead node's agents land on the node that is left.
 *
 * argv: the server URL and a JSON file of { agents: [{ row, tickets }] } (tickets: the pusher's share, empty
 * for an agent that only follows). The signing secret comes in env BENCH_JWT_SECRET. Commands arrive over IPC
 * ({ type, id, ... }); every answer carries the command's id.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { signAccessToken } from '../src/server/auth/tokens';
import type { Database } from '../src/server/db/schema';
import { toUser } from '../src/server/directory/directory-store';
import { SocketEvents } from '../src/shared/protocol/sync';

const [url, accountsFile] = process.argv.slice(2);
if (!url || !accountsFile || !process.send) throw new Error('forked by bench/cluster.ts');
const send = (m: unknown) => process.send!(m);
const secret = new TextEncoder().encode(process.env['BENCH_JWT_SECRET']);
const ttl = Number(process.env['BENCH_TTL_SECONDS'] ?? 4 * 3600);
const input = JSON.parse(readFileSync(accountsFile, 'utf8')) as {
  agents: { row: Database['users']; tickets: string[] }[];
};

interface WireChange {
  version: number;
  kind: string;
  op: string;
  id?: string;
  data?: { id: string; version: number };
}
interface PullAck {
  ok: boolean;
  data?: { changes: WireChange[]; cursor: number; hasMore: boolean; reset: boolean };
  error?: { message: string };
}
interface PushAck {
  ok: boolean;
  data?: { results: { id: string; status: 'applied' | 'rejected'; error?: { code: string } }[] };
}
interface Edit {
  id: string;
  name: 'ticket.update';
  args: { ticketId: string; patch: { subject: string }; baseVersion: number };
}

// As src/main/sync/engine.ts: a request times out after 30 s; a failed pull or push is tried again after a
// back-off of 0.5 s doubling to 4 s (±25 %), while connected (a reconnect pulls and pushes anyway).
const REQUEST_TIMEOUT_MS = 30_000;
const retryDelay = (failures: number) =>
  Math.min(4000, 500 * 2 ** Math.min(failures - 1, 10)) * (0.75 + Math.random() / 2);
const PUSH_BATCH = 100;
const stats = {
  applied: 0, // changes applied to replicas
  pokesTaken: 0,
  pulls: 0,
  retries: 0,
  acked: 0, // mutations answered 'applied'
  rejected: 0,
  disconnects: 0,
  reconnects: 0,
  errors: [] as string[],
};
/** Every edit made (mutation id, ticket, subject it set) and every id the server acknowledged as applied. */
const made: { id: string; user: string; ticketId: string; subject: string }[] = [];
const ackedIds: string[] = [];
/** Push round trips (send -> acknowledgement) in ms since the last 'rtt' command. */
let rtts: number[] = [];
let editing = false;
let marked = false;

class Agent {
  socket!: Socket;
  cursor: number;
  own = new Map<string, number>(); // ticket id -> version (-1: removed), over the department's shared pull
  base: Map<string, number>;
  pulling = false;
  again = false;
  pushing = false;
  outbox: Edit[] = [];
  edits = 0;
  everConnected = false;
  /** Disconnected since the failover mark: its node died. */
  affected = false;
  failures = 0;
  retryTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly row: Database['users'],
    readonly tickets: string[],
    start: { cursor: number; base: Map<string, number> },
  ) {
    this.cursor = start.cursor;
    this.base = start.base;
  }

  version(id: string): number | undefined {
    const v = this.own.get(id) ?? this.base.get(id);
    return v === -1 ? undefined : v;
  }

  apply(changes: WireChange[]) {
    for (const c of changes) {
      if (c.kind !== 'ticket') continue;
      if (c.op === 'upsert' && c.data) this.own.set(c.data.id, c.data.version);
      else if (c.op === 'remove' && c.id) this.own.set(c.id, -1);
    }
    stats.applied += changes.length;
  }

  async connect(): Promise<void> {
    const token = await signAccessToken(secret, toUser(this.row), this.row.id, ttl, new Date());
    this.socket = connectSocket(url!, {
      auth: { token },
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: 500,
      reconnectionDelayMax: 4000,
      randomizationFactor: 0.25,
      timeout: 10_000,
    });
    this.socket.on(SocketEvents.poke, (poke: { head: number; from?: number; changes?: WireChange[] }) => {
      const from = poke.from;
      // As applyPoke (src/main/sync/pull.ts): the poke is every change of the scope in (from, head], so a cursor
      // anywhere in that range takes the part after it; one already at or past head has nothing to take.
      const takes = from !== undefined && from <= this.cursor;
      if (!this.pulling && !this.pushing && poke.changes && takes) {
        // A ticket sent ahead of its children carries a child's version: judged by its own (as applyPoke).
        this.apply(
          poke.changes.filter(
            (c) =>
              c.version > this.cursor ||
              (c.kind === 'ticket' && c.op === 'upsert' && (c.data?.version ?? 0) > this.cursor),
          ),
        );
        this.cursor = Math.max(this.cursor, poke.head);
        stats.pokesTaken++;
        // As the engine: a queued edit still needs sending.
        if (this.outbox.length > 0) void this.flush();
      } else void this.pull();
    });
    this.socket.on('disconnect', () => {
      stats.disconnects++;
      if (marked) this.affected = true;
    });
    this.socket.on('connect', () => {
      if (this.everConnected) stats.reconnects++;
      this.everConnected = true;
      void this.pull();
    });
    await new Promise<void>((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', (e) => reject(new Error(`${this.row.username}: ${e.message}`)));
    });
  }

  retryLater() {
    if (this.retryTimer) return;
    stats.retries++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      if (this.socket.connected) void this.pull();
    }, retryDelay(++this.failures));
  }

  async pull(): Promise<void> {
    if (this.pulling) {
      this.again = true;
      return;
    }
    this.pulling = true;
    try {
      do {
        this.again = false;
        const ack = (await this.socket
          .timeout(REQUEST_TIMEOUT_MS)
          .emitWithAck(SocketEvents.pull, { cursor: this.cursor, limit: 1000 })
          .catch(() => null)) as PullAck | null;
        stats.pulls++;
        if (!ack?.ok || !ack.data) {
          if (ack && stats.errors.length < 20) stats.errors.push(`pull: ${ack.error?.message}`);
          // Timed out or refused: again later (disconnected: the reconnect pulls).
          if (this.socket.connected) this.retryLater();
          return;
        }
        this.failures = 0;
        if (ack.data.reset) {
          this.own.clear();
          this.base = new Map();
        }
        this.apply(ack.data.changes);
        this.cursor = ack.data.cursor;
        if (ack.data.hasMore) this.again = true;
      } while (this.again && this.socket.connected);
    } finally {
      this.pulling = false;
    }
    // As the desktop: what was queued goes out once the replica is current.
    void this.flush();
  }

  edit() {
    const ticketId = this.tickets[this.edits % this.tickets.length]!;
    const subject = `bench ${this.row.username} edit ${++this.edits}`;
    const m: Edit = {
      id: randomUUID(),
      name: 'ticket.update',
      args: { ticketId, patch: { subject }, baseVersion: this.version(ticketId) ?? 0 },
    };
    this.outbox.push(m);
    made.push({ id: m.id, user: this.row.id, ticketId, subject });
  }

  async flush(): Promise<void> {
    if (this.pushing) return;
    this.pushing = true;
    try {
      for (;;) {
        if (editing && this.tickets.length > 0 && this.outbox.length === 0) this.edit();
        if (this.outbox.length === 0 || !this.socket.connected) return;
        const batch = this.outbox.slice(0, PUSH_BATCH);
        const sentAt = performance.now();
        const ack = (await this.socket
          .timeout(REQUEST_TIMEOUT_MS)
          .emitWithAck(SocketEvents.push, { mutations: batch, deviceId: `bench-${this.row.id}` })
          .catch(() => null)) as PushAck | null;
        if (!ack?.ok || !ack.data) {
          // Kept in the outbox and sent again with the same ids: after a back-off, or after the reconnect.
          if (this.socket.connected) this.retryLater();
          return;
        }
        rtts.push(performance.now() - sentAt);
        const answered = new Set<string>();
        for (const r of ack.data.results) {
          answered.add(r.id);
          if (r.status === 'applied') {
            stats.acked++;
            ackedIds.push(r.id);
          } else {
            stats.rejected++;
            if (stats.errors.length < 20) stats.errors.push(`push rejected: ${r.error?.code}`);
          }
        }
        this.outbox = this.outbox.filter((m) => !answered.has(m.id));
      }
    } finally {
      this.pushing = false;
    }
  }
}

/** A department's first sync, made once here and shared by its agents as the replica they start from. */
async function firstPull(row: Database['users']): Promise<{ cursor: number; base: Map<string, number> }> {
  const token = await signAccessToken(secret, toUser(row), row.id, ttl, new Date());
  const socket = connectSocket(url!, { auth: { token }, transports: ['websocket'], forceNew: true });
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const base = new Map<string, number>();
    let cursor = 0;
    for (;;) {
      const ack = (await socket
        .timeout(60_000)
        .emitWithAck(SocketEvents.pull, { cursor, limit: 10_000 })) as PullAck;
      if (!ack.ok || !ack.data) throw new Error(`first pull: ${ack.error?.message}`);
      for (const c of ack.data.changes)
        if (c.kind === 'ticket' && c.op === 'upsert' && c.data) base.set(c.data.id, c.data.version);
      cursor = ack.data.cursor;
      if (!ack.data.hasMore) return { cursor, base };
    }
  } finally {
    socket.close();
  }
}

const starts = new Map<string, { cursor: number; base: Map<string, number> }>();
for (const { row } of input.agents)
  if (!starts.has(row.department_id!)) starts.set(row.department_id!, await firstPull(row));
const agents = input.agents.map(
  ({ row, tickets }) => new Agent(row, tickets, starts.get(row.department_id!)!),
);
// A hundred at a time: every connection is a token check and a session read on the node.
for (let i = 0; i < agents.length; i += 100)
  await Promise.all(agents.slice(i, i + 100).map((a) => a.connect()));
const pushers = agents.filter((a) => a.tickets.length > 0);
setInterval(() => {
  if (!editing) return;
  for (const a of pushers) if (!a.socket.connected && a.outbox.length < 20) a.edit();
}, 250).unref();

function summary(list: Agent[], heads: Record<string, number>) {
  let pending = 0;
  let connected = 0;
  let behind = 0;
  let minCursor = Number.MAX_SAFE_INTEGER;
  for (const a of list) {
    pending += a.outbox.length;
    if (a.socket.connected) connected++;
    if (a.cursor < (heads[a.row.department_id!] ?? 0)) behind++;
    minCursor = Math.min(minCursor, a.cursor);
  }
  return { count: list.length, connected, pending, behind, minCursor: list.length ? minCursor : 0 };
}

type Command =
  | { type: 'edit'; id: number; on: boolean }
  | { type: 'mark'; id: number }
  | { type: 'status'; id: number; heads: Record<string, number> }
  | { type: 'check'; id: number; versions: Record<string, number> }
  | { type: 'report'; id: number }
  | { type: 'rtt'; id: number };

process.on('message', (m: Command) => {
  switch (m.type) {
    case 'edit':
      editing = m.on;
      if (editing) for (const a of pushers) void a.flush();
      return send({ id: m.id });
    case 'mark':
      marked = true;
      return send({ id: m.id });
    case 'status':
      return send({
        id: m.id,
        all: summary(agents, m.heads),
        pushers: summary(pushers, m.heads),
        affected: summary(
          agents.filter((a) => a.affected),
          m.heads,
        ),
        affectedPushers: pushers.filter((a) => a.affected).length,
        stats: { ...stats, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000 },
      });
    case 'check': {
      // Each replica against the database: every ticket of the agent's department at the version stored there.
      let agentsOff = 0;
      let ticketsOff = 0;
      const byDept = new Map<string, string[]>();
      for (const [id, dept] of Object.entries(ticketDepartments)) {
        if (!byDept.has(dept)) byDept.set(dept, []);
        byDept.get(dept)!.push(id);
      }
      for (const a of agents) {
        let off = 0;
        for (const id of byDept.get(a.row.department_id!) ?? []) if (a.version(id) !== m.versions[id]) off++;
        if (off > 0) agentsOff++;
        ticketsOff += off;
      }
      return send({ id: m.id, agentsOff, ticketsOff });
    }
    case 'rtt': {
      const list = rtts;
      rtts = [];
      return send({ id: m.id, rtts: list });
    }
    case 'report':
      return send({ id: m.id, made, acked: ackedIds });
  }
});
process.on('disconnect', () => {
  for (const a of agents) a.socket.close();
  process.exit(0);
});
// Which department each ticket is in, from the first pulls (a ticket never moves department in this bench).
const ticketDepartments: Record<string, string> = {};
for (const [dept, s] of starts) for (const id of s.base.keys()) ticketDepartments[id] = dept;
send({ type: 'ready', connected: agents.filter((a) => a.socket.connected).length });
