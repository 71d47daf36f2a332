import { z } from 'zod';
import { Id, Instant } from './ids';

export const Customer = z.object({
  id: Id,
  name: z.string().min(1).max(200),
  /** E.164, e.g. +8613800138000; normalised at every entry point. */
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/)
    .nullable(),
  email: z.email().nullable(),
  language: z.enum(['zh-CN', 'en']),
  company: z.string().max(200).nullable(),
  createdAt: Instant,
  updatedAt: Instant,
  version: z.number().int().nonnegative(),
});
export type Customer = z.infer<typeof Customer>;
