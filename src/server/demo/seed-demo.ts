import { CHINA_MAINLAND_CALENDAR } from '../../shared';
import { sql } from 'kysely';
import type { Db, Tx } from '../db/schema';
import { DEMO_LABELS } from '../db/migrations/0031-triage';
import { lockAuditChain } from '../audit/audit-log';
import { hashPassword } from '../auth/passwords';
import { countersAfterBulkLoad } from '../db/counters';
import { buildDemoData, DEMO_PASSWORD, type DemoOptions } from './build-demo';
import { seedKbDemo } from './kb-seed'; // knowledge base (issue 13, kb helper)

/** Rows per INSERT: large enough to be fast, small enough for any database's bound-parameter limit. */
const CHUNK = 500;

async function inChunks<T>(rows: readonly T[], insert: (part: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/**
 * Loads the demo data set into a database that has no users yet; returns null (and changes nothing) otherwise.
 * Every demo account's password is `switchboard`.
 */
export async function seedDemo(
  db: Db,
  opts: DemoOptions = {},
): Promise<{ ms: number; tickets: number } | null> {
  const started = Date.now();
  if (await db.selectFrom('users').select('id').limit(1).executeTakeFirst()) return null;
  const data = buildDemoData(opts);
  const users = await Promise.all(
    data.users.map(async (u) => ({ ...u, password_hash: await hashPassword(DEMO_PASSWORD) })),
  );
  const loaded = await db.transaction().execute(async (trx) => {
    // Nodes started together on one empty PostgreSQL database would each load the data (the second failing
    // on its keys and not starting): under the audit chain's lock, the first loads, the others find its users.
    await lockAuditChain(trx);
    if (await trx.selectFrom('users').select('id').limit(1).executeTakeFirst()) return false;
    await inChunks(data.departments, (p) => trx.insertInto('departments').values(p).execute());
    await inChunks(users, (p) => trx.insertInto('users').values(p).execute());
    await inChunks(data.customers, (p) => trx.insertInto('customers').values(p).execute());
    await inChunks(data.tickets, (p) => trx.insertInto('tickets').values(p).execute());
    await inChunks(data.comments, (p) => trx.insertInto('ticket_comments').values(p).execute());
    await inChunks(data.history, (p) => trx.insertInto('ticket_history').values(p).execute());
    // Knowledge base (issue 13, kb helper): the demo's real articles and categories (kb-seed.ts) instead of
    // build-demo's placeholder titles.
    await seedKbDemo(trx, { departments: data.departments, users: data.users, now: opts.now ?? new Date() });
    await inChunks(data.changes, (p) => trx.insertInto('change_log').values(p).execute());
    await inChunks(data.queues, (p) => trx.insertInto('queues').values(p).execute());
    await inChunks(data.skills, (p) => trx.insertInto('agent_skills').values(p).execute());
    // The example business-hours calendar (src/shared/sla/china-holidays.ts) that SLA policies start from.
    await trx
      .insertInto('admin_calendars')
      .values({ id: CHINA_MAINLAND_CALENDAR.id, body: JSON.stringify(CHINA_MAINLAND_CALENDAR) })
      .execute();
    await inChunks(data.slaPolicies, (p) => trx.insertInto('sla_policies').values(p).execute());
    await trx
      .updateTable('admin_settings')
      .set({ value: '1' })
      .where('name', '=', 'config_version')
      .execute();
    await countersAfterBulkLoad(trx); // the rows above carry their own versions and ticket numbers
    await labelDemoDepartments(trx);
    return true;
  });
  return loaded ? { ms: Date.now() - started, tickets: data.tickets.length } : null;
}

/**
 * Triage (issue 15): the demo's departments stand for the taxonomy's (aftersales -> after_sales, tech ->
 * tech_support, billing -> billing), so triage routes to them. Only on a schema that has the column (tests
 * seed schemas of earlier migrations too).
 */
async function labelDemoDepartments(trx: Tx): Promise<void> {
  const migrated = await sql<{ name: string }>`
    SELECT name FROM kysely_migration WHERE name = '0031-triage'`.execute(trx);
  if (migrated.rows.length === 0) return;
  for (const [code, label] of DEMO_LABELS)
    await trx.updateTable('departments').set({ triage_label: label }).where('code', '=', code).execute();
}
