import { sql } from 'kysely';
import { SwitchboardError, type Mutation, type User } from '../../shared';
import { scopeOf } from '../auth/scope';
import { dialectOf } from '../db/open';
import type { Tx } from '../db/schema';
import { publishCustomerTo } from '../tickets/ticket-store';
import {
  addAlias,
  customerInScope,
  customerWithPhone,
  insertCustomer,
  resolveCustomer,
} from './customer-store';

type CreateArgs = Extract<Mutation, { name: 'customer.create' }>['args'];

/** A time a desktop reports, never later than the server's clock (a fast desktop clock must not date the future). */
export const notAfter = (reported: string, now: Date): string =>
  Date.parse(reported) > now.getTime() ? now.toISOString() : new Date(Date.parse(reported)).toISOString();

/**
 * On PostgreSQL, holds a transaction lock on one phone number: two nodes creating a customer with the same
 * phone at once would each find none and make two. The second waits, then finds the first's (READ COMMITTED
 * reads what committed while it waited). SQLite has one writer.
 */
const PHONE_LOCK_SPACE = 7001;

async function lockPhone(trx: Tx, e164: string): Promise<void> {
  if (dialectOf(trx) === 'postgres')
    // The two-key form, a space apart from the single-key locks others take (the voice routing owner's).
    await sql`SELECT pg_advisory_xact_lock(${PHONE_LOCK_SPACE}, hashtext(${e164}))`.execute(trx);
}

/**
 * A customer made on a desktop, published to the maker's department. Idempotent by customerId. A phone that
 * already belongs to a customer the department sees makes no second customer: the new id becomes an alias of
 * the existing one. A phone only other departments know is a new customer here: matching it would hand their
 * record to this agent (rules in ./README.md). Returns the version to acknowledge.
 */
export async function applyCustomerCreate(
  trx: Tx,
  user: User,
  args: CreateArgs,
  now: Date,
): Promise<{ version: number; departmentId: string; mergedInto?: string }> {
  const departmentId = user.departmentId;
  if (departmentId === null) {
    throw new SwitchboardError(
      'bad_request',
      'Customers are created in a department; this account belongs to none.',
    );
  }
  const known = await resolveCustomer(trx, args.customerId);
  if (known) {
    if (await customerInScope(trx, known.id, scopeOf(user))) return { version: known.version, departmentId };
    // Ids are random, so only someone who learnt another department's id sends it: refused without a word
    // about whose it is or what it holds.
    throw new SwitchboardError(
      'conflict',
      'This customer id is already taken; create the customer again to give it a new id.',
    );
  }

  const at = now.toISOString();
  if (args.phone) await lockPhone(trx, args.phone);
  const existing = args.phone ? await customerWithPhone(trx, args.phone, departmentId) : undefined;
  if (existing) {
    await publishCustomerTo(trx, existing.id, departmentId);
    const version = await addAlias(
      trx,
      { aliasId: args.customerId, customerId: existing.id, createdBy: user.id, createdAt: at },
      departmentId,
    );
    return { version, departmentId, mergedInto: existing.id };
  }
  const version = await insertCustomer(
    trx,
    {
      id: args.customerId,
      name: args.name,
      phone: args.phone,
      email: args.email,
      language: args.language,
      company: args.company,
      createdAt: notAfter(args.createdAt, now),
      updatedAt: at,
    },
    departmentId,
  );
  return { version, departmentId };
}
