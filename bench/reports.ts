/**
 * Reports (issue 14): the daily report over 1,000,000 tickets and 2,000,000 calls, through the service's own
 * code. A SQLite file made by the server's migrations gets a year of tickets (first replies, solves, transfers)
 * and calls (answered, abandoned, rated) in 8 departments, 24 queues and 240 agents, bulk-inserted with one
 * prepared statement per table, and their change-log rows as the service writes them. The reports follower
 * (src/server/reports/aggregator.ts) then builds the 15-minute aggregates from the change log exactly as it
 * does in the service (reused by later runs: BENCH_REPORTS_DB, default in the temp folder).
 *
 * Measured: what GET /api/reports does (catch up, then the report) for a month of days by department and by
 * queue, for every department (an administrator) and for one (a supervisor), months spread over the year;
 * p95 target <= 500 ms. SQLite only: the aggregates are the same rows on PostgreSQL (tests run there), but
 * this machine's throwaway cluster is not fast enough to load 3,000,000 rows in a bench run.
 * `npm run bench:reports`; env BENCH_TICKETS (default 1,000,000), BENCH_CALLS (2,000,000), BENCH_RUNS (40).
 * Last line: one JSON summary; exit code 1 on a miss.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DateTime } from 'luxon';
import { migrateToLatest } from '../src/server/db/migrate';
import { openDatabase, sqliteBulk } from '../src/server/db/open';
import type { Db } from '../src/server/db/schema';
import { ReportAggregator } from '../src/server/reports/aggregator';
import { runReport } from '../src/server/reports/report-query';
import type { ReportQuery } from '../src/shared/protocol/reports';

const DAY = 86_400_000;
const ZONE = 'Asia/Shanghai';
const END = Date.parse('2026-11-30T16:00:00Z'); // midnight 2026-12-01 in Shanghai
const START = END - 365 * DAY;
const TARGET_P95_MS = 500;

let seed = 14;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const int = (n: number) => Math.floor(rand() * n);
/** A uuid-shaped id from a counter: unique, fast, and as long as the service's. */
const uid = (prefix: number, n: number) => {
  const h = n.toString(16).padStart(12, '0');
  return `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${h}`;
};
const iso = (ms: number) => new Date(ms).toISOString();
/** Contacts arrive in working hours mostly (08:00-20:00 Shanghai), more on weekdays. */
function arrival(): number {
  const day = START + int(365) * DAY;
  const hour = rand() < 0.9 ? 8 + rand() * 12 : rand() * 24;
  return day + Math.floor(hour * 3_600_000);
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

async function generate(db: Db, tickets: number, calls: number, log: (l: string) => void) {
  const bulk = sqliteBulk(db);
  if (!bulk) throw new Error('bench:reports generates into SQLite.');
  const t0 = performance.now();
  const departments = Array.from({ length: 8 }, (_, i) => uid(1, i));
  const agents: { id: string; dept: string }[] = [];
  const queues: { id: string; number: string; dept: string }[] = [];
  await db.transaction().execute(async () => {
    bulk.runEach(
      'INSERT INTO departments (id, code, name_zh, name_en, version) VALUES (?, ?, ?, ?, 0)',
      departments.map((id, i) => [id, `d${i}`, `部门${i}`, `Department ${i}`]),
    );
    const users: unknown[][] = [];
    departments.forEach((dept, d) => {
      for (let a = 0; a < 30; a++) {
        const id = uid(2, d * 100 + a);
        agents.push({ id, dept });
        users.push([id, `a${d}_${a}`, `Agent ${d}-${a}`, 'agent', dept, 'x', 0, 0]);
      }
      for (let q = 0; q < 3; q++) {
        const number = `8${d}${q}0`;
        queues.push({ id: uid(3, d * 10 + q), number, dept });
      }
    });
    bulk.runEach(
      'INSERT INTO users (id, username, display_name, role, department_id, password_hash, disabled, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      users,
    );
    bulk.runEach(
      'INSERT INTO queues (id, number, name_zh, name_en, department_id, skill, ring_timeout_seconds) VALUES (?, ?, ?, ?, ?, ?, 20)',
      queues.map((q) => [q.id, q.number, `队列${q.number}`, `Queue ${q.number}`, q.dept, 'general']),
    );
    bulk.runEach(
      `INSERT INTO customers (id, name, phone, email, language, company, created_at, updated_at, version)
       VALUES (?, ?, NULL, NULL, 'zh-CN', NULL, ?, ?, 0)`,
      Array.from({ length: 20_000 }, (_, i) => [uid(4, i), `客户${i}`, iso(START), iso(START)]),
    );
  });
  const STATUSES = ['new', 'open', 'pending', 'solved', 'solved', 'closed', 'closed'] as const;
  const CHANNELS = ['email', 'web', 'api', 'phone', 'chat'] as const;
  let version = 0;
  const CHUNK = 50_000;
  // Arrival times sorted, as in real use: a ticket's (and a call's) change is logged when it arrives.
  const ticketTimes = Float64Array.from({ length: tickets }, arrival).sort();
  const callTimes = Float64Array.from({ length: calls }, arrival).sort();
  for (let from = 0; from < tickets; from += CHUNK) {
    await db.transaction().execute(async () => {
      const rows: unknown[][] = [];
      const comments: unknown[][] = [];
      const history: unknown[][] = [];
      const changes: unknown[][] = [];
      for (let i = from; i < Math.min(tickets, from + CHUNK); i++) {
        const id = uid(5, i);
        const dIdx = int(8);
        const agent = agents[dIdx * 30 + int(30)]!;
        const created = ticketTimes[i]!;
        const status = STATUSES[int(STATUSES.length)]!;
        if (rand() < 0.75)
          comments.push([uid(6, i), id, agent.id, agent.id, 'Reply', 0, iso(created + int(8 * 3600) * 1000)]);
        if (status === 'solved' || status === 'closed')
          history.push([
            uid(7, i),
            id,
            'status',
            'open',
            status,
            agent.id,
            'A',
            iso(created + int(72 * 3600) * 1000),
          ]);
        if (rand() < 0.03)
          history.push([
            uid(8, i),
            id,
            'departmentId',
            departments[(dIdx + 1) % 8],
            agent.dept,
            agent.id,
            'A',
            iso(created + 600_000),
          ]);
        const v = ++version;
        rows.push([
          id,
          i + 1,
          agent.dept,
          uid(4, int(20_000)),
          `Ticket ${i}`,
          '',
          status,
          'normal',
          agent.id,
          CHANNELS[i % 5],
          iso(created),
          iso(created),
          v,
        ]);
        changes.push([v, 'ticket', id, agent.dept]);
      }
      bulk.runEach(
        `INSERT INTO tickets (id, number, department_id, customer_id, subject, description, status, priority,
           assignee_id, channel, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        rows,
      );
      bulk.runEach(
        `INSERT INTO ticket_comments (id, ticket_id, author_id, author_name, body, internal, created_at, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, 0)`,
        comments,
      );
      bulk.runEach(
        `INSERT INTO ticket_history (id, ticket_id, field, from_value, to_value, actor_id, actor_name, at, version)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`,
        history,
      );
      bulk.runEach(
        "INSERT INTO change_log (version, kind, entity_id, department_id, op) VALUES (?, ?, ?, ?, 'upsert')",
        changes,
      );
    });
  }
  log(`  ${tickets} tickets in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const t1 = performance.now();
  for (let from = 0; from < calls; from += CHUNK) {
    await db.transaction().execute(async () => {
      const rows: unknown[][] = [];
      const changes: unknown[][] = [];
      for (let i = from; i < Math.min(calls, from + CHUNK); i++) {
        const id = uid(9, i);
        const q = queues[int(queues.length)]!;
        const agent = agents[departments.indexOf(q.dept) * 30 + int(30)]!;
        const ring = callTimes[i]!;
        const abandoned = rand() < 0.08;
        const answer = abandoned ? null : ring + (3 + int(60)) * 1000;
        const end = abandoned ? ring + (5 + int(120)) * 1000 : answer! + (30 + int(600)) * 1000;
        const v = ++version;
        rows.push([
          id,
          `c${i}`,
          'inbound',
          '+8613800000000',
          q.number,
          q.number,
          q.dept,
          abandoned ? null : agent.id,
          abandoned ? 'abandoned' : 'ended',
          iso(ring),
          answer === null ? null : iso(answer),
          iso(end),
          abandoned ? null : 'resolved',
          abandoned ? null : iso(end + int(120) * 1000),
          v,
          !abandoned && rand() < 0.2 ? 1 + int(5) : null,
        ]);
        changes.push([v, 'interaction', id, q.dept]);
      }
      bulk.runEach(
        `INSERT INTO interactions (id, call_id, direction, caller_number, callee_number, queue_number, department_id,
           agent_id, status, ring_at, answer_at, end_at, hold_seconds, disposition, completed_at, version, csat)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)`,
        rows,
      );
      bulk.runEach(
        "INSERT INTO change_log (version, kind, entity_id, department_id, op) VALUES (?, ?, ?, ?, 'upsert')",
        changes,
      );
    });
  }
  log(`  ${calls} calls in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
}

/** One measured part of the benchmark: its figures, targets and verdict for the JSON line. */
interface Measured {
  metrics: Record<string, number>;
  targets: Record<string, number>;
  pass: boolean;
}

/** The daily report: a month of days by department and by queue, as an administrator and as a supervisor. */
async function measureDailyReport(
  db: Db,
  aggregator: ReportAggregator,
  runs: number,
  log: (l: string) => void,
): Promise<Measured> {
  const all = (await db.selectFrom('departments').select('id').execute()).map((d) => d.id);
  const times: number[] = [];
  const byCase: Record<string, number[]> = {};
  let rowsSeen = 0;
  for (let i = 0; i < runs; i++) {
    const month = DateTime.fromMillis(END, { zone: ZONE })
      .minus({ months: 1 + (i % 11) })
      .startOf('month');
    for (const dimension of ['department', 'queue'] as const)
      for (const scope of ['admin', 'supervisor'] as const) {
        const q: ReportQuery = {
          interval: 'day',
          dimension,
          from: month.toISODate()!,
          to: month.endOf('month').toISODate()!,
        };
        const departments = scope === 'admin' ? all : [all[i % all.length]!];
        const t0 = performance.now();
        await aggregator.catchUp();
        const r = await runReport(db, q, departments, ZONE);
        const ms = performance.now() - t0;
        rowsSeen += r.rows.length;
        times.push(ms);
        (byCase[`${dimension}/${scope}`] ??= []).push(ms);
      }
  }
  for (const [name, xs] of Object.entries(byCase))
    log(
      `  ${name.padEnd(22)} p50 ${percentile(xs, 50).toFixed(1)} ms  p95 ${percentile(xs, 95).toFixed(1)} ms`,
    );
  const p95 = percentile(times, 95);
  log(`  daily report (${times.length} runs, ${rowsSeen} rows): p95 ${p95.toFixed(1)} ms`);
  return {
    metrics: {
      dailyReportP50Ms: Math.round(percentile(times, 50) * 10) / 10,
      dailyReportP95Ms: Math.round(p95 * 10) / 10,
    },
    targets: { dailyReportP95Ms: TARGET_P95_MS },
    pass: p95 <= TARGET_P95_MS,
  };
}

async function main() {
  const tickets = Number(process.env.BENCH_TICKETS ?? 1_000_000);
  const calls = Number(process.env.BENCH_CALLS ?? 2_000_000);
  const runs = Number(process.env.BENCH_RUNS ?? 40);
  const log = (l: string) => console.log(l);
  const dbPath =
    process.env.BENCH_REPORTS_DB ?? join(tmpdir(), `switchboard-bench-reports-${tickets}-${calls}.sqlite`);
  const reuse = existsSync(dbPath);
  const db = openDatabase(dbPath);
  const parts: Measured[] = [];
  const metrics: Record<string, number> = { tickets, calls };
  try {
    await migrateToLatest(db);
    const have = Number(
      (
        await db
          .selectFrom('tickets')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n ?? 0,
    );
    if (have === 0) {
      log(`Generating ${tickets} tickets and ${calls} calls into ${dbPath}...`);
      await generate(db, tickets, calls, log);
    } else if (have !== tickets)
      throw new Error(`${dbPath} holds ${have} tickets, not ${tickets}: remove it.`);
    else log(`Reusing ${dbPath}.`);
    // The clock: a day after the data ends, so the state follower's lag never matters here.
    const aggregator = new ReportAggregator({ db, now: () => new Date(END + DAY), log, timeZone: ZONE });
    const t0 = performance.now();
    await aggregator.catchUp();
    const buildMs = performance.now() - t0;
    if (!reuse || buildMs > 1000) {
      log(`Aggregates caught up in ${(buildMs / 1000).toFixed(1)} s (the follower, from the change log).`);
      metrics.aggregateBuildSeconds = Math.round(buildMs / 100) / 10;
    }
    const buckets = await db
      .selectFrom('report_buckets')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    log(`  ${Number(buckets?.n)} bucket rows`);

    log('Daily report, a month of days:');
    parts.push(await measureDailyReport(db, aggregator, runs, log));

    // The second measured query (issue 14, voice of the customer) goes here, one line, e.g.:
    //   parts.push(await measureRisingTopics({ log }));   // import { measureRisingTopics } from './voc-topics';
  } finally {
    await db.destroy();
  }
  const pass = parts.length > 0 && parts.every((p) => p.pass);
  console.log(
    JSON.stringify({
      bench: 'reports',
      metrics: Object.assign(metrics, ...parts.map((p) => p.metrics)),
      targets: Object.assign({}, ...parts.map((p) => p.targets)),
      pass,
    }),
  );
  process.exitCode = pass ? 0 : 1;
}

await main();
