import { sql } from 'kysely';
import { dialectOf } from './open';
import type { Tx } from './schema';

/**
 * ticket_number: the last ticket number given. audit: its row is the lock of auditedTransaction (sign-ins, administration).
 * sip_accounts: times extensions were handed out; its row keeps two nodes from giving out one extension.
 */
export type CounterName = 'ticket_number' | 'audit' | 'sip_accounts';

/**
 * Takes the next value of a counter (migration 0008), holding the counter's row lock until the caller's
 * transaction ends. One UPDATE ... RETURNING works on both stores: on PostgreSQL the row lock makes a second
 * node's transaction wait for this one to commit or roll back, then see its value; SQLite has one writer.
 * A rolled-back transaction gives its value back, so the numbers have no gaps.
 *
 * Lock order: a transaction that audits takes `audit` first (auditedTransaction in audit/audit-log.ts), so
 * two of them never wait on each other's rows in opposite order.
 */
export async function nextCounter(trx: Tx, name: CounterName): Promise<number> {
  const row = await trx
    .updateTable('counters')
    .set((eb) => ({ value: eb('value', '+', 1) }))
    .where('name', '=', name)
    .returning('value')
    .executeTakeFirst();
  if (!row) {
    throw new Error(
      `The counter "${name}" is missing from table counters (migration 0008 adds it); add it with ` +
        `INSERT INTO counters (name, value) VALUES ('${name}', 0) (ticket numbers then continue after the highest).`,
    );
  }
  return row.value;
}

/** Raises a counter to at least `floor` (rows written with their own numbers: the demo seed, an import). */
export async function raiseCounter(trx: Tx, name: CounterName, floor: number): Promise<void> {
  await trx
    .updateTable('counters')
    .set({ value: floor })
    .where('name', '=', name)
    .where('value', '<', floor)
    .execute();
}

/**
 * After rows were written with their own numbers (the demo seed writes change_log versions and ticket
 * numbers itself): PostgreSQL's serial sequences do not see explicit values and would hand out taken ones,
 * and the ticket counter is raised past the highest number. SQLite's AUTOINCREMENT follows by itself.
 */
export async function countersAfterBulkLoad(trx: Tx): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    for (const [table, column] of [
      ['change_log', 'version'],
      ['audit_log', 'seq'],
    ] as const) {
      await sql`SELECT setval(pg_get_serial_sequence(${table}, ${column}), COALESCE(MAX(${sql.ref(column)}), 0) + 1, false)
        FROM ${sql.table(table)}`.execute(trx);
    }
  }
  const r = await trx
    .selectFrom('tickets')
    .select((eb) => eb.fn.max('number').as('last'))
    .executeTakeFirst();
  await raiseCounter(trx, 'ticket_number', Number(r?.last ?? 0));
}
