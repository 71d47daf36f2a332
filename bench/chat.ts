/**
 * bench:chat: 1,000 concurrent widget sessions on loopback exchanging messages with 50 agent connections, through
 * the real service (bench/chat-server.ts, its own process): visitors on the visitor WebSocket as the widget speaks
 * it, agents on the sync socket as the desktop does (chat:* of src/shared/chat/agent-protocol.ts), every chat
 * handed to a person and routed by the service's own router. Measured: message delivery visitor -> agent and
 * agent -> visitor (p95 target <= 50 ms), the service's memory per session (resident set before and after the
 * sessions), and knowledge-base search over 10,000 articles (bench:kb's core, target p95 <= 20 ms).
 * `npm run bench:chat` (BENCH_CHAT_SESSIONS, BENCH_CHAT_AGENTS, BENCH_CHAT_SECONDS, BENCH_CHAT_INTERVAL_MS scale it).
 * Last line: one JSON summary; exit code 1 when a target is missed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { migrateToLatest } from '../src/server/db/migrate';
import { openDatabase } from '../src/server/db/open';
import { ChatSocketEvents } from '../src/shared/chat/agent-protocol';
import { CHAT_VISITOR_SOCKET_PATH } from '../src/shared/chat/limits';
import type { ServerFrame } from '../src/shared/chat/protocol';
import { runKbSearchBench } from './kb';

const SESSIONS = Number(process.env['BENCH_CHAT_SESSIONS'] ?? 1000);
const AGENTS = Number(process.env['BENCH_CHAT_AGENTS'] ?? 50);
const SECONDS = Number(process.env['BENCH_CHAT_SECONDS'] ?? 30);
/** Each visitor writes about this often (jittered), and the agent answers each message at once. */
const INTERVAL_MS = Number(process.env['BENCH_CHAT_INTERVAL_MS'] ?? 10_000);
const targets = { deliveryP95Ms: 50, kbSearchP95Ms: 20 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
const round = (x: number) => Number(x.toFixed(2));
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** The service's resident set in bytes (Linux). */
function rssOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
}

async function startService(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/chat-server.ts'], {
    cwd: join(import.meta.dirname, '..'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the service exited (${code}) before listening`)));
    lines.on('line', (l) => {
      try {
        const parsed = JSON.parse(l) as { url?: string };
        if (parsed.url) resolve(parsed.url);
      } catch {
        // not the ready line
      }
    });
  });
  return { child, url };
}

async function http<T>(
  url: string,
  init: { method?: string; token?: string; body?: unknown } = {},
): Promise<T> {
  const res = await fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

const login = async (base: string, username: string, password = 'switchboard') =>
  (
    await http<{ accessToken: string; user: { id: string } }>(`${base}/api/auth/login`, {
      body: { username, password },
    })
  ).accessToken;

type Ack<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };
const request = <T>(socket: Socket, event: string, payload: unknown) =>
  new Promise<T>((resolve, reject) =>
    socket.timeout(30_000).emit(event, payload, (err: unknown, ack: Ack<T>) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else if (!ack.ok) reject(new Error(`${event}: ${ack.error.code} ${ack.error.message}`));
      else resolve(ack.data);
    }),
  );

/** A message's text carries when it was sent: `<kind> <epoch ms, fractional> <n>`. */
const stamp = (kind: string, n: number) =>
  `${kind} ${(performance.timeOrigin + performance.now()).toFixed(3)} ${n}`;
const sentAt = (text: string) => Number(text.split(' ')[1]);
const now = () => performance.timeOrigin + performance.now();

interface Agent {
  socket: Socket;
  chats: Set<string>;
}

async function connectAgents(base: string, departmentId: string, adminToken: string): Promise<Agent[]> {
  // The demo's agents of the department, then made ones up to AGENTS.
  const overview = await http<{
    users: { username: string; role: string; departmentId: string | null; disabled: boolean }[];
  }>(`${base}/api/admin/overview`, { token: adminToken });
  const names = overview.users
    .filter((u) => u.role === 'agent' && u.departmentId === departmentId && !u.disabled)
    .map((u) => u.username);
  for (let i = 1; names.length < AGENTS; i++) {
    const username = `benchagent${String(i).padStart(3, '0')}`;
    await http(`${base}/api/admin/users`, {
      token: adminToken,
      body: {
        username,
        displayName: `Bench ${i}`,
        role: 'agent',
        departmentId,
        password: 'switchboard-bench',
      },
    });
    names.push(username);
  }
  const agents: Agent[] = [];
  for (const username of names.slice(0, AGENTS)) {
    const token = await login(
      base,
      username,
      username.startsWith('benchagent') ? 'switchboard-bench' : 'switchboard',
    );
    const socket = io(base, {
      auth: { token },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const status = await request<{ version: number }>(socket, 'agent:getStatus', {});
    await request(socket, 'agent:setState', { state: 'Available', version: status.version });
    agents.push({ socket, chats: new Set() });
  }
  return agents;
}

async function main(): Promise<void> {
  console.log(
    `Load average at start: ${load()} (2 cores; the service, ${SESSIONS} visitors and ${AGENTS} agents share them)`,
  );
  const { child, url } = await startService();
  const base = url.replace(/\/$/, '');
  const toAgent: number[] = [];
  const toVisitor: number[] = [];
  let measuring = false;
  const visitors: WebSocket[] = [];
  let agents: Agent[] = [];
  try {
    const adminToken = await login(base, 'admin');
    const sites = await http<{ id: string; departmentId: string }[]>(`${base}/api/chat/sites`, {
      token: adminToken,
    });
    const site = sites.find((s) => s.id === 'demo');
    if (!site) throw new Error('the demo chat site is missing');
    agents = await connectAgents(base, site.departmentId, adminToken);

    // Agents take every chat offered and answer each visitor message at once.
    let replies = 0;
    for (const a of agents) {
      a.socket.on(ChatSocketEvents.offer, (offer: { offerId: string; chat: { id: string } }) => {
        request(a.socket, ChatSocketEvents.accept, { offerId: offer.offerId }).then(
          () => a.chats.add(offer.chat.id),
          (e: unknown) => console.error(`accept failed: ${String(e)}`),
        );
      });
      a.socket.on(
        ChatSocketEvents.message,
        (push: { chat: { id: string }; message: { sender: string; text: string } }) => {
          if (push.message.sender !== 'visitor') return;
          if (measuring) toAgent.push(now() - sentAt(push.message.text));
          const n = ++replies;
          request(a.socket, ChatSocketEvents.send, {
            chatId: push.chat.id,
            clientId: `r${n}`,
            text: stamp('reply', n),
          }).catch((e: unknown) => console.error(`send failed: ${String(e)}`));
        },
      );
    }

    await sleep(500);
    const rssBefore = rssOf(child.pid!);

    // Visitors: hello, then "talk to a person"; the service routes each chat to an agent.
    const origin = new URL(base).origin;
    const withAgent = new Set<number>();
    const t0 = performance.now();
    for (let i = 0; i < SESSIONS; i++) {
      const ws = new WebSocket(`${base.replace(/^http/, 'ws')}${CHAT_VISITOR_SOCKET_PATH}`, { origin });
      visitors.push(ws);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', site: 'demo', language: 'en' })));
      ws.on('message', (raw) => {
        const f = JSON.parse(String(raw)) as ServerFrame;
        if (f.type === 'welcome') ws.send(JSON.stringify({ type: 'handoff' }));
        else if (f.type === 'state' && f.session.state === 'agent') withAgent.add(i);
        else if (
          f.type === 'message' &&
          f.message.sender === 'agent' &&
          f.message.text.startsWith('reply ')
        ) {
          if (measuring) toVisitor.push(now() - sentAt(f.message.text));
        } else if (f.type === 'error') console.error(`visitor ${i}: ${f.code} ${f.message}`);
      });
      ws.on('error', (e) => console.error(`visitor ${i}: ${e.message}`));
      // Arriving over a few seconds, as a busy site's visitors do, not in one burst.
      if (i % 50 === 49) await sleep(100);
    }
    for (let waited = 0; withAgent.size < SESSIONS; waited += 200) {
      if (waited > 120_000)
        throw new Error(`only ${withAgent.size} of ${SESSIONS} chats reached an agent in 2 minutes`);
      await sleep(200);
    }
    const routedS = (performance.now() - t0) / 1000;
    console.log(
      `${SESSIONS} chats opened, handed to a person and accepted by ${AGENTS} agents in ${routedS.toFixed(1)} s`,
    );
    const held = agents.map((a) => a.chats.size).sort((a, b) => a - b);
    console.log(`  chats per agent: min ${held[0]}, max ${held.at(-1)}`);

    // The exchange: every visitor writes about every INTERVAL_MS; each message is answered at once.
    measuring = true;
    let sent = 0;
    const end = performance.now() + SECONDS * 1000;
    const timers = visitors.map((ws, i) => {
      const write = () => {
        if (performance.now() >= end) return;
        const n = ++sent;
        ws.send(JSON.stringify({ type: 'send', clientId: `v${i}-${n}`, text: stamp('visitor', n) }));
        timer = setTimeout(write, INTERVAL_MS * (0.5 + Math.random()));
      };
      let timer = setTimeout(write, Math.random() * INTERVAL_MS);
      return () => clearTimeout(timer);
    });
    await sleep(SECONDS * 1000 + 2000);
    measuring = false;
    for (const stop of timers) stop();
    const rssAfter = rssOf(child.pid!);

    const a = [...toAgent].sort((x, y) => x - y);
    const v = [...toVisitor].sort((x, y) => x - y);
    const both = [...a, ...v].sort((x, y) => x - y);
    console.log(
      `visitor -> agent: ${a.length} messages, p50 ${round(percentile(a, 50))} ms, p95 ${round(percentile(a, 95))} ms, max ${round(a.at(-1) ?? NaN)} ms`,
    );
    console.log(
      `agent -> visitor: ${v.length} messages, p50 ${round(percentile(v, 50))} ms, p95 ${round(percentile(v, 95))} ms, max ${round(v.at(-1) ?? NaN)} ms`,
    );
    const lost = sent - a.length;
    console.log(
      `  ${sent} visitor messages sent in ${SECONDS} s (${(sent / SECONDS).toFixed(0)}/s, as many answers); ${lost} not seen by an agent`,
    );
    const perSessionKb = (rssAfter - rssBefore) / SESSIONS / 1024;
    console.log(
      `service memory: ${(rssBefore / 1e6).toFixed(0)} MB before the sessions, ${(rssAfter / 1e6).toFixed(0)} MB with ${SESSIONS} (${perSessionKb.toFixed(1)} KB per session)`,
    );

    for (const ws of visitors) ws.close();
    for (const ag of agents) ag.socket.close();

    // Knowledge-base search, as bench:kb measures it, in this process on its own database.
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-chat-kb-'));
    const db = openDatabase(join(dir, 'kb.sqlite'));
    const writer = openDatabase(join(dir, 'kb.sqlite'));
    let kb: Awaited<ReturnType<typeof runKbSearchBench>>;
    try {
      await migrateToLatest(db);
      kb = await runKbSearchBench({ db, writer, articles: 10_000, searches: 2_000 });
    } finally {
      await writer.destroy();
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
    console.log(
      `knowledge-base search over ${kb.metrics.articles} articles: p50 ${kb.metrics.searchP50Ms} ms, p95 ${kb.metrics.searchP95Ms} ms`,
    );
    console.log(`Load average at end: ${load()}`);

    const metrics = {
      sessions: SESSIONS,
      agents: AGENTS,
      seconds: SECONDS,
      routedSeconds: round(routedS),
      visitorMessages: sent,
      notDelivered: lost,
      toAgentP50Ms: round(percentile(a, 50)),
      toAgentP95Ms: round(percentile(a, 95)),
      toVisitorP50Ms: round(percentile(v, 50)),
      toVisitorP95Ms: round(percentile(v, 95)),
      deliveryP95Ms: round(percentile(both, 95)),
      serviceRssBeforeMb: round(rssBefore / 1e6),
      serviceRssAfterMb: round(rssAfter / 1e6),
      memoryPerSessionKb: round(perSessionKb),
      kbSearchP95Ms: kb.metrics.searchP95Ms,
    };
    const pass =
      lost === 0 &&
      metrics.deliveryP95Ms <= targets.deliveryP95Ms &&
      metrics.kbSearchP95Ms <= targets.kbSearchP95Ms;
    console.log(JSON.stringify({ bench: 'chat', metrics, targets, pass }));
    process.exitCode = pass ? 0 : 1;
  } catch (e) {
    console.error(e);
    console.log(JSON.stringify({ bench: 'chat', metrics: {}, targets, pass: false }));
    process.exitCode = 1;
  } finally {
    for (const ws of visitors) ws.terminate();
    for (const ag of agents) ag.socket.close();
    child.kill('SIGTERM');
  }
}

await main();
