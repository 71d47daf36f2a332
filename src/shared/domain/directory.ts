import { z } from 'zod';
import { Id } from './ids';

export const Role = z.enum(['agent', 'team_lead', 'supervisor', 'admin']);
export type Role = z.infer<typeof Role>;

export const Department = z.object({
  id: Id,
  code: z.string().min(1).max(32),
  nameZh: z.string().min(1),
  nameEn: z.string().min(1),
});
export type Department = z.infer<typeof Department>;

export const User = z.object({
  id: Id,
  username: z.string().min(1).max(64),
  displayName: z.string().min(1),
  role: Role,
  /** null only for admins, who see every department. */
  departmentId: Id.nullable(),
});
export type User = z.infer<typeof User>;
