import type { Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

export async function up(db: Kysely<any>): Promise<void> {
  // One SIP account per agent. The password is kept as issued: the agent's softphone needs it in clear,
  // and the PBX gets it (as HA1) from the service at start and on every rotation.
  await db.schema
    .createTable('sip_accounts')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
    .addColumn('extension', 'text', (c) => c.notNull().unique())
    .addColumn('password', 'text', (c) => c.notNull())
    .addColumn('issued_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('queues')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('number', 'text', (c) => c.notNull().unique())
    .addColumn('name_zh', 'text', (c) => c.notNull())
    .addColumn('name_en', 'text', (c) => c.notNull())
    .addColumn('department_id', 'text', (c) => c.notNull().references('departments.id'))
    .addColumn('skill', 'text', (c) => c.notNull())
    .addColumn('ring_timeout_seconds', 'integer', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('agent_skills')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('skill', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('agent_skills_pk', ['user_id', 'skill'])
    .execute();

  // The current state of each agent (the service keeps it in memory too and writes through).
  await db.schema
    .createTable('agent_states')
    .addColumn('user_id', 'text', (c) => c.primaryKey().references('users.id'))
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('pending_state', 'text')
    .addColumn('pending_reason', 'text')
    .addColumn('since', 'text', (c) => c.notNull())
    .addColumn('idle_since', 'text')
    .addColumn('interaction_id', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();

  // Every state change, append-only.
  await db.schema
    .createTable('agent_state_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('interaction_id', 'text')
    .addColumn('at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('agent_state_log_user')
    .on('agent_state_log')
    .columns(['user_id', 'id'])
    .execute();

  await db.schema
    .createTable('interactions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('call_id', 'text', (c) => c.notNull().unique())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('caller_number', 'text', (c) => c.notNull())
    .addColumn('callee_number', 'text', (c) => c.notNull())
    .addColumn('queue_number', 'text')
    .addColumn('department_id', 'text', (c) => c.notNull().references('departments.id'))
    .addColumn('agent_id', 'text', (c) => c.references('users.id'))
    .addColumn('customer_id', 'text', (c) => c.references('customers.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('ring_at', 'text', (c) => c.notNull())
    .addColumn('answer_at', 'text')
    .addColumn('end_at', 'text')
    .addColumn('hold_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('disposition', 'text')
    .addColumn('notes', 'text')
    .addColumn('ticket_id', 'text', (c) => c.references('tickets.id'))
    .addColumn('completed_at', 'text')
    .addColumn('version', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('interactions_customer').on('interactions').column('customer_id').execute();
  await db.schema
    .createIndex('interactions_agent')
    .on('interactions')
    .columns(['agent_id', 'ring_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of [
    'interactions',
    'agent_state_log',
    'agent_states',
    'agent_skills',
    'queues',
    'sip_accounts',
  ]) {
    await db.schema.dropTable(t).execute();
  }
}
