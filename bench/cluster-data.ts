// The store for bench:cluster, on either dialect (a postgres:// URL or a SQLite file): the demo data set with
// `tickets` tickets spread over the demo departments, and `agents` extra agent accounts spread over them too,
// each with a session of its own (named by the user id, which the bench's signed access tokens carry), so
// 2,000 agents connect without 2,000 sign-ins meeting the login throttle. The same call on both stores gives
// the same rows, so the cluster and the one SQLite node are measured on the same data.
import type { Insertable } from 'kysely';
import { countersAfterBulkLoad } from '../src/server/db/counters';
import { migrateToLatest } from '../src/server/db/migrate';
import { openDatabase } from '../src/server/db/open';
import type { Database } from '../src/server/db/schema';
import { seedDemo } from '../src/server/demo/seed-demo';

export interface ClusterSeed {
  /** The extra agents, for tokens signed by the bench. */
  agents: Database['users'][];
  /** Ticket ids per department id, in number order: what the pushing agents edit. */
  tickets: Record<string, string[]>;
  head: number;
}

export async function seedCluster(
  location: string,
  opts: { tickets: number; customers: number; agents: number },
): Promise<ClusterSeed> {
  const db = openDatabase(location);
  try {
    await migrateToLatest(db);
    await seedDemo(db, { tickets: opts.tickets, customers: opts.customers });
    const model = await db
      .selectFrom('users')
      .select('password_hash')
      .where('username', '=', 'agent01')
      .executeTakeFirstOrThrow();
    const departments = (await db.selectFrom('departments').select('id').orderBy('code').execute()).map(
      (d) => d.id,
    );
    let version = Number(
      (
        await db
          .selectFrom('change_log')
          .select((eb) => eb.fn.max('version').as('v'))
          .executeTakeFirst()
      )?.v ?? 0,
    );
    const agents: Database['users'][] = [];
    const changes: Insertable<Database['change_log']>[] = [];
    for (let i = 0; i < opts.agents; i++) {
      // Made from the index, not random: the SQLite run gets the very same accounts as the cluster.
      const id = `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`;
      changes.push({ version: ++version, kind: 'user', entity_id: id, department_id: null, op: 'upsert' });
      agents.push({
        id,
        username: `bench${String(i + 1).padStart(4, '0')}`,
        display_name: `Bench Agent ${i + 1}`,
        role: 'agent',
        department_id: departments[i % departments.length]!,
        password_hash: model.password_hash,
        disabled: 0,
        version,
      });
    }
    const at = new Date().toISOString();
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < agents.length; i += 500) {
        const part = agents.slice(i, i + 500);
        await trx.insertInto('users').values(part).execute();
        await trx
          .insertInto('sessions')
          .values(
            part.map((a) => ({
              id: a.id,
              user_id: a.id,
              created_at: at,
              revoked_at: null,
              revoked_reason: null,
            })),
          )
          .execute();
        await trx
          .insertInto('change_log')
          .values(changes.slice(i, i + 500))
          .execute();
      }
      // The versions above were written by hand: PostgreSQL's sequence must continue after them.
      await countersAfterBulkLoad(trx);
    });
    const tickets: Record<string, string[]> = Object.fromEntries(departments.map((d) => [d, []]));
    for (const t of await db
      .selectFrom('tickets')
      .select(['id', 'department_id'])
      .orderBy('number')
      .execute())
      tickets[t.department_id]!.push(t.id);
    return { agents, tickets, head: version };
  } finally {
    await db.destroy();
  }
}
