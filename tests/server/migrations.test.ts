import { sql } from 'kysely';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqlite } from '../../src/server/db/dialect-sqlite';
import { openDatabase } from '../../src/server/db/open';
import { migrateToLatest, migrations } from '../../src/server/db/migrate';
import type { Db } from '../../src/server/db/schema';
import { freshDatabase, TEST_DIALECT, type TestDatabase } from './test-db';

let db: Db | undefined;
let dir: string | undefined;
let store: TestDatabase | undefined;
afterEach(async () => {
  await db?.destroy();
  db = undefined;
  await store?.drop();
  store = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/** An empty database of the dialect under test (SQLite in memory, or a new PostgreSQL database). */
async function emptyDb(): Promise<Db> {
  if (TEST_DIALECT === 'sqlite') return openSqlite(':memory:');
  store = await freshDatabase();
  return openDatabase(store.location);
}
const FOREIGN_KEY = /FOREIGN KEY|foreign key constraint/;
const UNIQUE = /UNIQUE|unique constraint/;

describe('migrations', () => {
  it('0001-initial creates every table on a fresh database, and a second run does nothing', async () => {
    store = await freshDatabase();
    db = openDatabase(store.location);
    const first = await migrateToLatest(db);
    expect(first.results?.map((r) => [r.migrationName, r.status])).toEqual(
      Object.keys(migrations).map((name) => [name, 'Success']),
    );
    const tables = (await db.introspection.getTables()).map((t) => t.name);
    for (const t of [
      'departments',
      'users',
      'refresh_tokens',
      'customers',
      'tickets',
      'ticket_comments',
      'ticket_history',
      'knowledge_articles',
      'applied_mutations',
      'change_log',
      'audit_log',
      'sip_accounts',
      'queues',
      'agent_skills',
      'agent_states',
      'agent_state_log',
      'interactions',
      'interaction_aliases',
      'customer_aliases',
    ]) {
      expect(tables).toContain(t);
    }
    const second = await migrateToLatest(db);
    expect(second.results).toEqual([]);
  });

  it('enforces foreign keys and unique ticket numbers', async () => {
    db = await emptyDb();
    await migrateToLatest(db);
    const ticket = {
      id: 't1',
      number: 1,
      department_id: 'nope',
      customer_id: 'nope',
      subject: 's',
      description: '',
      status: 'new' as const,
      priority: 'normal' as const,
      assignee_id: null,
      created_at: '2026-01-01T00:00:00Z',
      updated_at: '2026-01-01T00:00:00Z',
      version: 1,
    };
    await expect(db.insertInto('tickets').values(ticket).execute()).rejects.toThrow(FOREIGN_KEY);
    await db
      .insertInto('departments')
      .values({ id: 'd', code: 'd', name_zh: '部', name_en: 'D', version: 1 })
      .execute();
    await db
      .insertInto('customers')
      .values({
        id: 'c',
        name: 'C',
        phone: null,
        email: null,
        language: 'en',
        company: null,
        created_at: 'x',
        updated_at: 'x',
        version: 1,
      })
      .execute();
    await db
      .insertInto('tickets')
      .values({ ...ticket, department_id: 'd', customer_id: 'c' })
      .execute();
    await expect(
      db
        .insertInto('tickets')
        .values({ ...ticket, id: 't2', department_id: 'd', customer_id: 'c' })
        .execute(),
    ).rejects.toThrow(UNIQUE);
    if (TEST_DIALECT === 'sqlite') {
      const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
      expect(mode.rows[0]?.journal_mode).toBe('memory'); // in-memory databases cannot use WAL; files do (below)
    }
  });

  it('0002-voice keeps extensions and call ids unique, and its down() leaves 0001 intact', async () => {
    db = await emptyDb();
    await migrateToLatest(db);
    await db
      .insertInto('departments')
      .values({ id: 'd', code: 'd', name_zh: '部', name_en: 'D', version: 1 })
      .execute();
    for (const id of ['u1', 'u2']) {
      await db
        .insertInto('users')
        .values({
          id,
          username: id,
          display_name: id,
          role: 'agent',
          department_id: 'd',
          password_hash: 'x',
          disabled: 0,
          version: 1,
        })
        .execute();
    }
    const account = { extension: '1001', password: 'p'.repeat(24), issued_at: 'x' };
    await db
      .insertInto('sip_accounts')
      .values({ user_id: 'u1', ...account })
      .execute();
    await expect(
      db
        .insertInto('sip_accounts')
        .values({ user_id: 'u2', ...account })
        .execute(),
    ).rejects.toThrow(UNIQUE);
    const call = {
      call_id: 'c@x',
      direction: 'inbound' as const,
      caller_number: '1',
      callee_number: '8001',
      queue_number: '8001',
      department_id: 'd',
      agent_id: null,
      customer_id: null,
      status: 'ringing' as const,
      ring_at: 'x',
      answer_at: null,
      end_at: null,
      hold_seconds: 0,
      disposition: null,
      notes: null,
      ticket_id: null,
      completed_at: null,
      version: 1,
    };
    await db
      .insertInto('interactions')
      .values({ id: 'i1', ...call })
      .execute();
    await expect(
      db
        .insertInto('interactions')
        .values({ id: 'i2', ...call })
        .execute(),
    ).rejects.toThrow(UNIQUE);
    await expect(
      db
        .insertInto('interactions')
        .values({ id: 'i3', ...call, call_id: 'other', agent_id: 'nobody' })
        .execute(),
    ).rejects.toThrow(FOREIGN_KEY);

    // In reverse order, as a real rollback would: PostgreSQL refuses to drop a table 0003 still refers to.
    await migrations['0003-logged-calls']!.down!(db);
    await migrations['0002-voice']!.down!(db);
    const tables = (await db.introspection.getTables()).map((t) => t.name);
    expect(tables).not.toContain('interactions');
    expect(tables).not.toContain('sip_accounts');
    expect(tables).toContain('tickets');
  });

  it('0004-customer-aliases points each alias at one existing customer, and its down() drops only it', async () => {
    db = await emptyDb();
    await migrateToLatest(db);
    const customer = {
      name: 'C',
      phone: '+8613800138000',
      email: null,
      language: 'zh-CN' as const,
      company: null,
      created_at: 'x',
      updated_at: 'x',
      version: 1,
    };
    await db
      .insertInto('customers')
      .values({ id: 'c', ...customer })
      .execute();
    const alias = { alias_id: 'a', customer_id: 'c', created_by: null, created_at: 'x' };
    await db.insertInto('customer_aliases').values(alias).execute();
    await expect(db.insertInto('customer_aliases').values(alias).execute()).rejects.toThrow(
      /UNIQUE|PRIMARY|unique constraint/,
    );
    await expect(
      db
        .insertInto('customer_aliases')
        .values({ ...alias, alias_id: 'b', customer_id: 'nobody' })
        .execute(),
    ).rejects.toThrow(FOREIGN_KEY);

    await migrations['0004-customer-aliases']!.down!(db);
    const tables = (await db.introspection.getTables()).map((t) => t.name);
    expect(tables).not.toContain('customer_aliases');
    expect(tables).toContain('customers');
  });

  it('0005 turns refresh-token families into sessions and 0008 starts the counters past the data, on either store', async () => {
    db = await emptyDb();
    const pending = Object.entries(migrations);
    const upTo = async (last: string) => {
      for (let next = pending.shift(); next; next = pending.shift()) {
        await next[1].up(db!);
        if (next[0] === last) return;
      }
    };
    // Run by hand (not the Migrator) to stop between migrations and write the data of that time.
    await upTo('0004-customer-aliases');
    await db
      .insertInto('departments')
      .values({ id: 'd', code: 'd', name_zh: '部', name_en: 'D', version: 1 })
      .execute();
    await db
      .insertInto('users')
      .values({
        id: 'u',
        username: 'u',
        display_name: 'U',
        role: 'agent',
        department_id: 'd',
        password_hash: 'x',
        disabled: 0,
        version: 1,
      })
      .execute();
    const token = (hash: string, family: string, revoked: string | null) => ({
      token_hash: hash,
      user_id: 'u',
      family_id: family,
      expires_at: '2027-01-01T00:00:00.000Z',
      revoked_at: revoked,
    });
    await db
      .insertInto('refresh_tokens')
      .values([
        token('a1', 'open', '2026-01-01T00:00:00.000Z'),
        token('a2', 'open', null), // the family's current token: the session is still on
        token('b1', 'ended', '2026-01-01T00:00:00.000Z'),
        token('b2', 'ended', '2026-01-02T00:00:00.000Z'),
      ])
      .execute();
    await db
      .insertInto('customers')
      .values({
        id: 'c',
        name: 'C',
        phone: null,
        email: null,
        language: 'en',
        company: null,
        created_at: 'x',
        updated_at: 'x',
        version: 1,
      })
      .execute();
    const ticket = {
      department_id: 'd',
      customer_id: 'c',
      subject: 's',
      description: '',
      status: 'new' as const,
      priority: 'normal' as const,
      assignee_id: null,
      created_at: 'x',
      updated_at: 'x',
      version: 1,
    };
    await db
      .insertInto('tickets')
      .values([
        { ...ticket, id: 't1', number: 7 },
        { ...ticket, id: 't2', number: 41 },
      ])
      .execute();
    await upTo('0008-counters-and-secrets');

    const sessions = await db
      .selectFrom('sessions')
      .select(['id', 'revoked_at', 'revoked_reason'])
      .orderBy('id')
      .execute();
    expect(sessions).toEqual([
      { id: 'ended', revoked_at: '2026-01-02T00:00:00.000Z', revoked_reason: 'before-sessions' },
      { id: 'open', revoked_at: null, revoked_reason: null },
    ]);
    const counters = await db.selectFrom('counters').selectAll().orderBy('name').execute();
    expect(counters).toEqual([
      { name: 'audit', value: 0 },
      { name: 'sip_accounts', value: 0 },
      { name: 'ticket_number', value: 41 },
    ]);
  });

  it('0019 turns the stored SLA instants into epoch milliseconds, and its down() turns them back', async () => {
    db = await emptyDb();
    const pending = Object.entries(migrations);
    for (let next = pending.shift(); next; next = pending.shift()) {
      await next[1].up(db);
      if (next[0] === '0018-ticket-delete') break;
    }
    await sql`INSERT INTO departments (id, code, name_zh, name_en, version) VALUES ('d', 'd', '部', 'D', 1)`.execute(
      db,
    );
    await sql`INSERT INTO customers (id, name, language, created_at, updated_at, version)
      VALUES ('c', 'C', 'en', 'x', 'x', 1)`.execute(db);
    await sql`INSERT INTO tickets (id, number, department_id, customer_id, subject, description, status, priority,
        created_at, updated_at, version, sla_due_at, sla_state, sla_next_check_at)
      VALUES ('t1', 1, 'd', 'c', 's', '', 'open', 'high', 'x', 'x', 1,
        '2025-06-10T07:54:28.489Z', 'running', '2025-06-10T06:18:28.001Z'),
        ('t2', 2, 'd', 'c', 's', '', 'open', 'high', 'x', 'x', 1, NULL, NULL, NULL)`.execute(db);
    await migrations['0019-sla-instants']!.up(db);
    const after = await sql<{
      id: string;
      sla_due_ms: number | string | null;
      sla_next_check_ms: number | string | null;
    }>`
      SELECT id, sla_due_ms, sla_next_check_ms FROM tickets ORDER BY id`.execute(db);
    expect(
      after.rows.map((r) => [r.id, Number(r.sla_due_ms ?? NaN), Number(r.sla_next_check_ms ?? NaN)]),
    ).toEqual([
      ['t1', Date.parse('2025-06-10T07:54:28.489Z'), Date.parse('2025-06-10T06:18:28.001Z')],
      ['t2', NaN, NaN],
    ]);
    await migrations['0019-sla-instants']!.down!(db);
    const back = await sql<{ sla_due_at: string | null; sla_next_check_at: string | null }>`
      SELECT sla_due_at, sla_next_check_at FROM tickets ORDER BY id`.execute(db);
    expect(back.rows).toEqual([
      { sla_due_at: '2025-06-10T07:54:28.489Z', sla_next_check_at: '2025-06-10T06:18:28.001Z' },
      { sla_due_at: null, sla_next_check_at: null },
    ]);
  });

  it.skipIf(TEST_DIALECT !== 'sqlite')('opens files in WAL mode', async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-migrate-'));
    db = openSqlite(join(dir, 'nested', 'server.sqlite'));
    const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
    expect(mode.rows[0]?.journal_mode).toBe('wal');
  });
});
