import { type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * Callers wait in the queue (voice/README.md, "Waiting calls"): per queue its priority, maximum wait, overflow
 * queue, callback at the maximum wait and service level (80/20 by default); per call record when it entered
 * the queue, how long it waited and how it left, so speed of answer and service level come from the records.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const queueColumns: [string, 'integer' | 'text' | 'double precision', unknown][] = [
    ['priority', 'integer', 0],
    ['max_wait_seconds', 'integer', null],
    ['overflow_queue_id', 'text', null],
    ['callback_on_max_wait', 'integer', 0],
    ['service_level_seconds', 'integer', 20],
    ['service_level_target', 'double precision', 0.8],
  ];
  for (const [name, type, dflt] of queueColumns) {
    await db.schema
      .alterTable('queues')
      .addColumn(name, type, (c) => (dflt === null ? c : c.notNull().defaultTo(dflt)))
      .execute();
  }
  for (const [name, type] of [
    ['queued_at', 'text'],
    ['queue_since', 'text'],
    ['wait_seconds', 'integer'],
    ['queue_result', 'text'],
  ] as const) {
    await db.schema.alterTable('interactions').addColumn(name, type).execute();
  }
  await db.schema.createIndex('interactions_queued_at').on('interactions').column('queued_at').execute();
}
