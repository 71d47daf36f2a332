import { SwitchboardError, type User } from '../../shared';
import { writeAudit } from '../audit/audit-log';
import { appendChange } from '../db/change-log';
import type { Tx } from '../db/schema';
import { getDepartment, getUserRow, toUser } from './directory-store';

/**
 * An administrator's changes to who works where (no UI yet: the CLI or an admin script calls these).
 * Either takes effect on the user's next sync request, because every socket event re-reads the user: their
 * replica is answered with a `reset` (moved) or refused (disabled), and their desktop drops what it held.
 * Pokes carry data, so they re-read the users too (sync-socket.ts `poke`): from the next one, the user's open
 * sockets get no data of the old department and leave its room.
 */

async function target(trx: Tx, actor: User, userId: string) {
  if (actor.role !== 'admin') throw new SwitchboardError('forbidden', 'Only administrators manage users.');
  const row = await getUserRow(trx, userId);
  if (!row) throw new SwitchboardError('not_found', 'This user does not exist.');
  return row;
}

/** Publishes the user again, so every directory (other desktops' assignee lists) follows. */
async function republish(trx: Tx, userId: string): Promise<number> {
  const version = await appendChange(trx, 'user', userId, null);
  await trx.updateTable('users').set({ version }).where('id', '=', userId).execute();
  return version;
}

/** Moves a user to another department (null: no department, which for an admin means everything). */
export async function moveUser(
  trx: Tx,
  actor: User,
  userId: string,
  departmentId: string | null,
  now: Date,
): Promise<User> {
  const row = await target(trx, actor, userId);
  if (departmentId !== null && !(await getDepartment(trx, departmentId))) {
    throw new SwitchboardError('bad_request', 'The target department does not exist.');
  }
  if (row.department_id === departmentId) return toUser(row);
  await trx.updateTable('users').set({ department_id: departmentId }).where('id', '=', userId).execute();
  await republish(trx, userId);
  await writeAudit(trx, {
    at: now.toISOString(),
    actorId: actor.id,
    action: 'user.move',
    subjectId: userId,
    detail: { from: row.department_id, to: departmentId },
  });
  return toUser((await getUserRow(trx, userId))!);
}

/** Disables an account: its sessions end (refresh tokens revoked) and its open sockets are refused. */
export async function disableUser(trx: Tx, actor: User, userId: string, now: Date): Promise<void> {
  const row = await target(trx, actor, userId);
  if (row.id === actor.id) throw new SwitchboardError('bad_request', 'You cannot disable your own account.');
  if (row.disabled) return;
  const at = now.toISOString();
  await trx.updateTable('users').set({ disabled: 1 }).where('id', '=', userId).execute();
  await trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: at })
    .where('user_id', '=', userId)
    .where('revoked_at', 'is', null)
    .execute();
  await republish(trx, userId);
  await writeAudit(trx, { at, actorId: actor.id, action: 'user.disable', subjectId: userId, detail: {} });
}
