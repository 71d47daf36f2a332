import type { Server } from 'socket.io';
import {
  AgentHistoryRequest,
  CallEvent,
  GetAgentStatusRequest,
  parseOrThrow,
  SetAgentStateRequest,
  SwitchboardError,
  VoiceSocketEvents,
  type AgentStatus,
  type User,
} from '../../shared';
import type { AuthService } from '../auth/auth-service';
import { socketHandler, type SocketData } from '../sync/sync-socket';
import type { VoiceService } from './voice-service';

export const agentRoom = (userId: string) => `voice:agent:${userId}`;
export const supervisorRoom = (departmentId: string) => `voice:sup:${departmentId}`;
export const ALL_SUPERVISORS_ROOM = 'voice:sup:all';

/**
 * Agent states over the sync socket. An agent's socket counts as their desktop being there (its loss starts
 * the Offline grace period). Status changes go to the agent and to the supervisors of the department.
 */
export function attachVoice(
  io: Server,
  deps: { voice: VoiceService; auth: AuthService; log: (line: string) => void },
) {
  const { voice, auth, log } = deps;
  const handle = socketHandler(auth, log);

  voice.onStatus = (s: AgentStatus) => {
    io.to([agentRoom(s.userId), supervisorRoom(s.departmentId), ALL_SUPERVISORS_ROOM]).emit(
      VoiceSocketEvents.status,
      s,
    );
  };

  const supervises = (user: User) => {
    if (user.role === 'agent') throw new SwitchboardError('forbidden', 'Only supervisors see other agents.');
  };

  io.on('connection', (socket) => {
    const user = (socket.data as SocketData).user;
    if (user.role === 'agent') {
      void socket.join(agentRoom(user.id));
      voice.connected(user.id);
      socket.on('disconnect', () => voice.disconnected(user.id));
    } else {
      void socket.join(user.departmentId === null ? ALL_SUPERVISORS_ROOM : supervisorRoom(user.departmentId));
    }

    socket.on(
      VoiceSocketEvents.setState,
      handle(socket, async (u, input) =>
        voice.setState(u, parseOrThrow(SetAgentStateRequest, input, 'state change')),
      ),
    );
    socket.on(
      VoiceSocketEvents.getStatus,
      handle(socket, async (u, input) => {
        const req = parseOrThrow(GetAgentStatusRequest, input ?? {}, 'status request');
        return voice.status(voice.agentFor(u, req.userId).userId);
      }),
    );
    socket.on(
      VoiceSocketEvents.list,
      handle(socket, async (u) => {
        supervises(u);
        return { agents: voice.visibleStatuses(u) };
      }),
    );
    socket.on(
      VoiceSocketEvents.history,
      handle(socket, async (u, input) => {
        const req = parseOrThrow(AgentHistoryRequest, input ?? {}, 'history request');
        return { changes: await voice.history(u, req.userId, req.limit) };
      }),
    );
    socket.on(
      VoiceSocketEvents.callEvent,
      handle(socket, async (u, input) => {
        const req = parseOrThrow(CallEvent, input, 'call event');
        return voice.callEvent(req.callId, req.event, u);
      }),
    );
  });
}
