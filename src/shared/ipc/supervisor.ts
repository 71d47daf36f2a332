import { z } from 'zod';
import { Id, Instant } from '../domain/ids';
import { ErrorBody } from '../protocol/errors';
import { SupervisorMessage, SupervisorSnapshot } from '../protocol/supervisor';
import { AgentStateChange, BreakReason, RequestableState } from '../protocol/voice';

/*
 * The supervisor's desktop (issue 14, desk): what the desktop services tell the renderer about the live view
 * (src/shared/protocol/supervisor.ts) they follow on the sync socket, and the notices supervisors send.
 */

/**
 * The live view as the desktop holds it. The services subscribe once, apply the service's deltas in seq order
 * and ask for a new snapshot after a gap or a reconnect; the window only ever sees a whole, consistent view.
 */
export const SupervisorView = z.object({
  /** The window asked to watch (supervisor.watch) and has not stopped. */
  watching: z.boolean(),
  /** Subscribed on a connected socket: the numbers are live. false: they are as of `view.at`. */
  live: z.boolean(),
  /** The last consistent view (snapshot plus every delta since); null before the first snapshot. */
  view: SupervisorSnapshot.nullable(),
  /** This desktop's clock when the view last changed (the window counts times from the service's clock). */
  receivedAt: Instant.nullable(),
  /** Why the last subscribe failed (refused, offline), for the window to say. */
  error: ErrorBody.nullable(),
});
export type SupervisorView = z.infer<typeof SupervisorView>;

/** A supervisor changes an agent's state (their department; admins any): with a reason for a Break, and words. */
export const SupervisorSetAgentState = z
  .object({
    userId: Id,
    state: RequestableState,
    reason: BreakReason.optional(),
    note: z.string().trim().max(500).optional(),
  })
  .refine((r) => (r.state === 'Break') === (r.reason !== undefined), {
    message: 'A Break needs a reason, and only a Break has one.',
    path: ['reason'],
  });
export type SupervisorSetAgentState = z.infer<typeof SupervisorSetAgentState>;

/** One recorded state change, with who asked (by name) and the words that came with it (null where none). */
export const AgentHistoryEntry = AgentStateChange.extend({
  actorName: z.string().nullable().default(null),
  note: z.string().nullable().default(null),
});
export type AgentHistoryEntry = z.infer<typeof AgentHistoryEntry>;

/** Notices from supervisors shown on this desktop until the user dismisses them, oldest first. */
export const SupervisorNotices = z.object({ notices: z.array(SupervisorMessage) });
export type SupervisorNotices = z.infer<typeof SupervisorNotices>;
