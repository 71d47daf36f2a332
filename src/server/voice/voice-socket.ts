import type { Server, Socket } from 'socket.io';
import {
  AgentHistoryRequest,
  CallEvent,
  GetAgentStatusRequest,
  parseOrThrow,
  PhoneReadiness,
  SetAgentStateRequest,
  SwitchboardError,
  VoiceSocketEvents,
  type Ack,
  type AgentStatus,
  type User,
  supervisesAgents,
} from '../../shared';
import express, { type Request } from 'express';
import { z } from 'zod';
import { errorBody } from '../http/error-body';
import type { AuthService } from '../auth/auth-service';
import { socketHandler, type SocketData } from '../sync/sync-socket';
import type { VoiceService } from './voice-service';
import type { VoiceCluster } from './voice-cluster';

/** POST: a socket event passed from another node to the routing owner (bearer: the socket's token). */
export const CLUSTER_EVENT_PATH = '/api/voice/cluster/event';

export const agentRoom = (userId: string) => `voice:agent:${userId}`;
export const supervisorRoom = (departmentId: string) => `voice:sup:${departmentId}`;
export const ALL_SUPERVISORS_ROOM = 'voice:sup:all';

/**
 * Agent states over the sync socket. An agent's socket counts as their desktop being there (its loss starts
 * the Offline grace period). Status changes go to the agent and to the supervisors of the department.
 */
export function attachVoice(
  io: Server,
  deps: { voice: VoiceService; auth: AuthService; log: (line: string) => void; cluster?: VoiceCluster },
) {
  const { voice, auth, log, cluster } = deps;
  const handle = socketHandler(auth, log);

  // io.local: with a socket.io adapter across nodes each node still pushes only to its own sockets, since
  // every node hears every change (the owner's own, the others' through the cluster's channel).
  const push = (s: AgentStatus) => {
    io.local
      .to([agentRoom(s.userId), supervisorRoom(s.departmentId), ALL_SUPERVISORS_ROOM])
      .emit(VoiceSocketEvents.status, s);
  };
  voice.onStatus = (s: AgentStatus) => {
    push(s);
    if (cluster?.isOwner) cluster.publishStatus(s);
  };
  if (cluster) cluster.onRemoteStatus = push;

  io.on('connection', (socket) => {
    const user = (socket.data as SocketData).user;
    if (user.role === 'agent') {
      void socket.join(agentRoom(user.id));
      if (cluster) {
        cluster.connected(user.id);
        socket.on('disconnect', () => cluster.disconnected(user.id));
      } else {
        voice.connected(user.id);
        socket.on('disconnect', () => voice.disconnected(user.id));
      }
    } else {
      void socket.join(user.departmentId === null ? ALL_SUPERVISORS_ROOM : supervisorRoom(user.departmentId));
    }

    for (const event of Object.keys(VOICE_EVENTS) as VoiceEvent[]) {
      socket.on(
        VOICE_EVENTS[event],
        handle(socket, (u, input) =>
          cluster
            ? viaOwner(cluster, socket, event, input, () => runVoiceEvent(voice, u, event, input))
            : runVoiceEvent(voice, u, event, input),
        ),
      );
    }
  });
}

const VOICE_EVENTS = {
  setState: VoiceSocketEvents.setState,
  getStatus: VoiceSocketEvents.getStatus,
  list: VoiceSocketEvents.list,
  history: VoiceSocketEvents.history,
  callEvent: VoiceSocketEvents.callEvent,
  phone: VoiceSocketEvents.phone,
} as const;
type VoiceEvent = keyof typeof VOICE_EVENTS;

/** One voice socket event, answered by the node that owns routing (its memory holds the states). */
export async function runVoiceEvent(
  voice: VoiceService,
  u: User,
  event: VoiceEvent,
  input: unknown,
): Promise<unknown> {
  switch (event) {
    case 'setState':
      return voice.setState(u, parseOrThrow(SetAgentStateRequest, input, 'state change'));
    case 'getStatus': {
      const req = parseOrThrow(GetAgentStatusRequest, input ?? {}, 'status request');
      return voice.status(voice.agentFor(u, req.userId).userId);
    }
    case 'list':
      if (!supervisesAgents(u.role))
        throw new SwitchboardError('forbidden', 'Only team leads, supervisors and admins see other agents.');
      return { agents: voice.visibleStatuses(u) };
    case 'history': {
      const req = parseOrThrow(AgentHistoryRequest, input ?? {}, 'history request');
      return { changes: await voice.history(u, req.userId, req.limit) };
    }
    case 'callEvent': {
      const req = parseOrThrow(CallEvent, input, 'call event');
      return voice.callEvent(req.callId, req.event, u);
    }
    case 'phone':
      return voice.reportPhone(u, parseOrThrow(PhoneReadiness, input, 'phone readiness').registered);
  }
}

async function viaOwner(
  cluster: VoiceCluster,
  socket: Socket,
  event: VoiceEvent,
  input: unknown,
  local: () => Promise<unknown>,
): Promise<unknown> {
  const token = (socket.data as SocketData).token;
  return cluster.via(
    undefined,
    local,
    CLUSTER_EVENT_PATH,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ event, input: input ?? null }),
    },
    async (r) => {
      const ack = (await r.json()) as Ack<unknown>;
      if (!ack.ok) throw new SwitchboardError(ack.error.code, ack.error.message);
      return ack.data;
    },
  );
}

/** The owner's end of viaOwner: the token is checked here again, as on the node the desktop is on. */
export function clusterEventRouter(deps: {
  voice: VoiceService;
  cluster: VoiceCluster;
  bearerUser: (req: Request) => Promise<User>;
  log: (line: string) => void;
}) {
  const router = express.Router();
  router.post(CLUSTER_EVENT_PATH, async (req, res) => {
    let ack: Ack<unknown>;
    try {
      if (!(await deps.cluster.decidesHere(req)))
        throw new SwitchboardError('unavailable', 'This node does not own call routing.');
      const user = await deps.bearerUser(req);
      const body = z
        .object({ event: z.enum(Object.keys(VOICE_EVENTS) as [VoiceEvent]), input: z.unknown() })
        .parse(req.body);
      ack = {
        ok: true,
        data: await deps.cluster.decide(() => runVoiceEvent(deps.voice, user, body.event, body.input)),
      };
    } catch (e) {
      const error = errorBody(e, deps.log);
      // Not the owner (any more): the asking node asks again; every other answer goes back to the desktop.
      if (error.code === 'unavailable') {
        res.status(503).json(error);
        return;
      }
      ack = { ok: false, error };
    }
    res.json(ack);
  });
  return router;
}
