import type { Department, User } from '../../shared';
import type { Database, Tx } from '../db/schema';

export const toUser = (r: Database['users']): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  departmentId: r.department_id,
});

export const toDepartment = (r: Database['departments']): Department => ({
  id: r.id,
  code: r.code,
  nameZh: r.name_zh,
  nameEn: r.name_en,
});

export async function findUserByUsername(trx: Tx, username: string) {
  // People type their user name in any case; names are stored lower-case (demo) and compared lower-case.
  return trx
    .selectFrom('users')
    .selectAll()
    .where((eb) => eb(eb.fn('lower', ['username']), '=', username.toLowerCase()))
    .executeTakeFirst();
}

export async function getUserRow(trx: Tx, id: string) {
  return trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getDepartment(trx: Tx, id: string): Promise<Department | undefined> {
  const r = await trx.selectFrom('departments').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toDepartment(r);
}
