/**
 * Local store benchmark: a replica of 200,000 customers and 1,000,000 tickets in mixed Chinese and
 * English, built through the real store module and migrations, then p50/p95 of screen-pop phone
 * lookups, first-page ticket searches, the ticket list (text with a status or an assignee filter, in each
 * sort, SLA due among them) beside the same question asked as a plain LIKE scan, the "Breaching soon" filter (SLA
 * due within 2 hours or overdue, computed in the replica by the shared SLA engine on the mainland-China calendar),
 * and the saved views' counts.
 * `npx tsx bench/store.ts` (env BENCH_TICKETS / BENCH_CUSTOMERS to scale down, BENCH_LIKE_QUERIES for the
 * LIKE scans, default 12: each reads every ticket). Last line: one JSON summary; exit code 1 when a target is
 * missed.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openStore, PRIORITY_ORDER, TOTAL_CAP } from '../src/main/store';
import type { TicketSort } from '../src/shared/ipc/contract';
import type { AdminConfig } from '../src/shared/admin';
import { DEFAULT_ROLE_PERMISSIONS } from '../src/shared/domain';
import { CHINA_MAINLAND_CALENDAR, SlaEngine } from '../src/shared/sla';
import { ZH_GIVEN, ZH_SURNAMES } from '../src/server/demo/content';
import { ticketQuery } from '../tests/main/fixtures';
import {
  agents,
  departments,
  enIssues,
  fillReplica,
  int,
  phoneOf,
  pick,
  rnd,
  zhFiller,
  zhIssues,
} from './replica-data';

const CUSTOMERS = Number(process.env['BENCH_CUSTOMERS'] ?? 200_000);
const TICKETS = Number(process.env['BENCH_TICKETS'] ?? 1_000_000);
const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 1000);
const LIKE_QUERIES = Number(process.env['BENCH_LIKE_QUERIES'] ?? 12);
const targets = { lookupP95Ms: 1, searchP95Ms: 30, listP95Ms: 30, viewCountsP95Ms: 30 };

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(
  label: string,
  n: number,
  fn: (i: number) => unknown,
  warm = Math.min(50, n),
): { p50: number; p95: number } {
  for (let i = 0; i < warm; i++) fn(i); // warm the statement cache and pages
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const r = { p50: percentile(times, 50), p95: percentile(times, 95) };
  console.log(
    `${label}: p50 ${r.p50.toFixed(3)} ms, p95 ${r.p95.toFixed(3)} ms, max ${times.at(-1)!.toFixed(2)} ms (n=${n})`,
  );
  return r;
}

// BENCH_KEEP=dir keeps (and on later runs reuses) the built database, for experiments on the queries.
const keep = process.env['BENCH_KEEP'];
const dir = keep ?? mkdtempSync(join(tmpdir(), 'sb-bench-'));
const reuse = keep !== undefined && existsSync(join(dir, 'bench.sqlite'));
const store = openStore(join(dir, 'bench.sqlite'));
try {
  console.log(
    `Building ${CUSTOMERS.toLocaleString('en')} customers and ${TICKETS.toLocaleString('en')} tickets in ${dir}`,
  );
  const buildS = reuse ? 0 : fillReplica(store, { customers: CUSTOMERS, tickets: TICKETS });
  console.log(`Built in ${buildS.toFixed(1)} s; database ${(statSync(store.path).size / 1e6).toFixed(0)} MB`);

  // SLA policies for every department and priority (web, as the tickets), as the demo has, and each ticket's due
  // time computed by the replica's own recomputation, as a desktop does after a first sync. "Now" is just after
  // the newest ticket, so the replica looks as it did then.
  const slaNow = Date.UTC(2024, 0, 1) + TICKETS * 53_000 + 3_600_000;
  const targets4 = { urgent: [30, 240], high: [60, 480], normal: [240, 1440], low: [480, 2880] } as const;
  const config: AdminConfig = {
    version: 1,
    rolePermissions: DEFAULT_ROLE_PERMISSIONS,
    calendars: [CHINA_MAINLAND_CALENDAR],
    slaPolicies: departments.flatMap((departmentId, d) =>
      (['urgent', 'high', 'normal', 'low'] as const).map((priority, p) => ({
        id: `0190ffff-0000-7000-8000-${String(d * 10 + p).padStart(12, '0')}`,
        departmentId,
        priority,
        channel: 'web' as const,
        calendarId: CHINA_MAINLAND_CALENDAR.id,
        firstResponseMinutes: targets4[priority][0],
        nextResponseMinutes: targets4[priority][0],
        resolutionMinutes: targets4[priority][1],
        warning: { kind: 'percent' as const, percent: 80 },
        escalations: [],
        active: true,
      })),
    ),
    customFields: [],
    workflow: { autoCloseSolvedAfterDays: 7 },
  };
  if (reuse) {
    // A kept database was computed by an earlier run: every ticket again, with this run's code.
    const db = new Database(store.path);
    db.exec('UPDATE tickets SET sla_stale = 1');
    db.close();
  }
  const slaT0 = performance.now();
  const engine = new SlaEngine(config);
  let recomputed = 0;
  for (;;) {
    const r = store.write.sla.refreshStale(engine, slaNow, 20_000);
    recomputed += r.ticketIds.length;
    if (!r.more) break;
  }
  const slaSeconds = (performance.now() - slaT0) / 1000;
  console.log(
    `SLA due times computed for ${recomputed.toLocaleString('en')} tickets in ${slaSeconds.toFixed(1)} s`,
  );
  const soonBound = slaNow + 2 * 3_600_000;

  const phones = Array.from({ length: QUERIES }, () => phoneOf(int(CUSTOMERS)));
  const lookup = measure('customer lookup by phone', QUERIES, (i) => {
    if (!store.read.findCustomerByPhone(phones[i]!)) throw new Error(`no customer for ${phones[i]}`);
  });

  // What agents type: a fragment of a Chinese issue (2-4 characters), an English word or its prefix,
  // a two-word phrase, a customer name, an order number.
  const zhFragment = () => {
    const s = [...pick([...zhIssues, ...zhFiller])];
    const len = 2 + int(3);
    const from = int(Math.max(1, s.length - len + 1));
    return s.slice(from, from + len).join('');
  };
  const enWord = () =>
    pick(
      pick(enIssues)
        .split(' ')
        .filter((w) => w.length > 3),
    );
  const texts = Array.from({ length: QUERIES }, (_, i) => {
    switch (i % 6) {
      case 0:
      case 1:
        return zhFragment();
      case 2:
        return enWord();
      case 3:
        return enWord().slice(0, 4);
      case 4:
        return pick(enIssues).split(' ').slice(0, 2).join(' ');
      default:
        return rnd() < 0.5 ? pick(ZH_SURNAMES) + pick(ZH_GIVEN) : `${100000 + int(900000)}`;
    }
  });
  const all = ticketQuery({ limit: 50 });
  const search = measure('ticket search (limit 50, first page with total)', QUERIES, (i) => {
    const page = store.read.searchTickets({ ...all, text: texts[i]! });
    return page;
  });
  const totals = texts.map((text) => store.read.searchTickets({ ...all, text }).total);
  const capped = totals.filter((t) => t >= TOTAL_CAP).length;
  const empty = totals.filter((t) => t === 0).length;
  console.log(
    `  ${capped} of ${QUERIES} searches matched ${TOTAL_CAP}+ tickets (total capped), ${empty} matched none`,
  );
  const filtered = measure('ticket search with filters (status open+pending, assignee)', QUERIES, (i) =>
    store.read.searchTickets({
      ...all,
      text: i % 2 ? texts[i]! : '',
      status: ['open', 'pending'],
      departmentIds: [departments[i % 3]!],
      assignees: [agents[(i % 3) * 4 + (i % 4)]!],
    }),
  );

  // The ticket list: text with a status or an assignee filter, in each sort, beside a LIKE scan asking the
  // same (LIKE cannot rank: its "relevance" is newest first).
  const open = ['new', 'open', 'pending'] as const;
  const variants = {
    status: (_i: number) => ({ status: [...open], assignees: [] as string[], agent: null }),
    assignee: (i: number) => ({
      status: [],
      assignees: [agents[i % agents.length]!],
      agent: agents[i % agents.length]!,
    }),
  };
  const priorityCase = `CASE t.priority ${PRIORITY_ORDER.map((p, i) => `WHEN '${p}' THEN ${i}`).join(' ')} END`;
  const likeOrder: Record<TicketSort, string> = {
    newest: 't.created_at DESC',
    oldest: 't.created_at ASC',
    priority: `${priorityCase}, t.created_at DESC`,
    relevance: 't.created_at DESC',
    slaDue: 't.sla_due_at IS NULL, t.sla_due_at, t.created_at DESC',
  };
  // The first total of text with a status filter (or under "Breaching soon") builds the SLA clocks in memory
  // (src/main/store/ticket-clocks.ts): once per open replica, then kept in step with every write.
  const common = enIssues[0]!.split(' ').find((w) => w.length > 3)!;
  const firstT0 = performance.now();
  store.read.searchTickets({ ...all, text: common, status: [...open], sort: 'newest' });
  const firstStatusTextMs = performance.now() - firstT0;
  console.log(
    `first text search with a status filter ("${common}", builds the SLA clocks in memory): ${firstStatusTextMs.toFixed(0)} ms`,
  );
  const raw = new Database(store.path, { readonly: true });
  const list: Record<string, number> = {};
  const like: Record<string, number> = {};
  for (const [name, variant] of Object.entries(variants)) {
    for (const sort of ['newest', 'oldest', 'priority', 'relevance', 'slaDue'] as const) {
      const key = `${sort}_${name}`;
      list[key] = measure(`list: text + ${name} filter, ${sort}`, QUERIES, (i) => {
        const v = variant(i);
        return store.read.searchTickets({
          ...all,
          text: texts[i]!,
          sort,
          status: v.status,
          assignees: v.assignees,
        });
      }).p95;
      const filter =
        name === 'status' ? `t.status IN (${open.map((s) => `'${s}'`).join(',')})` : 't.assignee_id = @agent';
      const scan = raw.prepare(
        `SELECT t.*, c.name AS customer_name FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
         WHERE (t.subject LIKE @like OR t.description LIKE @like OR c.name LIKE @like) AND ${filter}
         ORDER BY ${likeOrder[sort]} LIMIT 50`,
      );
      like[key] = measure(
        `  the same as a LIKE scan`,
        LIKE_QUERIES,
        (i) => {
          const v = variant(i);
          return scan.all({ like: `%${texts[i]!}%`, ...(v.agent ? { agent: v.agent } : {}) });
        },
        1,
      ).p95;
    }
  }
  // "Breaching soon": the view (no text), and text with it, in SLA due order, beside a LIKE scan asking the same.
  const soonWhere = `t.sla_due_at IS NOT NULL AND t.sla_due_at <= @bound AND coalesce(t.sla_state, '') <> 'paused'`;
  list['slaDue_breachingSoonView'] = measure(
    'list: "Breaching soon" view (open, due within 2 h), slaDue',
    QUERIES,
    (i) =>
      store.read.searchTickets({
        ...all,
        status: [...open],
        assignees: i % 2 ? [agents[i % agents.length]!] : [],
        slaDueBefore: soonBound,
        sort: 'slaDue',
      }),
  ).p95;
  like['slaDue_breachingSoonView'] = measure(
    '  the same as a plain scan',
    LIKE_QUERIES,
    (i) =>
      raw
        .prepare(
          `SELECT t.*, c.name AS customer_name FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
           WHERE ${soonWhere} AND t.status IN ('new','open','pending') ${i % 2 ? 'AND t.assignee_id = @agent' : ''}
           ORDER BY t.sla_due_at LIMIT 50`,
        )
        .all({ bound: soonBound, ...(i % 2 ? { agent: agents[i % agents.length]! } : {}) }),
    1,
  ).p95;
  for (const sort of ['slaDue', 'newest'] as const) {
    const key = `${sort}_textBreachingSoon`;
    list[key] = measure(`list: text + "Breaching soon" filter, ${sort}`, QUERIES, (i) =>
      store.read.searchTickets({ ...all, text: texts[i]!, status: [...open], slaDueBefore: soonBound, sort }),
    ).p95;
    const scan = raw.prepare(
      `SELECT t.*, c.name AS customer_name FROM tickets t LEFT JOIN customers c ON c.id = t.customer_id
       WHERE (t.subject LIKE @like OR t.description LIKE @like OR c.name LIKE @like) AND ${soonWhere}
         AND t.status IN ('new','open','pending') ORDER BY ${likeOrder[sort]} LIMIT 50`,
    );
    like[key] = measure(
      `  the same as a LIKE scan`,
      LIKE_QUERIES,
      (i) => scan.all({ like: `%${texts[i]!}%`, bound: soonBound }),
      1,
    ).p95;
  }
  raw.close();

  // Saved views as the list shows them: "My open", "Unassigned in my department", "All open", each counted.
  const none = { text: '', status: [], priority: [], departmentIds: [], assignees: [] };
  const views = measure('saved views: four counts (with "Breaching soon")', QUERIES, (i) =>
    store.read.countTickets([
      { ...none, status: [...open], assignees: [agents[i % agents.length]!] },
      { ...none, status: [...open], assignees: ['unassigned'], departmentIds: [departments[i % 3]!] },
      { ...none, status: [...open] },
      { ...none, status: [...open], slaDueBefore: soonBound },
    ]),
  );
  const soonCount = store.read.countTickets([{ ...none, status: [...open], slaDueBefore: soonBound }])[0]!;
  console.log(
    `  "Breaching soon" holds ${soonCount.toLocaleString('en')}${soonCount >= TOTAL_CAP ? '+' : ''} tickets`,
  );

  const metrics = {
    customers: CUSTOMERS,
    tickets: TICKETS,
    buildSeconds: Number(buildS.toFixed(1)),
    slaRecomputeSeconds: Number(slaSeconds.toFixed(1)),
    breachingSoonCount: soonCount,
    lookupP50Ms: Number(lookup.p50.toFixed(4)),
    lookupP95Ms: Number(lookup.p95.toFixed(4)),
    searchP50Ms: Number(search.p50.toFixed(3)),
    searchP95Ms: Number(search.p95.toFixed(3)),
    filteredSearchP95Ms: Number(filtered.p95.toFixed(3)),
    ...Object.fromEntries(Object.entries(list).map(([k, v]) => [`list_${k}_P95Ms`, Number(v.toFixed(3))])),
    ...Object.fromEntries(Object.entries(like).map(([k, v]) => [`like_${k}_P95Ms`, Number(v.toFixed(1))])),
    viewCountsP95Ms: Number(views.p95.toFixed(3)),
    firstStatusTextMs: Math.round(firstStatusTextMs),
    totalCap: TOTAL_CAP,
  };
  const pass =
    lookup.p95 <= targets.lookupP95Ms &&
    search.p95 <= targets.searchP95Ms &&
    // The filtered search of the old list (status, department and assignee, text in half the queries) is held
    // to the new list's target too: it is the 71.8 ms issue 12 set out to bring down.
    filtered.p95 <= targets.listP95Ms &&
    Object.values(list).every((p95) => p95 <= targets.listP95Ms) &&
    views.p95 <= targets.viewCountsP95Ms;
  console.log(JSON.stringify({ bench: 'store', metrics, targets, pass }));
  process.exitCode = pass ? 0 : 1;
} finally {
  store.close();
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
