import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import type { Customer } from '../../shared';
import { formatPhone, languageForPhone, normalisePhone } from '../../shared/phone';
import { dialectOf } from '../db/open';
import type { Tx } from '../db/schema';
import {
  customerWithEmail,
  customerWithPhone,
  ensurePublishedTo,
  insertCustomer,
  resolveCustomer,
} from './customer-store';

/**
 * Who wrote or called, as a channel knows them: mail knows an address, a messaging app its own sender id, a web
 * form whatever the visitor typed. Any of them may be missing or malformed; what is usable is used.
 */
export interface Contact {
  name?: string | null;
  /** As given: normalised to E.164 here (libphonenumber-js, mainland China the default region). */
  phone?: string | null;
  email?: string | null;
  /** The id a channel knows the customer by, e.g. { channel: 'wecom', id: 'wmXyz' }. */
  external?: { channel: string; id: string } | null;
  language?: 'zh-CN' | 'en' | null;
}

/** The keys a contact is matched by, normalised: E.164, case-folded email, the external id as given. */
export interface ContactKeys {
  phone: string | null;
  email: string | null;
  external: { channel: string; id: string } | null;
}

const Email = z.email();

export function contactKeys(c: Contact): ContactKeys {
  const phone = c.phone ? normalisePhone(c.phone) : null;
  const folded = c.email?.trim().toLowerCase() ?? '';
  const email = folded && Email.safeParse(folded).success ? folded : null;
  const id = c.external?.id.trim() ?? '';
  return { phone, email, external: c.external && id ? { channel: c.external.channel, id } : null };
}

/** On PostgreSQL, a transaction lock per identity key: two nodes taking mail from one new sender make one customer. */
const IDENTITY_LOCK_SPACE = 7002;

async function lockKey(trx: Tx, key: string): Promise<void> {
  if (dialectOf(trx) === 'postgres')
    await sql`SELECT pg_advisory_xact_lock(${IDENTITY_LOCK_SPACE}, hashtext(${key}))`.execute(trx);
}

async function customerWithExternalId(
  trx: Tx,
  external: { channel: string; id: string },
  departmentId: string,
): Promise<Customer | undefined> {
  const row = await trx
    .selectFrom('customer_external_ids')
    .select('customer_id')
    .where('channel', '=', external.channel)
    .where('external_id', '=', external.id)
    .where('department_id', '=', departmentId)
    .executeTakeFirst();
  // Through resolveCustomer: a customer merged into another since is found as the one it became.
  return row && resolveCustomer(trx, row.customer_id);
}

async function recordExternalId(
  trx: Tx,
  external: { channel: string; id: string },
  departmentId: string,
  customerId: string,
  at: string,
): Promise<void> {
  await trx
    .insertInto('customer_external_ids')
    .values({
      channel: external.channel,
      external_id: external.id,
      department_id: departmentId,
      customer_id: customerId,
      created_at: at,
    })
    .onConflict((oc) => oc.columns(['channel', 'external_id', 'department_id']).doNothing())
    .execute();
}

/**
 * The phone and email a merged duplicate was known by, kept for the customer it became (customers/merge.ts) when
 * that customer's own record holds others: rows of customer_external_ids under these channel names, which no
 * intake uses ('=' never starts one), so the next mail or call from the duplicate's address still finds them.
 */
const MERGED_KEY = { phone: '=phone', email: '=email' } as const;

export async function keepMergedKeys(
  trx: Tx,
  duplicate: { phone: string | null; email: string | null },
  kept: { id: string; phone: string | null; email: string | null },
  departmentIds: readonly string[],
  at: string,
): Promise<void> {
  const keys = contactKeys(duplicate);
  const extra = [
    ...(keys.phone && keys.phone !== kept.phone ? [{ channel: MERGED_KEY.phone, id: keys.phone }] : []),
    ...(keys.email && keys.email !== kept.email?.toLowerCase()
      ? [{ channel: MERGED_KEY.email, id: keys.email }]
      : []),
  ];
  for (const d of departmentIds) for (const e of extra) await recordExternalId(trx, e, d, kept.id, at);
}

const HAN = /\p{Script=Han}/u;

/**
 * The one customer a contact is, within what the department sees, made if there is none: matched by external id,
 * then phone, then email (the order of how surely each names one person; a shared family phone is likelier than a
 * shared mailbox for a messaging id). A customer only other departments see is never matched, as for customers an
 * agent creates (README.md). An external id is remembered for the customer it led to, so the next message finds
 * them at once. Nothing the contact says changes a known customer's record: a mail signature must not rename them.
 */
export async function customerForContact(
  trx: Tx,
  contact: Contact,
  departmentId: string,
  now: Date,
): Promise<{ customer: Customer; created: boolean }> {
  const keys = contactKeys(contact);
  const strongest = keys.external
    ? `x:${keys.external.channel}:${keys.external.id}`
    : keys.phone
      ? `p:${keys.phone}`
      : keys.email
        ? `e:${keys.email}`
        : null;
  if (strongest) await lockKey(trx, `${departmentId}|${strongest}`);
  const at = now.toISOString();
  const found =
    (keys.external && (await customerWithExternalId(trx, keys.external, departmentId))) ||
    (keys.phone &&
      ((await customerWithPhone(trx, keys.phone, departmentId)) ||
        (await customerWithExternalId(trx, { channel: MERGED_KEY.phone, id: keys.phone }, departmentId)))) ||
    (keys.email &&
      ((await customerWithEmail(trx, keys.email, departmentId)) ||
        (await customerWithExternalId(trx, { channel: MERGED_KEY.email, id: keys.email }, departmentId)))) ||
    undefined;
  if (found) {
    await ensurePublishedTo(trx, found.id, departmentId);
    if (keys.external) await recordExternalId(trx, keys.external, departmentId, found.id, at);
    return { customer: found, created: false };
  }
  const name =
    contact.name?.trim().slice(0, 200) ||
    keys.email ||
    (keys.phone && formatPhone(keys.phone)) ||
    (keys.external ? `${keys.external.channel} ${keys.external.id}`.slice(0, 200) : 'Unknown');
  const language =
    contact.language ??
    (keys.phone ? languageForPhone(keys.phone) : null) ??
    (HAN.test(name) ? 'zh-CN' : keys.email ? 'en' : 'zh-CN');
  const customer: Omit<Customer, 'version'> = {
    id: uuidv7(),
    name,
    phone: keys.phone,
    email: keys.email,
    language,
    company: null,
    createdAt: at,
    updatedAt: at,
  };
  const version = await insertCustomer(trx, customer, departmentId);
  if (keys.external) await recordExternalId(trx, keys.external, departmentId, customer.id, at);
  return { customer: { ...customer, version }, created: true };
}
