import type { Queue } from '../../shared';
import type { Selectable } from 'kysely';
import type { Database, Db, Tx } from '../db/schema';

/** A queue as routing and the admin screen see it. */
export const queueFromRow = (q: Selectable<Database['queues']>): Queue => ({
  id: q.id,
  number: q.number,
  nameZh: q.name_zh,
  nameEn: q.name_en,
  departmentId: q.department_id,
  skill: q.skill,
  ringTimeoutSeconds: q.ring_timeout_seconds,
  priority: q.priority,
  maxWaitSeconds: q.max_wait_seconds,
  overflowQueueId: q.overflow_queue_id,
  callbackOnMaxWait: q.callback_on_max_wait === 1,
  serviceLevelSeconds: q.service_level_seconds,
  serviceLevelTarget: Number(q.service_level_target),
});

/**
 * What routing is built from: the queues, every active agent with their extension and stored state, and each
 * agent's skills. Read at start and again when an administrator changes queues or skills (VoiceService).
 */
export async function readRoutingDirectory(db: Db | Tx) {
  const queues = (await db.selectFrom('queues').selectAll().orderBy('number').execute()).map(queueFromRow);
  const agents = await db
    .selectFrom('users')
    .leftJoin('sip_accounts', 'sip_accounts.user_id', 'users.id')
    .leftJoin('agent_states', 'agent_states.user_id', 'users.id')
    .select([
      'users.id',
      'users.username',
      'users.department_id',
      'sip_accounts.extension',
      'agent_states.state',
      'agent_states.version',
    ])
    .where('users.role', '=', 'agent')
    .where('users.disabled', '=', 0)
    .orderBy('users.username')
    .execute();
  const skills = new Map<string, Set<string>>();
  for (const s of await db.selectFrom('agent_skills').selectAll().execute()) {
    let mine = skills.get(s.user_id);
    if (!mine) skills.set(s.user_id, (mine = new Set()));
    mine.add(s.skill);
  }
  return { queues, agents, skills };
}
