import { can, rightRefusal, SwitchboardError, type Right, type User } from '../../shared';
import { getRolePermissions } from '../admin/admin-store';
import type { Tx } from '../db/schema';
import { scopeOf, type Scope } from './scope';

/**
 * Refuses with `forbidden` unless `user` holds every right in `rights` under the configured matrix (read in the
 * caller's transaction, so a change made by an administrator applies to the very next request).
 */
export async function requireRights(trx: Tx, user: User, rights: readonly Right[]): Promise<void> {
  if (rights.length === 0 || user.role === 'admin') return;
  const permissions = await getRolePermissions(trx);
  for (const right of rights) {
    if (!can(user, right, permissions)) throw new SwitchboardError('forbidden', rightRefusal(right));
  }
}

/** Whether `user` may read internal notes now. */
export async function seesInternalNotes(trx: Tx, user: Pick<User, 'role'>): Promise<boolean> {
  return user.role === 'admin' || can(user, 'seeInternalNotes', await getRolePermissions(trx));
}

/**
 * What a user's replica holds: their department scope, without internal notes when they may not read them.
 * The notes are part of the scope (and so of its key), so a change of that right resets the replica.
 */
export async function syncScopeOf(trx: Tx, user: Pick<User, 'role' | 'departmentId'>): Promise<Scope> {
  const scope = scopeOf(user);
  return (await seesInternalNotes(trx, user)) ? scope : { ...scope, withoutInternalNotes: true };
}
