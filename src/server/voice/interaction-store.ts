import type { Interaction } from '../../shared';
import { interactionFromColumns, interactionToColumns } from '../../shared/storage/columns';
import { customerWithPhone } from '../customers/customer-store';
import { appendChange } from '../db/change-log';
import { dialectOf } from '../db/open';
import type { Tx } from '../db/schema';

export async function getInteraction(trx: Tx, id: string): Promise<Interaction | undefined> {
  const r = await trx.selectFrom('interactions').selectAll().where('id', '=', id).executeTakeFirst();
  return r && interactionFromColumns(r);
}

/** getInteraction for a change: locked on PostgreSQL to the end of the transaction (as getTicketForChange). */
export async function getInteractionForChange(trx: Tx, id: string): Promise<Interaction | undefined> {
  const r = await trx
    .selectFrom('interactions')
    .selectAll()
    .where('id', '=', id)
    .$if(dialectOf(trx) === 'postgres', (q) => q.forUpdate())
    .executeTakeFirst();
  return r && interactionFromColumns(r);
}

/** Inserts or replaces a call record and publishes it to its department; returns the new version. */
export async function saveInteraction(trx: Tx, i: Omit<Interaction, 'version'>): Promise<number> {
  const version = await appendChange(trx, 'interaction', i.id, i.departmentId);
  const { id, ...row } = interactionToColumns({ ...i, version });
  await trx
    .insertInto('interactions')
    .values({ id, ...row })
    .onConflict((oc) => oc.column('id').doUpdateSet(row))
    .execute();
  return version;
}

/**
 * The customer a call from or to this E.164 number is about, among those the call's department sees (the most
 * recently updated one if several): a call record carries its customer to the department's replicas and screen
 * pops, so another department's customer must never be matched.
 */
export async function customerIdByPhone(trx: Tx, e164: string, departmentId: string): Promise<string | null> {
  return (await customerWithPhone(trx, e164, departmentId))?.id ?? null;
}

export async function getInteractionByCallId(trx: Tx, callId: string): Promise<Interaction | undefined> {
  const r = await trx.selectFrom('interactions').selectAll().where('call_id', '=', callId).executeTakeFirst();
  return r && interactionFromColumns(r);
}

/** The record a desktop's own id for a call stands for: itself, or the record its log was merged into. */
export async function resolveInteractionId(trx: Tx, id: string): Promise<string> {
  const alias = await trx
    .selectFrom('interaction_aliases')
    .select('interaction_id')
    .where('id', '=', id)
    .executeTakeFirst();
  return alias?.interaction_id ?? id;
}

export async function addInteractionAlias(trx: Tx, id: string, interactionId: string): Promise<void> {
  await trx.insertInto('interaction_aliases').values({ id, interaction_id: interactionId }).execute();
}
