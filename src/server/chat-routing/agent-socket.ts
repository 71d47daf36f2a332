import type { Server } from 'socket.io';
import { parseOrThrow, SwitchboardError, supervisesAgents, type User } from '../../shared';
import {
  ChatAgentRequests,
  ChatSocketEvents,
  type AgentChatSummary,
  type ChatOffer,
} from '../../shared/chat/agent-protocol';
import type { AuthService } from '../auth/auth-service';
import type { ChatService } from '../chat/chat-service';
import { getSession, type SessionRow } from '../chat/chat-store';
import type { Db } from '../db/schema';
import { socketHandler, type SocketData } from '../sync/sync-socket';
import { agentSummary, summaryOf } from './agent-summary';
import { listCanned } from './canned';
import type { ChatRouter } from './router';
import { chatToTicket, saveTranscript } from './transcript';

export const chatAgentRoom = (userId: string) => `chat:agent:${userId}`;
export const chatSupervisorRoom = (departmentId: string) => `chat:sup:${departmentId}`;
export const CHAT_ALL_SUPERVISORS_ROOM = 'chat:sup:all';

type Req = keyof typeof ChatAgentRequests;
/** What a user may do with a chat: see (history), transfer (supervisors too), act (only the chat's agent). */
type Access = 'see' | 'transfer' | 'act';

/**
 * The chat a user asks about, checked afresh on every event: another department's chat is `not_found` (ids
 * cannot be probed); in the department, supervisors (and admins) may see and transfer any chat, an agent only
 * acts on a chat that is theirs.
 */
export async function chatFor(db: Db, u: User, chatId: string, access: Access): Promise<SessionRow> {
  const s = await getSession(db, chatId);
  if (!s || (u.role !== 'admin' && u.departmentId !== s.department_id))
    throw new SwitchboardError('not_found', 'No such chat.');
  const supervises = u.role === 'admin' || supervisesAgents(u.role);
  if (supervises && access !== 'act') return s;
  if (s.state !== 'agent' || s.agent_id !== u.id)
    throw new SwitchboardError('forbidden', 'This chat is not yours: it is with another agent, or waiting.');
  return s;
}

/**
 * chat:* requests on the sync socket (agent-protocol.ts) and the pushes to desktops: offers to one agent,
 * messages, state, typing and receipts to the chat's agent and the department's supervisors.
 */
export function attachChatAgents(
  io: Server,
  deps: {
    db: Db;
    auth: AuthService;
    chat: ChatService;
    router: ChatRouter;
    now: () => Date;
    log: (line: string) => void;
    poke: (departments: string[]) => void;
  },
): () => void {
  const { db, chat, router, log } = deps;
  const handle = socketHandler(deps.auth, log);
  const supRooms = (departmentId: string) => [chatSupervisorRoom(departmentId), CHAT_ALL_SUPERVISORS_ROOM];
  const toChat = (c: AgentChatSummary, event: string, payload: unknown) => {
    const rooms = supRooms(c.departmentId);
    if (c.agentId) rooms.push(chatAgentRoom(c.agentId));
    io.to(rooms).emit(event, payload);
  };

  router.push = {
    offer: (agentId, offer: ChatOffer) => io.to(chatAgentRoom(agentId)).emit(ChatSocketEvents.offer, offer),
    withdrawn: (agentId, w) => io.to(chatAgentRoom(agentId)).emit(ChatSocketEvents.offerWithdrawn, w),
    chatTo: (agentId, c) => io.to(chatAgentRoom(agentId)).emit(ChatSocketEvents.chat, c),
  };

  const fail = (what: string) => (e: unknown) =>
    log(`chat ${what} push failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  const off = [
    chat.on('message', (m, s) => {
      // Chats with the bot are the bot's: nobody's desktop shows them until they are handed off.
      if (s.state === 'bot' && m.sender !== 'system') return;
      void (async () => {
        const row = await getSession(db, s.id);
        if (!row) return;
        const c = await summaryOf(db, row, m);
        toChat(c, ChatSocketEvents.message, { chat: c, message: m });
      })().catch(fail('message'));
    }),
    chat.on('state', (s) => {
      void (async () => {
        const c = await agentSummary(db, s.id);
        if (c) toChat(c, ChatSocketEvents.chat, c);
        if (s.state === 'ended') {
          const recorded = await saveTranscript(db, s.id);
          if (recorded) deps.poke([recorded]);
          await router.ended(s.id);
        }
      })().catch(fail('state'));
    }),
    chat.on('visitorTyping', ({ sessionId, typing }) => {
      void getSession(db, sessionId)
        .then((s) => {
          if (s?.state === 'agent' && s.agent_id)
            io.to(chatAgentRoom(s.agent_id)).emit(ChatSocketEvents.visitorTyping, { chatId: s.id, typing });
        })
        .catch(fail('typing'));
    }),
    chat.on('visitorReceipt', ({ sessionId }) => {
      void agentSummary(db, sessionId)
        .then((c) => c && c.agentId && io.to(chatAgentRoom(c.agentId)).emit(ChatSocketEvents.chat, c))
        .catch(fail('receipt'));
    }),
    chat.on('handoff', (s) => void router.route(s.id).catch(() => {})),
  ];

  const run = async (u: User, req: Req, input: unknown): Promise<unknown> => {
    switch (req) {
      case 'mine': {
        parseOrThrow(ChatAgentRequests.mine, input ?? {}, 'chat list');
        const supervises = u.role === 'admin' || supervisesAgents(u.role);
        const rows = await db
          .selectFrom('chat_sessions')
          .selectAll()
          .$if(!supervises, (b) => b.where('state', '=', 'agent').where('agent_id', '=', u.id))
          .$if(supervises, (b) => b.where('state', 'in', ['waiting', 'agent']))
          .$if(supervises && u.departmentId !== null, (b) => b.where('department_id', '=', u.departmentId!))
          .orderBy('created_at')
          .execute();
        const offers = await db
          .selectFrom('chat_offers')
          .selectAll()
          .where('agent_id', '=', u.id)
          .where('state', '=', 'open')
          .execute();
        return {
          chats: await Promise.all(rows.map((r) => summaryOf(db, r))),
          offers: await Promise.all(
            offers.map(async (o) => ({
              offerId: o.id,
              chat: (await agentSummary(db, o.session_id))!,
              expiresAt: o.expires_at,
            })),
          ),
        };
      }
      case 'accept': {
        const r = parseOrThrow(ChatAgentRequests.accept, input, 'accept');
        return router.accept(u, r.offerId);
      }
      case 'decline': {
        const r = parseOrThrow(ChatAgentRequests.decline, input, 'decline');
        await router.decline(u, r.offerId);
        return {};
      }
      case 'history': {
        const r = parseOrThrow(ChatAgentRequests.history, input, 'chat history');
        await chatFor(db, u, r.chatId, 'see');
        return { messages: await chat.history(r.chatId, r.since) };
      }
      case 'send': {
        const r = parseOrThrow(ChatAgentRequests.send, input, 'chat message');
        await chatFor(db, u, r.chatId, 'act');
        return chat.agentSend(r.chatId, u.id, r);
      }
      case 'typing': {
        const r = parseOrThrow(ChatAgentRequests.typing, input, 'typing');
        await chatFor(db, u, r.chatId, 'act');
        await chat.agentTyping(r.chatId, r.typing, 'agent');
        return {};
      }
      case 'receipt': {
        const r = parseOrThrow(ChatAgentRequests.receipt, input, 'receipt');
        await chatFor(db, u, r.chatId, 'act');
        await chat.agentReceipt(r.chatId, r);
        return (await agentSummary(db, r.chatId))!;
      }
      case 'transfer': {
        const r = parseOrThrow(ChatAgentRequests.transfer, input, 'transfer');
        const s = await chatFor(db, u, r.chatId, 'transfer');
        return router.transfer(u, s, r);
      }
      case 'end': {
        const r = parseOrThrow(ChatAgentRequests.end, input, 'end');
        await chatFor(db, u, r.chatId, 'act');
        await chat.end(r.chatId, 'ended_by_agent');
        // Answered once the transcript is kept: the desktop closing the tab means the record exists.
        const recorded = await saveTranscript(db, r.chatId);
        if (recorded) deps.poke([recorded]);
        return (await agentSummary(db, r.chatId))!;
      }
      case 'toTicket': {
        const r = parseOrThrow(ChatAgentRequests.toTicket, input, 'ticket from chat');
        const s = await chatFor(db, u, r.chatId, 'act');
        const { ticketId, created } = await chatToTicket(db, u, s, r, deps.now());
        if (created || r.ticketId) deps.poke([s.department_id]);
        const c = (await agentSummary(db, r.chatId))!;
        toChat(c, ChatSocketEvents.chat, c);
        return { chat: c, ticketId };
      }
      case 'canned': {
        const r = parseOrThrow(ChatAgentRequests.canned, input ?? {}, 'canned responses');
        return listCanned(db, u, r.language);
      }
    }
  };

  io.on('connection', (socket) => {
    const user = (socket.data as SocketData).user;
    void socket.join(chatAgentRoom(user.id));
    if (user.role === 'admin') void socket.join(CHAT_ALL_SUPERVISORS_ROOM);
    else if (supervisesAgents(user.role) && user.departmentId)
      void socket.join(chatSupervisorRoom(user.departmentId));
    if (user.role === 'agent') {
      router.connected(user.id);
      socket.on('disconnect', () => router.disconnected(user.id));
    }
    for (const req of Object.keys(ChatAgentRequests) as Req[])
      socket.on(
        ChatSocketEvents[req],
        handle(socket, (u, input) => run(u, req, input)),
      );
  });
  return () => off.forEach((f) => f());
}
