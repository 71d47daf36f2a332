// Server migration 0023 (intake): its tables appear on a store holding data, keep their keys (a nonce, a message
// id, a reply per comment are each stored once), and go again on the way down, leaving the rest as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, migrations } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { seedDemo } from '../../src/server/demo/seed-demo';
import { scratchDb } from './helpers';

const TABLES = [
  'intake_channels',
  'intake_nonces',
  'intake_messages',
  'intake_threads',
  'intake_outbound',
  'api_keys',
  'intake_rate',
  'intake_requests',
  'customer_merges',
];

let db: Db;
let close: () => Promise<void>;
beforeAll(async () => {
  ({ db, close } = await scratchDb());
  await migrateToLatest(db);
  await seedDemo(db, { tickets: 10, customers: 5 });
});
afterAll(async () => close?.());

const tables = async () => (await db.introspection.getTables()).map((t) => t.name);

describe('migration 0023-intake', () => {
  it('makes the intake tables, each key holding once', async () => {
    expect(await tables()).toEqual(expect.arrayContaining(TABLES));
    const nonce = { channel_id: 'c', nonce: 'n-123456', seen_ms: Date.now() };
    await db.insertInto('intake_nonces').values(nonce).execute();
    await expect(db.insertInto('intake_nonces').values(nonce).execute()).rejects.toThrow();
    const message = {
      channel_id: 'c',
      message_id: 'm',
      ticket_id: 't',
      comment_id: 'x',
      received_at: '2026-01-01T00:00:00Z',
    };
    await db.insertInto('intake_messages').values(message).execute();
    await expect(
      db
        .insertInto('intake_messages')
        .values({ ...message, comment_id: 'y' })
        .execute(),
    ).rejects.toThrow();
    const reply = {
      channel_id: 'c',
      ticket_id: 't',
      comment_id: 'x',
      recipient: 'r',
      body: 'b',
      status: 'pending' as const,
      attempts: 0,
      next_attempt_ms: Date.now(),
      last_error: null,
      created_at: '2026-01-01T00:00:00Z',
      sent_at: null,
    };
    await db
      .insertInto('intake_outbound')
      .values({ ...reply, id: 'o1' })
      .execute();
    await expect(
      db
        .insertInto('intake_outbound')
        .values({ ...reply, id: 'o2' })
        .execute(),
    ).rejects.toThrow();
  });

  it('goes down and up again without touching the rest', async () => {
    const tickets = await db.selectFrom('tickets').select('id').execute();
    await migrations['0023-intake']!.down!(db);
    const after = await tables();
    for (const t of TABLES) expect(after).not.toContain(t);
    expect(after).toEqual(expect.arrayContaining(['tickets', 'customers', 'customer_external_ids']));
    expect(await db.selectFrom('tickets').select('id').execute()).toEqual(tickets);
    await migrations['0023-intake']!.up(db);
    expect(await tables()).toEqual(expect.arrayContaining(TABLES));
  });
});
