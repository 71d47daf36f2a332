import type { AgentChatSummary } from '../../shared/chat/agent-protocol';
import { ChatState, type ChatLanguage, type ChatMessage } from '../../shared/chat';
import type { Database, Tx } from '../db/schema';
import { getSession, getVisitor, messagesAfter, type SessionRow } from '../chat/chat-store';

/** A chat as the agent's desktop shows it (agent-protocol.ts), read from the chat tables and the ticket link. */
export async function agentSummary(trx: Tx, sessionId: string): Promise<AgentChatSummary | undefined> {
  const s = await getSession(trx, sessionId);
  return s && summaryOf(trx, s);
}

export async function summaryOf(
  trx: Tx,
  s: SessionRow,
  last?: ChatMessage | null,
): Promise<AgentChatSummary> {
  const v = await getVisitor(trx, s.visitor_id);
  const link = await ticketLink(trx, s.id);
  const lastMessage =
    last !== undefined ? last : ((await messagesAfter(trx, s.id, Math.max(0, s.last_seq - 1), 1))[0] ?? null);
  return {
    id: s.id,
    state: ChatState.parse(s.state),
    departmentId: s.department_id,
    queueId: s.queue_id,
    agentId: s.state === 'agent' ? s.agent_id : null,
    visitor: {
      name: v?.name ?? null,
      phone: v?.phone ?? null,
      email: v?.email ?? null,
      language: ((s.language ?? v?.language) as ChatLanguage | null) ?? null,
    },
    customerId: s.customer_id,
    ticketId: link?.ticket_id ?? null,
    visitorDelivered: s.visitor_delivered_seq,
    visitorRead: s.visitor_read_seq,
    lastMessage,
    createdAt: s.created_at,
    handoffAt: s.handoff_at,
    endedAt: s.ended_at,
  };
}

export function ticketLink(trx: Tx, sessionId: string): Promise<Database['chat_ticket_links'] | undefined> {
  return trx
    .selectFrom('chat_ticket_links')
    .selectAll()
    .where('session_id', '=', sessionId)
    .executeTakeFirst();
}
