import { SwitchboardError, type User } from '../../shared';
import { auditedTransaction, lockAuditChain, writeAudit } from '../audit/audit-log';
import { revokeSessions, setPasswordHash } from '../auth/auth-service';
import { liftAccountLockout } from '../auth/login-throttle';
import { hashPassword } from '../auth/passwords';
import { appendChange } from '../db/change-log';
import type { Db, Tx } from '../db/schema';
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
  await lockAuditChain(trx); // before the user's row: the lock order of audit-log.ts
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

/** Disables an account: its sessions end (access and refresh tokens stop at once) and its open sockets are refused. */
export async function disableUser(trx: Tx, actor: User, userId: string, now: Date): Promise<void> {
  await lockAuditChain(trx); // before the user's row: the lock order of audit-log.ts
  const row = await target(trx, actor, userId);
  if (row.id === actor.id) throw new SwitchboardError('bad_request', 'You cannot disable your own account.');
  if (row.disabled) return;
  const at = now.toISOString();
  await trx.updateTable('users').set({ disabled: 1 }).where('id', '=', userId).execute();
  await republish(trx, userId);
  await writeAudit(trx, { at, actorId: actor.id, action: 'user.disable', subjectId: userId, detail: {} });
  await revokeSessions(trx, { userId }, 'disabled', actor.id, now);
}

/**
 * Enables a disabled account again. Its sessions stay ended: the agent signs in again, and whatever their
 * desktop kept (the not-sent list, an outbox of an offline sign-in) goes from there.
 */
export async function enableUser(trx: Tx, actor: User, userId: string, now: Date): Promise<void> {
  const row = await target(trx, actor, userId);
  if (!row.disabled) return;
  await trx.updateTable('users').set({ disabled: 0 }).where('id', '=', userId).execute();
  await republish(trx, userId);
  await writeAudit(trx, {
    at: now.toISOString(),
    actorId: actor.id,
    action: 'user.enable',
    subjectId: userId,
    detail: {},
  });
  await liftAccountLockout(trx, row.username, now);
}

/** Ends every session of a user (a lost laptop, a suspicion): their tokens stop at once; they sign in again. */
export async function endUserSessions(trx: Tx, actor: User, userId: string, now: Date): Promise<number> {
  await target(trx, actor, userId);
  return revokeSessions(trx, { userId }, 'admin', actor.id, now);
}

/**
 * An administrator sets a user's password: every session of the user ends at once (their access tokens are
 * refused from the next request or socket event) and a sign-in lockout of the account is lifted.
 */
export async function setUserPassword(
  db: Db,
  actor: User,
  userId: string,
  password: string,
  now: Date,
): Promise<void> {
  if (password.length < 8)
    throw new SwitchboardError('bad_request', 'A password needs at least 8 characters.');
  // Hashed before the transaction: scrypt takes tens of milliseconds, too long to hold the database.
  const hash = await hashPassword(password);
  await auditedTransaction(db, async (trx) => {
    const row = await target(trx, actor, userId);
    await setPasswordHash(trx, userId, hash, actor.id, now);
    await liftAccountLockout(trx, row.username, now);
  });
}
