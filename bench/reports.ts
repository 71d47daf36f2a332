/**
 * Reports (issue 14): the daily report and the rising-topics query over 1,000,000 tickets and 2,000,000 calls,
 * through the service's own code. A SQLite file made by the server's migrations gets a year of tickets (first
 * replies, solves, transfers, categories) and calls (answered, abandoned, rated) in 8 departments, 24 queues and
 * 240 agents, written by SQLite itself (INSERT ... SELECT over a counter), with their change-log rows as the
 * service writes them. The reports follower (src/server/reports/aggregator.ts) then finds aggregates never
 * built and builds them from the records as the service does on a first start over existing history (facts,
 * then one GROUP BY per bucket table). The file is reused by later runs (BENCH_REPORTS_DB, default in the temp
 * folder).
 *
 * Measured: what GET /api/reports does (catch up, then the report) for a month of days by department, queue,
 * agent, channel and category, for every department (an administrator; "all queues") and for one (a
 * supervisor), months spread over the year; then the rising-topics report (measureRisingTopics in
 * bench/voc-topics.ts) over as many tickets with customers' words, in its own file (BENCH_VOC_DB), whose VOC
 * index the follower builds once. p95 target <= 500 ms for each. SQLite only: the aggregates are the same rows
 * on PostgreSQL (tests run there), but this machine's throwaway cluster is not fast enough to load 3,000,000
 * rows in a bench run.
 * `npm run bench:reports` (the issue's size); `npm run bench:reports -- --quick` (or BENCH_QUICK=1): 100,000
 * tickets and 200,000 calls. Env BENCH_TICKETS, BENCH_CALLS, BENCH_RUNS (22 months per case), BENCH_VOC_RUNS (60).
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
import { measureRisingTopics } from './voc-topics';

const DAY = 86_400_000;
const ZONE = 'Asia/Shanghai';
const END = Date.parse('2026-11-30T16:00:00Z'); // midnight 2026-12-01 in Shanghai
const START = END - 365 * DAY;
const TARGET_P95_MS = 500;
const DEPARTMENTS = 8;
/** Agents and queues per department. */
const AGENTS = 30;
const QUEUES = 3;
const CUSTOMERS = 20_000;
/** Ticket categories (issue 15's taxonomy), as tickets' first tag: the report's category dimension. */
const CATEGORIES = [
  'return_exchange',
  'repair_warranty',
  'delivery_logistics',
  'installation',
  'network_outage',
  'device_fault',
  'app_account_login',
  'setup_howto',
  'wrong_charge',
  'refund_status',
  'invoice_request',
  'plan_change',
];

/** A uuid-shaped id from a counter: unique, fast, and as long as the service's. */
const uid = (prefix: number, n: number) => {
  const h = n.toString(16).padStart(12, '0');
  return `${prefix.toString(16).padStart(8, '0')}-0000-4000-8000-${h}`;
};
const iso = (ms: number) => new Date(ms).toISOString();

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/** SQLite's text of a uuid-shaped id from a prefix and a counter (uid() above, in SQL). */
const uidSql = (prefix: number, n: string) => `printf('%08x-0000-4000-8000-%012x', ${prefix}, ${n})`;
/** An ISO instant (as toISOString writes it) from epoch milliseconds, in SQL. */
const isoSql = (ms: string) => `strftime('%Y-%m-%dT%H:%M:%fZ', (${ms}) / 1000.0, 'unixepoch')`;
/** A uniform integer in [0, n) from SQLite's random(), in SQL. */
const rnd = (n: number) => `(abs(random()) % ${n})`;

/**
 * The data set, written by SQLite itself: one INSERT ... SELECT per table over a counter (a recursive CTE) in
 * chunks, with random() for the figures. Generating rows in JS and inserting them one prepared statement at a
 * time took 880 s for 1,000,000 tickets and 2,000,000 calls on this machine.
 */
async function generate(db: Db, tickets: number, calls: number, log: (l: string) => void) {
  const bulk = sqliteBulk(db);
  if (!bulk) throw new Error('bench:reports generates into SQLite.');
  const run = (text: string, ...params: unknown[]) => bulk.runEach(text, [params]);
  const t0 = performance.now();
  await db.transaction().execute(async () => {
    bulk.runEach(
      'INSERT INTO departments (id, code, name_zh, name_en, version) VALUES (?, ?, ?, ?, 0)',
      Array.from({ length: DEPARTMENTS }, (_, i) => [uid(1, i), `d${i}`, `部门${i}`, `Department ${i}`]),
    );
    const users: unknown[][] = [];
    const queues: unknown[][] = [];
    for (let d = 0; d < DEPARTMENTS; d++) {
      for (let a = 0; a < AGENTS; a++)
        users.push([uid(2, d * 100 + a), `a${d}_${a}`, `Agent ${d}-${a}`, 'agent', uid(1, d), 'x', 0, 0]);
      for (let q = 0; q < QUEUES; q++)
        queues.push([
          uid(3, d * 10 + q),
          `8${d}${q}0`,
          `队列8${d}${q}0`,
          `Queue 8${d}${q}0`,
          uid(1, d),
          'general',
        ]);
    }
    bulk.runEach(
      'INSERT INTO users (id, username, display_name, role, department_id, password_hash, disabled, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      users,
    );
    bulk.runEach(
      'INSERT INTO queues (id, number, name_zh, name_en, department_id, skill, ring_timeout_seconds) VALUES (?, ?, ?, ?, ?, ?, 20)',
      queues,
    );
    bulk.runEach(
      `INSERT INTO customers (id, name, phone, email, language, company, created_at, updated_at, version)
       VALUES (?, ?, NULL, NULL, 'zh-CN', NULL, ?, ?, 0)`,
      Array.from({ length: CUSTOMERS }, (_, i) => [uid(4, i), `客户${i}`, iso(START), iso(START)]),
    );
  });
  // Contacts arrive in order over the year (as their change-log rows do), mostly in working hours (08:00-20:00
  // Shanghai). One scratch row per contact holds its random draws, read by each table's INSERT.
  const arrive = (i: string, n: number) =>
    `(${START} + (${i}) * 365 / ${n} * ${DAY} + CASE WHEN ${rnd(10)} < 9 THEN 8 * 3600000 + ${rnd(12 * 3600000)} ELSE ${rnd(DAY)} END)`;
  const CHUNK = 100_000;
  const counter = (from: number, to: number) =>
    `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${to})`;
  run(
    'CREATE TEMP TABLE gen (i INTEGER PRIMARY KEY, at INTEGER, d INTEGER, a INTEGER, q INTEGER, r INTEGER)',
  );
  const statuses = JSON.stringify(['new', 'open', 'pending', 'solved', 'solved', 'closed', 'closed']);
  const channels = JSON.stringify(['email', 'web', 'api', 'phone', 'chat']);
  const categories = JSON.stringify(CATEGORIES);
  for (let from = 0; from < tickets; from += CHUNK) {
    const to = Math.min(tickets, from + CHUNK);
    await db.transaction().execute(async () => {
      run('DELETE FROM gen');
      run(`INSERT INTO gen ${counter(from, to)}
        SELECT i, ${arrive('i', tickets)}, ${rnd(DEPARTMENTS)}, ${rnd(AGENTS)}, 0, abs(random()) FROM n`);
      const ticket = uidSql(5, 'i');
      const agent = uidSql(2, 'd * 100 + a');
      const status = `json_extract('${statuses}', '$[' || (r % 7) || ']')`;
      run(`INSERT INTO tickets (id, number, department_id, customer_id, subject, description, status, priority,
             assignee_id, channel, tags, created_at, updated_at, version)
           SELECT ${ticket}, i + 1, ${uidSql(1, 'd')}, ${uidSql(4, `(r / 7) % ${CUSTOMERS}`)}, 'Ticket ' || i, '',
             ${status}, 'normal', ${agent}, json_extract('${channels}', '$[' || (i % 5) || ']'),
             CASE WHEN (r / 1000) % 5 = 0 THEN '[]'
               ELSE json_array(json_extract('${categories}', '$[' || ((r / 5000) % ${CATEGORIES.length}) || ']')) END,
             ${isoSql('at')}, ${isoSql('at')}, i + 1 FROM gen`);
      // Three in four tickets have a reply by their agent within 8 hours.
      run(`INSERT INTO ticket_comments (id, ticket_id, author_id, author_name, body, internal, created_at, version)
           SELECT ${uidSql(6, 'i')}, ${ticket}, ${agent}, ${agent}, 'Reply', 0,
             ${isoSql(`at + 1000 * ${rnd(8 * 3600)}`)}, 0 FROM gen WHERE (r / 100) % 4 <> 0`);
      // Solved and closed ones were solved within 3 days; 3 in 100 came from another department.
      run(`INSERT INTO ticket_history (id, ticket_id, field, from_value, to_value, actor_id, actor_name, at, version)
           SELECT ${uidSql(7, 'i')}, ${ticket}, 'status', 'open', ${status}, ${agent}, 'A',
             ${isoSql(`at + 1000 * ${rnd(72 * 3600)}`)}, 0 FROM gen WHERE r % 7 >= 3`);
      run(`INSERT INTO ticket_history (id, ticket_id, field, from_value, to_value, actor_id, actor_name, at, version)
           SELECT ${uidSql(8, 'i')}, ${ticket}, 'departmentId', ${uidSql(1, `(d + 1) % ${DEPARTMENTS}`)},
             ${uidSql(1, 'd')}, ${agent}, 'A', ${isoSql('at + 600000')}, 0 FROM gen WHERE (r / 10) % 100 < 3`);
      run(`INSERT INTO change_log (version, kind, entity_id, department_id, op)
           SELECT i + 1, 'ticket', ${ticket}, ${uidSql(1, 'd')}, 'upsert' FROM gen`);
    });
  }
  log(`  ${tickets} tickets in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const t1 = performance.now();
  const dispositions = JSON.stringify(['resolved', 'resolved', 'callback', 'escalated', 'follow_up']);
  for (let from = 0; from < calls; from += CHUNK) {
    const to = Math.min(calls, from + CHUNK);
    await db.transaction().execute(async () => {
      run('DELETE FROM gen');
      run(`INSERT INTO gen ${counter(from, to)}
        SELECT i, ${arrive('i', calls)}, 0, ${rnd(AGENTS)}, ${rnd(DEPARTMENTS * QUEUES)}, abs(random()) FROM n`);
      // Queue q is queue q % QUEUES of department q / QUEUES; 8 in 100 calls are abandoned within 2 minutes,
      // the others answered in 3-62 s, talked 30-630 s, wrapped up within 2 minutes; one in 5 rated.
      const d = `(q / ${QUEUES})`;
      const number = `'8' || ${d} || (q % ${QUEUES}) || '0'`;
      const abandoned = 'r % 100 < 8';
      const answer = `at + 1000 * (3 + (r / 100) % 60)`;
      const end = `CASE WHEN ${abandoned} THEN at + 1000 * (5 + (r / 100) % 120) ELSE ${answer} + 1000 * (30 + (r / 10000) % 600) END`;
      run(`INSERT INTO interactions (id, call_id, direction, caller_number, callee_number, queue_number,
             department_id, agent_id, status, ring_at, answer_at, end_at, hold_seconds, disposition, completed_at,
             version, csat)
           SELECT ${uidSql(9, 'i')}, 'c' || i, 'inbound', '+8613800000000', ${number}, ${number}, ${uidSql(1, d)},
             CASE WHEN ${abandoned} THEN NULL ELSE ${uidSql(2, `${d} * 100 + a`)} END,
             CASE WHEN ${abandoned} THEN 'abandoned' ELSE 'ended' END, ${isoSql('at')},
             CASE WHEN ${abandoned} THEN NULL ELSE ${isoSql(answer)} END, ${isoSql(end)}, 0,
             CASE WHEN ${abandoned} THEN NULL ELSE json_extract('${dispositions}', '$[' || ((r / 7) % 5) || ']') END,
             CASE WHEN ${abandoned} THEN NULL ELSE ${isoSql(`${end} + 1000 * ((r / 1000000) % 120)`)} END,
             ${tickets} + i + 1,
             CASE WHEN NOT ${abandoned} AND (r / 13) % 5 = 0 THEN 1 + (r / 17) % 5 END FROM gen`);
      run(`INSERT INTO change_log (version, kind, entity_id, department_id, op)
           SELECT ${tickets} + i + 1, 'interaction', ${uidSql(9, 'i')}, ${uidSql(1, d)}, 'upsert' FROM gen`);
    });
  }
  run('DROP TABLE gen');
  log(`  ${calls} calls in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
}

/** One measured part of the benchmark: its figures, targets and verdict for the JSON line. */
interface Measured {
  metrics: Record<string, number>;
  targets: Record<string, number>;
  pass: boolean;
}

const DIMENSIONS = ['department', 'queue', 'agent', 'channel', 'category'] as const;
const cap = (x: string) => x[0]!.toUpperCase() + x.slice(1);

/**
 * The daily report: a month of days by each dimension, as an administrator (every department: "all queues"
 * for the queue dimension) and as a supervisor (one department), months spread over the year. Each case has
 * its p95 against the target; the overall p95 is over all of them.
 */
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
    for (const dimension of DIMENSIONS)
      for (const scope of ['All', 'One'] as const) {
        const q: ReportQuery = {
          interval: 'day',
          dimension,
          from: month.toISODate()!,
          to: month.endOf('month').toISODate()!,
        };
        const departments = scope === 'All' ? all : [all[i % all.length]!];
        const t0 = performance.now();
        await aggregator.catchUp();
        const r = await runReport(db, q, departments, ZONE);
        const ms = performance.now() - t0;
        rowsSeen += r.rows.length;
        times.push(ms);
        (byCase[`daily${cap(dimension)}${scope}P95Ms`] ??= []).push(ms);
      }
  }
  const metrics: Record<string, number> = {};
  const targets: Record<string, number> = {};
  for (const [name, xs] of Object.entries(byCase)) {
    log(
      `  ${name.padEnd(28)} p50 ${percentile(xs, 50).toFixed(1)} ms  p95 ${percentile(xs, 95).toFixed(1)} ms`,
    );
    metrics[name] = Math.round(percentile(xs, 95) * 10) / 10;
    targets[name] = TARGET_P95_MS;
  }
  const p95 = percentile(times, 95);
  log(`  daily report (${times.length} runs, ${rowsSeen} rows): p95 ${p95.toFixed(1)} ms`);
  return {
    metrics: {
      dailyReportP50Ms: Math.round(percentile(times, 50) * 10) / 10,
      dailyReportP95Ms: Math.round(p95 * 10) / 10,
      ...metrics,
    },
    targets: { dailyReportP95Ms: TARGET_P95_MS, ...targets },
    pass: p95 <= TARGET_P95_MS && Object.values(metrics).every((m) => m <= TARGET_P95_MS),
  };
}

async function main() {
  // `-- --quick` (or BENCH_QUICK=1): a tenth of the issue's size, for a run while developing.
  const quick = process.argv.includes('--quick') || process.env.BENCH_QUICK === '1';
  const tickets = Number(process.env.BENCH_TICKETS ?? (quick ? 100_000 : 1_000_000));
  const calls = Number(process.env.BENCH_CALLS ?? (quick ? 200_000 : 2_000_000));
  const runs = Number(process.env.BENCH_RUNS ?? 22);
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
      const t = performance.now();
      await generate(db, tickets, calls, log);
      metrics.generateSeconds = Math.round((performance.now() - t) / 100) / 10;
    } else if (have !== tickets)
      throw new Error(`${dbPath} holds ${have} tickets, not ${tickets}: remove it.`);
    else log(`Reusing ${dbPath}.`);
    // The clock: a day after the data ends, so the state follower's lag never matters here.
    const aggregator = new ReportAggregator({ db, now: () => new Date(END + DAY), log, timeZone: ZONE });
    const t0 = performance.now();
    await aggregator.catchUp();
    const buildMs = performance.now() - t0;
    if (!reuse || buildMs > 1000) {
      log(`Aggregates built in ${(buildMs / 1000).toFixed(1)} s (the service's rebuild from the records).`);
      metrics.aggregateBuildSeconds = Math.round(buildMs / 100) / 10;
    }
    const buckets = await db
      .selectFrom('report_buckets')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    log(`  ${Number(buckets?.n)} bucket rows`);

    log('Daily report, a month of days:');
    parts.push(await measureDailyReport(db, aggregator, runs, log));
  } finally {
    await db.destroy();
  }
  // Rising topics (voice of the customer) over as many tickets with customers' words (bench/voc-topics.ts: its
  // own file, BENCH_VOC_DB, since the figures' tickets above carry no text worth segmenting).
  log('Rising topics:');
  const voc = await measureRisingTopics({
    tickets,
    dbPath: process.env.BENCH_VOC_DB,
    runs: Number(process.env.BENCH_VOC_RUNS ?? 60),
    log,
  });
  // Its ticket count, runs and index time under names of their own beside the reports' figures.
  const rename: Record<string, string> = {
    tickets: 'vocTickets',
    runs: 'vocRuns',
    index_s: 'vocIndexSeconds',
  };
  const vocMetrics = Object.fromEntries(Object.entries(voc.metrics).map(([k, v]) => [rename[k] ?? k, v]));
  parts.push({ ...voc, metrics: vocMetrics });
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
