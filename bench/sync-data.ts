// The central store for the sync benchmark: the demo's departments, accounts and customers, then many
// tickets (with comments and history, as the demo has them) in one department and extra agent accounts,
// written in bulk through Kysely in one transaction with their change_log rows, as the server's own
// writes would leave them. The store is a SQLite file or a postgres:// URL (an empty database), as for the server.
import { sql, type Insertable } from 'kysely';
import { performance } from 'node:perf_hooks';
import { countersAfterBulkLoad } from '../src/server/db/counters';
import { migrateToLatest } from '../src/server/db/migrate';
import { dialectOf, openDatabase } from '../src/server/db/open';
import type { Database } from '../src/server/db/schema';
import { NOTES, REPLIES, TOPICS, type DepartmentCode } from '../src/server/demo/content';
import { Random } from '../src/server/demo/prng';
import { seedDemo } from '../src/server/demo/seed-demo';

type Row<T extends keyof Database> = Insertable<Database[T]>;

export interface SeededServer {
  departmentId: string;
  /** Every department, the bench department first. */
  departmentIds: string[];
  /** Ids and departments of the extra agents, for tokens signed by the bench. */
  extraAgents: Database['users'][];
  head: number;
  seconds: number;
}

const DAY = 86_400_000;
const STATUSES = ['new', 'open', 'open', 'pending', 'solved', 'solved', 'closed'] as const;
const PRIORITIES = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const;
// Rows per INSERT: the widest row here (tickets) has 12 columns, so 6,000 bound values a statement, far below
// PostgreSQL's limit of 65,535 per statement (SQLite's is 32,766).
const CHUNK = 500;

/**
 * Seeds `location` (a SQLite file, or a postgres:// URL of an empty database) with `tickets` tickets in the department of agent01 (customers `customers`), and
 * `extraAgents` more agents spread over every department (password hash of the demo accounts).
 */
export async function seedSyncServer(
  location: string,
  opts: { tickets: number; customers: number; extraAgents: number },
): Promise<SeededServer> {
  const t0 = performance.now();
  const db = openDatabase(location);
  try {
    await migrateToLatest(db);
    // Demo accounts, departments, customers and articles; the tickets come below, in one department.
    await seedDemo(db, { tickets: 0, customers: opts.customers });
    const agent = await db
      .selectFrom('users')
      .selectAll()
      .where('username', '=', 'agent01')
      .executeTakeFirstOrThrow();
    const departmentId = agent.department_id!;
    const departments = await db.selectFrom('departments').select(['id', 'code']).execute();
    const code = departments.find((d) => d.id === departmentId)!.code as DepartmentCode;
    const agents = await db
      .selectFrom('users')
      .selectAll()
      .where('department_id', '=', departmentId)
      .where('role', '=', 'agent')
      .execute();
    const customers = await db.selectFrom('customers').select(['id', 'language']).execute();
    const rnd = new Random(20261125);
    const now = Date.now();

    let version = Number(
      (
        await db
          .selectFrom('change_log')
          .select((eb) => eb.fn.max('version').as('v'))
          .executeTakeFirst()
      )?.v ?? 0,
    );
    const changes: Row<'change_log'>[] = [];
    const log = (kind: Row<'change_log'>['kind'], id: string, dept: string | null) => {
      changes.push({ version: ++version, kind, entity_id: id, department_id: dept, op: 'upsert' });
      return version;
    };

    const extraAgents: Database['users'][] = [];
    const departmentIds = [departmentId, ...departments.map((d) => d.id).filter((d) => d !== departmentId)];
    for (let i = 0; i < opts.extraAgents; i++) {
      const id = rnd.uuid();
      extraAgents.push({
        id,
        username: `bench${String(i + 1).padStart(4, '0')}`,
        display_name: `Bench Agent ${i + 1}`,
        role: 'agent',
        department_id: departmentIds[i % departmentIds.length]!,
        password_hash: agent.password_hash,
        disabled: 0,
        version: log('user', id, null),
      });
    }

    const customerVersion = new Map<string, number>();
    const tickets: Row<'tickets'>[] = [];
    const comments: Row<'ticket_comments'>[] = [];
    const history: Row<'ticket_history'>[] = [];
    const created = Array.from({ length: opts.tickets }, () => now - Math.floor(rnd.float() * 90 * DAY)).sort(
      (a, b) => a - b,
    );
    created.forEach((createdMs, i) => {
      const customer = rnd.pick(customers);
      const lang = customer.language === 'zh-CN' ? 'zh' : 'en';
      const topic = rnd.pick(TOPICS[code])[lang];
      const status = rnd.pick(STATUSES);
      const assignee = status === 'new' && rnd.chance(0.7) ? null : rnd.pick(agents);
      const actor = assignee ?? rnd.pick(agents);
      const ticketId = rnd.uuid();
      let lastMs = createdMs;
      const step = () => (lastMs = Math.min(now, lastMs + rnd.int(5, 600) * 60_000));
      if (!customerVersion.has(customer.id))
        customerVersion.set(customer.id, log('customer', customer.id, departmentId));
      if (status !== 'new') {
        const id = rnd.uuid();
        history.push({
          id,
          ticket_id: ticketId,
          field: 'status',
          from_value: 'new',
          to_value: status,
          actor_id: actor.id,
          actor_name: actor.display_name,
          at: new Date(step()).toISOString(),
          version: log('history', id, departmentId),
        });
      }
      for (let c = rnd.int(0, 2); c > 0; c--) {
        const id = rnd.uuid();
        const internal = rnd.chance(0.3);
        comments.push({
          id,
          ticket_id: ticketId,
          author_id: actor.id,
          author_name: actor.display_name,
          body: internal ? rnd.pick(NOTES) : rnd.pick(REPLIES[lang]),
          internal: internal ? 1 : 0,
          created_at: new Date(step()).toISOString(),
          version: log('comment', id, departmentId),
        });
      }
      tickets.push({
        id: ticketId,
        number: i + 1,
        department_id: departmentId,
        customer_id: customer.id,
        subject: rnd.chance(0.3) ? `${topic.subject} (#${rnd.digits(6)})` : topic.subject,
        description: topic.description,
        status,
        priority: rnd.pick(PRIORITIES),
        assignee_id: assignee?.id ?? null,
        created_at: new Date(createdMs).toISOString(),
        updated_at: new Date(lastMs).toISOString(),
        version: log('ticket', ticketId, departmentId),
      });
    });

    const chunks = async <T>(rows: readonly T[], insert: (part: T[]) => Promise<unknown>) => {
      for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
    };
    await db.transaction().execute(async (trx) => {
      await chunks(extraAgents, (p) => trx.insertInto('users').values(p).execute());
      // Signed in without a password check (bench/sync-agents.ts signs their tokens): one session each,
      // named by the user id, which their access tokens carry.
      const at = new Date(now).toISOString();
      await chunks(
        extraAgents.map((a) => ({
          id: a.id,
          user_id: a.id,
          created_at: at,
          revoked_at: null,
          revoked_reason: null,
        })),
        (p) => trx.insertInto('sessions').values(p).execute(),
      );
      for (const [id, v] of customerVersion)
        await trx.updateTable('customers').set({ version: v }).where('id', '=', id).execute();
      await chunks(tickets, (p) => trx.insertInto('tickets').values(p).execute());
      await chunks(comments, (p) => trx.insertInto('ticket_comments').values(p).execute());
      await chunks(history, (p) => trx.insertInto('ticket_history').values(p).execute());
      // txid stays null on PostgreSQL: these rows are committed before any reader starts, and the safe head
      // (db/change-log.ts) reads only versions and snapshots, never a row's txid.
      await chunks(changes, (p) => trx.insertInto('change_log').values(p).execute());
      // The versions and ticket numbers above are explicit: PostgreSQL's change_log sequence must move past
      // them (or the server's first change would take a version already used), and the ticket counter too.
      await countersAfterBulkLoad(trx);
    });
    // Fresh tables have no planner statistics until autovacuum gets to them, which would be minutes into
    // the run; a database in service has them, so the server is measured with them.
    if (dialectOf(db) === 'postgres') await sql`ANALYZE`.execute(db);
    return {
      departmentId,
      departmentIds,
      extraAgents,
      head: version,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    await db.destroy();
  }
}
