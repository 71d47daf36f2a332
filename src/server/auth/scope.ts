import type { User } from '../../shared';

/**
 * What a user may see: admins (no department) see all; everyone else sees their own department.
 * `withoutInternalNotes`: the department's tickets without their internal notes (rights.ts syncScopeOf).
 */
export type Scope = ({ all: true } | { all: false; departmentId: string }) & {
  withoutInternalNotes?: boolean;
};

export function scopeOf(user: Pick<User, 'departmentId'>): Scope {
  return user.departmentId === null ? { all: true } : { all: false, departmentId: user.departmentId };
}

export function inScope(scope: Scope, departmentId: string): boolean {
  return scope.all || scope.departmentId === departmentId;
}
