import { sql, type RawBuilder } from 'kysely';
import type { Customer } from '../../shared';
import { customerFromColumns, customerToColumns } from '../../shared/storage/columns';
import type { Scope } from '../auth/scope';
import { appendChange } from '../db/change-log';
import { unindexed } from '../db/id-list';
import type { Tx } from '../db/schema';
import { publishCustomerTo } from '../tickets/ticket-store';

export async function getCustomer(trx: Tx, id: string): Promise<Customer | undefined> {
  const r = await trx.selectFrom('customers').selectAll().where('id', '=', id).executeTakeFirst();
  return r && customerFromColumns(r);
}

/** The customer an id names: the customer itself, or the one it became an alias of. */
export async function resolveCustomer(trx: Tx, id: string): Promise<Customer | undefined> {
  const direct = await getCustomer(trx, id);
  if (direct) return direct;
  const alias = await trx
    .selectFrom('customer_aliases')
    .select('customer_id')
    .where('alias_id', '=', id)
    .executeTakeFirst();
  return alias && getCustomer(trx, alias.customer_id);
}

/**
 * The customer of this E.164 number that the department sees (published to it); the most recently updated one
 * if (legacy data) several do. Customers only other departments see are never matched: matching one would hand
 * its record to this department (README.md, "Scope").
 */
export function customerWithPhone(
  trx: Tx,
  e164: string,
  departmentId: string,
): Promise<Customer | undefined> {
  return seenCustomerWhere(trx, sql<string>`phone`, e164, departmentId);
}

/** As customerWithPhone, by email address, matched case-folded (`key` is already lower case). */
export function customerWithEmail(trx: Tx, key: string, departmentId: string): Promise<Customer | undefined> {
  return seenCustomerWhere(trx, sql<string>`lower(email)`, key, departmentId);
}

async function seenCustomerWhere(
  trx: Tx,
  column: RawBuilder<string>,
  value: string,
  departmentId: string,
): Promise<Customer | undefined> {
  const r = await trx
    .selectFrom('customers')
    .selectAll()
    .where(column, '=', value)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('change_log')
          .select('version')
          .where('kind', '=', 'customer')
          .whereRef('entity_id', '=', 'customers.id')
          // Unary + keeps SQLite on the (kind, entity_id) index (as in ../db/change-log.ts): with the
          // department index it read the whole department for every call routed.
          .where(unindexed(trx, 'department_id'), '=', departmentId)
          .where('op', '=', 'upsert'),
      ),
    )
    .orderBy('updated_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r && customerFromColumns(r);
}

/** Whether the department's replicas have been sent this customer (the change stream keeps one row per department). */
async function isPublishedTo(trx: Tx, customerId: string, departmentId: string): Promise<boolean> {
  const r = await trx
    .selectFrom('change_log')
    .select('version')
    .where('kind', '=', 'customer')
    .where('entity_id', '=', customerId)
    .where(unindexed(trx, 'department_id'), '=', departmentId) // the entity index, not the department's (see above)
    .where('op', '=', 'upsert')
    .executeTakeFirst();
  return r !== undefined;
}

/**
 * Whether the scope sees the customer: admins see every customer, a department the customers published to it
 * (it has, or had, a ticket or call of theirs there, or one of its agents made them).
 */
export async function customerInScope(trx: Tx, customerId: string, scope: Scope): Promise<boolean> {
  return scope.all || isPublishedTo(trx, customerId, scope.departmentId);
}

/**
 * The customer an id names (itself or through an alias) if the scope sees it; otherwise undefined, exactly as
 * for an id nobody has, so a client cannot tell another department's customer from no customer.
 */
export async function resolveCustomerInScope(
  trx: Tx,
  id: string,
  scope: Scope,
): Promise<Customer | undefined> {
  const customer = await resolveCustomer(trx, id);
  return customer && (await customerInScope(trx, customer.id, scope)) ? customer : undefined;
}

/** Sends the customer to the department's replicas unless they have it: before a ticket or call there names it. */
export async function ensurePublishedTo(trx: Tx, customerId: string, departmentId: string): Promise<void> {
  if (!(await isPublishedTo(trx, customerId, departmentId))) {
    await publishCustomerTo(trx, customerId, departmentId);
  }
}

/** A new customer, published to one department; returns its version. */
export async function insertCustomer(
  trx: Tx,
  c: Omit<Customer, 'version'>,
  departmentId: string,
): Promise<number> {
  const version = await appendChange(trx, 'customer', c.id, departmentId);
  await trx
    .insertInto('customers')
    .values(customerToColumns({ ...c, version }))
    .execute();
  return version;
}

/**
 * Records `aliasId` as another name of `customerId` and tells the department's replicas (the one that made
 * the alias holds a provisional customer under it); returns the version of that change.
 */
export async function addAlias(
  trx: Tx,
  a: { aliasId: string; customerId: string; createdBy: string; createdAt: string },
  departmentId: string,
): Promise<number> {
  await trx
    .insertInto('customer_aliases')
    .values({
      alias_id: a.aliasId,
      customer_id: a.customerId,
      created_by: a.createdBy,
      created_at: a.createdAt,
    })
    .execute();
  return appendChange(trx, 'customer', a.aliasId, departmentId, 'merge');
}
