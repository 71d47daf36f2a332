import { v7 as uuidv7 } from 'uuid';
import type { EventName, EventPayload, ServiceHandlers } from '../../shared/ipc/contract';
import { loggedCallError, loggedNumbers } from '../../shared/protocol/call-records';
import { SwitchboardError } from '../../shared/protocol/errors';
import type { AgentStatus } from '../../shared/protocol/voice';
import type { SessionManager } from './session';

type CallMethods =
  | 'interactions.list'
  | 'interactions.forCall'
  | 'interactions.log'
  | 'interactions.complete'
  | 'agent.status'
  | 'agent.setState'
  | 'agent.reportPhone'
  | 'voice.callEvent';

/**
 * Calls on the desktop: call records answered from and written to the replica (offline too, synced through
 * the outbox), and the agent's state, which only the server can change (over the sync socket, online only).
 */
export function createCallHandlers(
  sessions: SessionManager,
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void,
): Pick<ServiceHandlers, CallMethods> {
  const changed = (interactionIds: string[]) =>
    emit('data.changed', { ticketIds: [], customerIds: [], interactionIds, all: false });

  return {
    'interactions.list': async ({ customerId, limit }) =>
      sessions.require().store.read.customerInteractions(customerId, limit),

    'interactions.forCall': async ({ callId }) => {
      const { store, info } = sessions.require();
      return store.read.interactionForCall(callId, info.user.id);
    },

    'interactions.log': async (log) => {
      const { store, engine, info } = sessions.require();
      const departmentId = info.user.departmentId;
      if (departmentId === null) {
        throw new SwitchboardError('forbidden', 'Only members of a department record calls.');
      }
      const why = loggedCallError(log);
      if (why) throw new SwitchboardError('bad_request', why);
      const { customerNumber } = loggedNumbers(log);
      const customerId = customerNumber ? (store.read.findCustomerByPhone(customerNumber)?.id ?? null) : null;
      const id = store.write.logCallLocally(
        log,
        { departmentId, agentId: info.user.id, customerId },
        uuidv7(),
        new Date().toISOString(),
      );
      changed([...new Set([id, log.interactionId])]);
      engine.kick();
      return store.read.getInteraction(id)!;
    },

    'interactions.complete': async ({ interactionId, disposition, notes, ticketId, customerId }) => {
      const { store, engine, info } = sessions.require();
      const call = store.read.getInteraction(interactionId);
      if (!call) {
        throw new SwitchboardError(
          'not_found',
          'This call is not in your local copy (it may be outside your department).',
        );
      }
      // The server's rules, checked here too so a wrap-up it would refuse is never shown as done.
      const { user } = info;
      if (user.role === 'agent' && call.agentId !== user.id) {
        throw new SwitchboardError('forbidden', 'Only the agent who took this call can wrap it up.');
      }
      if (user.role === 'supervisor' && call.departmentId !== user.departmentId) {
        throw new SwitchboardError('forbidden', 'This call is not in your department.');
      }
      if (call.status === 'ringing') {
        throw new SwitchboardError('conflict', 'This call has not been answered yet.');
      }
      if (ticketId !== null && store.read.getTicket(ticketId)?.departmentId !== call.departmentId) {
        throw new SwitchboardError('bad_request', "The linked ticket is not in this call's department.");
      }
      // As the server does: only a call without a customer is linked, and only to one this replica has.
      const linked =
        call.customerId === null && customerId !== null && store.read.getCustomer(customerId)
          ? customerId
          : null;
      store.write.completeCallLocally(
        call.id,
        { interactionId: call.id, disposition, notes, ticketId, customerId: linked },
        uuidv7(),
        new Date().toISOString(),
      );
      changed([call.id]);
      engine.kick();
      return store.read.getInteraction(call.id)!;
    },

    'agent.status': async () => {
      const { engine } = sessions.require();
      try {
        return await engine.agent.fetch();
      } catch (e) {
        if (!(e instanceof SwitchboardError)) throw e;
        // Offline: what the server last said. not_found: this user has no phone, so no agent state.
        if (e.code === 'unavailable') return engine.agent.known();
        if (e.code === 'not_found') return null;
        throw e;
      }
    },

    'agent.setState': async (req): Promise<AgentStatus> => sessions.require().engine.agent.setState(req),

    'agent.reportPhone': async ({ registered }) => sessions.require().engine.agent.reportPhone(registered),

    'voice.callEvent': async (req) => sessions.require().engine.agent.callEvent(req),
  };
}
