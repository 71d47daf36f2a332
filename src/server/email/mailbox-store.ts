import type { Mailbox } from '../../shared/protocol/email';
import type { Db, Tx } from '../db/schema';

export { MailboxAddress, MailboxInput, type Mailbox } from '../../shared/protocol/email';

const fromRow = (r: {
  address: string;
  department_id: string;
  display_name: string;
  relay_host: string | null;
  relay_port: number | null;
}): Mailbox => ({
  address: r.address,
  departmentId: r.department_id,
  displayName: r.display_name,
  relayHost: r.relay_host,
  relayPort: r.relay_port,
});

export async function listMailboxes(trx: Tx): Promise<Mailbox[]> {
  return (await trx.selectFrom('email_mailboxes').selectAll().orderBy('address').execute()).map(fromRow);
}

/** The mailbox of an address (case-folded), if it is one of ours. */
export async function mailboxOf(trx: Tx, address: string): Promise<Mailbox | undefined> {
  const r = await trx
    .selectFrom('email_mailboxes')
    .selectAll()
    .where('address', '=', address.trim().toLowerCase())
    .executeTakeFirst();
  return r && fromRow(r);
}

export async function putMailbox(trx: Tx, m: Mailbox, at: string): Promise<void> {
  await trx
    .insertInto('email_mailboxes')
    .values({
      address: m.address,
      department_id: m.departmentId,
      display_name: m.displayName,
      relay_host: m.relayHost,
      relay_port: m.relayPort,
      created_at: at,
      updated_at: at,
    })
    .onConflict((oc) =>
      oc.column('address').doUpdateSet({
        department_id: m.departmentId,
        display_name: m.displayName,
        relay_host: m.relayHost,
        relay_port: m.relayPort,
        updated_at: at,
      }),
    )
    .execute();
}

export async function removeMailbox(trx: Tx, address: string): Promise<boolean> {
  const r = await trx.deleteFrom('email_mailboxes').where('address', '=', address).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** The demo's support addresses, one per demo department (README: "Email"). */
export const DEMO_MAILBOXES: Record<string, { address: string; displayName: string }> = {
  aftersales: {
    address: 'aftersales@support.switchboard.test',
    displayName: 'Switchboard After-sales 售后服务',
  },
  tech: { address: 'tech@support.switchboard.test', displayName: 'Switchboard Technical support 技术支持' },
  billing: { address: 'billing@support.switchboard.test', displayName: 'Switchboard Billing 账务' },
};

const DEMO_DONE = 'email.demo-mailboxes';

/**
 * Gives each demo department its support address, once per database (an admin who removes them later keeps
 * them removed). Returns how many were added.
 */
export async function ensureDemoMailboxes(db: Db, now: Date): Promise<number> {
  return db.transaction().execute(async (trx) => {
    const done = await trx
      .selectFrom('admin_settings')
      .select('value')
      .where('name', '=', DEMO_DONE)
      .executeTakeFirst();
    if (done) return 0;
    const departments = await trx.selectFrom('departments').select(['id', 'code']).execute();
    let added = 0;
    for (const d of departments) {
      const demo = DEMO_MAILBOXES[d.code];
      if (!demo || (await mailboxOf(trx, demo.address))) continue;
      await putMailbox(
        trx,
        { ...demo, departmentId: d.id, relayHost: null, relayPort: null },
        now.toISOString(),
      );
      added++;
    }
    if (departments.length > 0)
      await trx.insertInto('admin_settings').values({ name: DEMO_DONE, value: '1' }).execute();
    return added;
  });
}
