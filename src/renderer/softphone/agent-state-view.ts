// One truthful agent state (issue 14): what the top bar says of the agent's state, from the server's status
// only. No React here, so the rules are tested on their own (tests/renderer/agent-state-view.test.ts).
import type { AgentState, AgentStatus, BreakReason } from '../../shared/protocol/voice';

/** Why the server moved the agent, when the agent did not ask for it themselves. */
export type ServerChangeKind = 'missed_call' | 'disconnect' | 'supervisor' | 'server_start' | 'wrapup_limit';

export interface AgentNotice {
  kind: ServerChangeKind;
  state: AgentState;
  reason: BreakReason | null;
  actorName: string | null;
  note: string | null;
  at: string;
  /** The status version it came with: a notice is shown once per change. */
  version: number;
}

/**
 * The notice owed to the agent when a status from the server replaces the one they saw: a change they did not
 * ask for (missed call, disconnect grace, a supervisor, a server restart, the wrap-up limit). Nothing for their
 * own requests, for the call flow they watch happen (offered, answered, ended), for a first status (nothing was
 * shown before it) or for a status that only repeats the change already seen.
 */
export function serverChangeNotice(
  prev: AgentStatus | null,
  next: AgentStatus,
  selfId: string,
): AgentNotice | null {
  const c = next.change;
  if (!prev || !c || next.version <= prev.version) return null;
  if (prev.change && prev.change.at === c.at && prev.change.cause === c.cause) return null;
  if (prev.state === next.state && prev.reason === next.reason) return null;
  let kind: ServerChangeKind | null = null;
  if (c.actorId !== null && c.actorId !== selfId) {
    // Someone else moved the agent; a call a supervisor handed them is the call flow, seen as it rings.
    if (c.cause === 'supervisor' || c.cause === 'wrapup_ended') kind = 'supervisor';
  } else if (c.cause === 'no_answer') kind = 'missed_call';
  else if (c.cause === 'disconnect') kind = 'disconnect';
  else if (c.cause === 'server_start') kind = 'server_start';
  else if (c.cause === 'wrapup_ended' && c.actorId === null) kind = 'wrapup_limit';
  if (!kind) return null;
  return {
    kind,
    state: next.state,
    reason: next.reason,
    actorName: c.actorName,
    note: c.note,
    at: c.at,
    version: next.version,
  };
}

export interface AgentStateView {
  /** i18n key of the state's word, under agentState. */
  key: string;
  reason: BreakReason | null;
  /** Available, but the server offers no calls: the phone is not registered. */
  chatOnly: boolean;
  /** The service is unreachable: the state as it last said, since then (ms). null: current. */
  staleMs: number | null;
  /** Whether a change can be asked for now (only the service changes the state; nothing is queued). */
  canChange: boolean;
}

/**
 * The bar's view of the state. linkUp: the sync connection is up (online or syncing); linkDownSince: when it
 * went down (ms). phoneRegistered: the softphone's registration here, used before the server has said.
 */
export function agentStateView(o: {
  status: AgentStatus | null;
  linkUp: boolean;
  linkDownSince: number | null;
  now: number;
  phoneRegistered: boolean;
}): AgentStateView {
  const s = o.status;
  const chatOnly = s?.state === 'Available' && (s.phoneRegistered ?? o.phoneRegistered) === false;
  return {
    key: !s ? 'unknown' : chatOnly ? 'availableNoPhone' : `state.${s.state}`,
    reason: s?.state === 'Break' ? s.reason : null,
    chatOnly,
    staleMs: o.linkUp || !s ? null : Math.max(0, o.now - (o.linkDownSince ?? o.now)),
    canChange: o.linkUp,
  };
}
