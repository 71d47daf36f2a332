import { type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations run against the schema as it was then, not today's types. */

/**
 * One truthful agent state (issue 14, voice/README.md "Agent states"): a supervisor's note on a state change,
 * kept with the change in the agent's history; and whether the agent's desktop said its phone is registered
 * (1 / 0; NULL: never said), kept with the state so a node taking routing over routes as the last one did.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agent_state_log').addColumn('note', 'text').execute();
  await db.schema.alterTable('agent_states').addColumn('phone_registered', 'integer').execute();
}
