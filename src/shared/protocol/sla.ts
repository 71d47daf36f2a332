import { z } from 'zod';
import { Id, Instant } from '../domain';

/**
 * SLA alerts: a ticket's target entered its warning window or was breached. The service sends them to the users
 * an escalation rule names (the assignee, the department's supervisors and team leads, one user); a desktop also
 * raises them itself, offline too, for the tickets it watches. Both ends key an alert by ticket, target, kind and
 * due time, so the same alert from both is shown once.
 */
export const SlaAlert = z.object({
  ticketId: Id,
  /** null for a ticket the service has not numbered yet (made offline). */
  ticketNumber: z.number().int().positive().nullable(),
  subject: z.string().max(300),
  departmentId: Id,
  target: z.enum(['firstResponse', 'nextResponse', 'resolution']),
  kind: z.enum(['warning', 'breach']),
  dueAt: Instant,
  /** When the alert was raised. */
  at: Instant,
  /** service: an escalation rule of the policy; desktop: the desktop's own clock on its replica. */
  source: z.enum(['service', 'desktop']),
});
export type SlaAlert = z.infer<typeof SlaAlert>;

/** The key under which an alert is shown once, whoever raised it. */
export const slaAlertKey = (a: Pick<SlaAlert, 'ticketId' | 'target' | 'kind' | 'dueAt'>): string =>
  `${a.ticketId}:${a.target}:${a.kind}:${Date.parse(a.dueAt)}`;

export const SlaSocketEvents = {
  /** server -> client: an SlaAlert for this user. */
  alert: 'sla:alert',
} as const;
