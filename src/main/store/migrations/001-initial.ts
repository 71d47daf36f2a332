import type { Migration } from './types';

/**
 * The first schema of the desktop replica. Tickets and customers carry an integer rowid (`rid`) as
 * well as their UUID so the FTS index can point at them; the UUID stays the key every other table uses.
 */
export const m001Initial: Migration = {
  version: 1,
  name: 'initial',
  up: (db) => {
    db.exec(`
      CREATE TABLE departments (
        id TEXT PRIMARY KEY,
        code TEXT NOT NULL,
        name_zh TEXT NOT NULL,
        name_en TEXT NOT NULL
      );
      CREATE TABLE users (
        id TEXT PRIMARY KEY,
        username TEXT NOT NULL,
        display_name TEXT NOT NULL,
        role TEXT NOT NULL,
        department_id TEXT
      );
      CREATE INDEX users_department ON users(department_id);

      CREATE TABLE customers (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        phone TEXT,
        email TEXT,
        language TEXT NOT NULL,
        company TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL
      );
      CREATE INDEX customers_phone ON customers(phone) WHERE phone IS NOT NULL;

      CREATE TABLE tickets (
        rid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        number INTEGER,
        department_id TEXT NOT NULL,
        customer_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        description TEXT NOT NULL,
        status TEXT NOT NULL,
        priority TEXT NOT NULL,
        assignee_id TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        version INTEGER NOT NULL,
        -- The last server copy while local edits are pending (JSON Ticket), so a rejected edit can be undone.
        server_base TEXT
      );
      CREATE INDEX tickets_updated ON tickets(updated_at);
      CREATE INDEX tickets_customer ON tickets(customer_id, updated_at);
      CREATE INDEX tickets_department_status ON tickets(department_id, status, updated_at);
      CREATE INDEX tickets_assignee ON tickets(assignee_id, updated_at);

      CREATE TABLE comments (
        id TEXT PRIMARY KEY,
        ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        author_id TEXT,
        author_name TEXT NOT NULL,
        body TEXT NOT NULL,
        internal INTEGER NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE INDEX comments_ticket ON comments(ticket_id, created_at);

      CREATE TABLE history (
        id TEXT PRIMARY KEY,
        ticket_id TEXT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
        field TEXT NOT NULL,
        from_value TEXT,
        to_value TEXT,
        actor_id TEXT,
        actor_name TEXT NOT NULL,
        at TEXT NOT NULL
      );
      CREATE INDEX history_ticket ON history(ticket_id, at);

      -- Local mutations not yet acknowledged by the server, pushed in seq order.
      CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        mutation_id TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        args TEXT NOT NULL,
        ticket_id TEXT NOT NULL,
        comment_id TEXT,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        last_error TEXT
      );
      CREATE INDEX outbox_ticket ON outbox(ticket_id);

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );

      -- Contentless: the segmented text is only for matching; rows are read from tickets.
      CREATE VIRTUAL TABLE ticket_fts USING fts5(
        subject, body, customer,
        tokenize = 'unicode61',
        content = '',
        contentless_delete = 1
      );
    `);
  },
};
