// One customer per person within a department, whichever channel they come by (customers/identity.ts): mail
// matched case-folded, phones in any format, messaging ids remembered; another department's customer never
// handed over; malformed keys ignored rather than stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerForContact, type Contact } from '../../src/server/customers/identity';
import { migrateToLatest } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { scratchDb } from './helpers';

let db: Db;
let close: () => Promise<void>;
let billing: string;
let tech: string;

beforeAll(async () => {
  ({ db, close } = await scratchDb());
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 10, customers: 5 });
  const depts = await db.selectFrom('departments').select(['id', 'name_en']).execute();
  billing = depts.find((d) => d.name_en === 'Billing')!.id;
  tech = depts.find((d) => d.name_en === 'Technical support')!.id;
});
afterAll(async () => close?.());

const contact = (c: Contact, dept = billing) =>
  db.transaction().execute((trx) => customerForContact(trx, c, dept, new Date()));

const publishedTo = async (customerId: string) =>
  (
    await db
      .selectFrom('change_log')
      .select('department_id')
      .where('kind', '=', 'customer')
      .where('entity_id', '=', customerId)
      .where('op', '=', 'upsert')
      .execute()
  ).map((r) => r.department_id);

describe('one customer per contact', () => {
  it('matches mail case-folded, and makes the customer the first time, published to the department', async () => {
    const first = await contact({ name: 'Wang Fang', email: 'Wang.Fang@Example.COM ' });
    expect(first.created).toBe(true);
    expect(first.customer.email).toBe('wang.fang@example.com');
    expect(first.customer.name).toBe('Wang Fang');
    expect(await publishedTo(first.customer.id)).toEqual([billing]);

    const again = await contact({ name: 'Someone else', email: 'WANG.FANG@example.com' });
    expect(again).toMatchObject({ created: false, customer: { id: first.customer.id, name: 'Wang Fang' } });
  });

  it('finds a phone however it is written', async () => {
    const made = await contact({ name: '李娜', phone: '+86 139-0013-9000' });
    expect(made.customer).toMatchObject({ phone: '+8613900139000', language: 'zh-CN' });
    const found = await contact({ phone: '139 0013 9000' });
    expect(found).toMatchObject({ created: false, customer: { id: made.customer.id } });
  });

  it('remembers a messaging id for the customer it led to', async () => {
    const known = await contact({ name: 'Chen Jie', phone: '13700137000' });
    // The first message carries the phone the app knows: the existing customer, now also by their id.
    const first = await contact({ external: { channel: 'wecom', id: 'wm-chen' }, phone: '+8613700137000' });
    expect(first).toMatchObject({ created: false, customer: { id: known.customer.id } });
    const next = await contact({ external: { channel: 'wecom', id: 'wm-chen' } });
    expect(next).toMatchObject({ created: false, customer: { id: known.customer.id } });
    // The same id on another channel is someone else.
    const other = await contact({ external: { channel: 'generic', id: 'wm-chen' } });
    expect(other.created).toBe(true);
    expect(other.customer.id).not.toBe(known.customer.id);
  });

  it("never hands over another department's customer", async () => {
    const theirs = await contact({ name: 'Tech only', email: 'tech.only@example.com' }, tech);
    const ours = await contact({ name: 'Tech only', email: 'tech.only@example.com' }, billing);
    expect(ours.created).toBe(true);
    expect(ours.customer.id).not.toBe(theirs.customer.id);
    expect(await publishedTo(theirs.customer.id)).toEqual([tech]);
  });

  it('ignores a malformed address or number instead of storing it, and still names the customer', async () => {
    const made = await contact({
      email: 'not an address',
      phone: '12',
      external: { channel: 'api', id: 'form-7' },
    });
    expect(made.customer).toMatchObject({ email: null, phone: null, name: 'api form-7' });
  });

  it('makes one customer when two messages of a new sender arrive at once', async () => {
    const [a, b] = await Promise.all([
      contact({ email: 'twice@example.com' }),
      contact({ email: 'twice@example.com' }),
    ]);
    expect(a.customer.id).toBe(b.customer.id);
    const rows = await db
      .selectFrom('customers')
      .select('id')
      .where('email', '=', 'twice@example.com')
      .execute();
    expect(rows).toHaveLength(1);
  });
});
