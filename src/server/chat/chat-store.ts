import { sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import {
  ChatAttachmentRef,
  ChatSite,
  ChatState,
  ChatSystemEvent,
  type ChatLanguage,
  type ChatMessage,
  type ChatSender,
  type ChatSessionSummary,
  type ChatSessionView,
} from '../../shared/chat';
import type { Database, Tx } from '../db/schema';

/** Reads and writes of the chat tables; the rules (who may do what, when) are in chat-service.ts. */

export type SessionRow = Database['chat_sessions'];
export type VisitorRow = Database['chat_visitors'];
type MessageRow = Database['chat_messages'];

export function toSite(r: Database['chat_sites']): ChatSite {
  return ChatSite.parse({
    id: r.id,
    name: r.name,
    departmentId: r.department_id,
    queueId: r.queue_id,
    origins: JSON.parse(r.origins) as unknown,
    allowServiceOrigin: r.allow_service_origin !== 0,
    enabled: r.enabled !== 0,
  });
}

export async function getSite(trx: Tx, id: string): Promise<ChatSite | undefined> {
  const r = await trx.selectFrom('chat_sites').selectAll().where('id', '=', id).executeTakeFirst();
  return r && toSite(r);
}

export async function listSites(trx: Tx): Promise<ChatSite[]> {
  return (await trx.selectFrom('chat_sites').selectAll().orderBy('id').execute()).map(toSite);
}

export async function putSite(trx: Tx, site: ChatSite, at: string): Promise<void> {
  const values = {
    name: site.name,
    department_id: site.departmentId,
    queue_id: site.queueId,
    origins: JSON.stringify(site.origins),
    allow_service_origin: site.allowServiceOrigin ? 1 : 0,
    enabled: site.enabled ? 1 : 0,
    updated_at: at,
  };
  await trx
    .insertInto('chat_sites')
    .values({ id: site.id, ...values, created_at: at })
    .onConflict((oc) => oc.column('id').doUpdateSet(values))
    .execute();
}

export function toMessage(r: MessageRow): ChatMessage {
  return {
    id: r.id,
    sessionId: r.session_id,
    seq: r.seq,
    sender: r.sender as ChatSender,
    clientId: r.client_id,
    text: r.body,
    name: r.name,
    event: r.event === null ? null : ChatSystemEvent.parse(r.event),
    attachments: r.attachments ? ChatAttachmentRef.array().parse(JSON.parse(r.attachments)) : [],
    articleId: r.article_id,
    createdAt: r.created_at,
  };
}

export function toView(r: SessionRow, agentName: string | null): ChatSessionView {
  return {
    id: r.id,
    state: ChatState.parse(r.state),
    agentName: r.state === 'agent' ? agentName : null,
    agentDelivered: r.agent_delivered_seq,
    agentRead: r.agent_read_seq,
    visitorDelivered: r.visitor_delivered_seq,
    visitorRead: r.visitor_read_seq,
    createdAt: r.created_at,
    endedAt: r.ended_at,
  };
}

export function toSummary(
  r: SessionRow,
  agentName: string | null,
  visitorName: string | null,
): ChatSessionSummary {
  return {
    ...toView(r, agentName),
    visitorId: r.visitor_id,
    siteId: r.site_id,
    departmentId: r.department_id,
    queueId: r.queue_id,
    customerId: r.customer_id,
    agentId: r.agent_id,
    visitorName,
    language: (r.language as ChatLanguage | null) ?? null,
    lastSeq: r.last_seq,
    handoffAt: r.handoff_at,
  };
}

export async function visitorByTokenHash(trx: Tx, hash: string): Promise<VisitorRow | undefined> {
  return trx.selectFrom('chat_visitors').selectAll().where('token_hash', '=', hash).executeTakeFirst();
}

export async function getVisitor(trx: Tx, id: string): Promise<VisitorRow | undefined> {
  return trx.selectFrom('chat_visitors').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function getSession(trx: Tx, id: string): Promise<SessionRow | undefined> {
  return trx.selectFrom('chat_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The visitor's newest session, ended or not. */
export async function latestSession(trx: Tx, visitorId: string): Promise<SessionRow | undefined> {
  return trx
    .selectFrom('chat_sessions')
    .selectAll()
    .where('visitor_id', '=', visitorId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** The session's latest `limit` messages after `since`, in order. */
export async function messagesAfter(
  trx: Tx,
  sessionId: string,
  since: number,
  limit: number,
): Promise<ChatMessage[]> {
  const rows = await trx
    .selectFrom('chat_messages')
    .selectAll()
    .where('session_id', '=', sessionId)
    .where('seq', '>', since)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.reverse().map(toMessage);
}

export async function messageByClientKey(trx: Tx, key: string): Promise<ChatMessage | undefined> {
  const r = await trx
    .selectFrom('chat_messages')
    .selectAll()
    .where('client_key', '=', key)
    .executeTakeFirst();
  return r && toMessage(r);
}

export interface NewMessage {
  sender: ChatSender;
  authorId?: string | null;
  clientId?: string | null;
  clientKey?: string | null;
  text: string;
  name?: string | null;
  event?: ChatSystemEvent | null;
  attachments?: ChatAttachmentRef[];
  articleId?: string | null;
}

/** Appends a message under the session's next seq (the row update locks the session on PostgreSQL). */
export async function appendMessage(
  trx: Tx,
  sessionId: string,
  m: NewMessage,
  at: string,
): Promise<ChatMessage> {
  const { last_seq: seq } = await trx
    .updateTable('chat_sessions')
    .set({ last_seq: sql<number>`last_seq + 1`, updated_at: at })
    .where('id', '=', sessionId)
    .returning('last_seq')
    .executeTakeFirstOrThrow();
  const row: MessageRow = {
    id: uuidv7(),
    session_id: sessionId,
    seq,
    sender: m.sender,
    author_id: m.authorId ?? null,
    client_id: m.clientId ?? null,
    client_key: m.clientKey ?? null,
    body: m.text,
    name: m.name ?? null,
    event: m.event ?? null,
    attachments: m.attachments?.length ? JSON.stringify(m.attachments) : null,
    article_id: m.articleId ?? null,
    created_at: at,
  };
  await trx.insertInto('chat_messages').values(row).execute();
  return toMessage(row);
}
