import { z } from 'zod';

/** A ticket's priority; its own file so the triage contract (src/shared/triage) and the ticket share it without a cycle. */
export const TicketPriority = z.enum(['low', 'normal', 'high', 'urgent']);
export type TicketPriority = z.infer<typeof TicketPriority>;
