import { SwitchboardError } from '../../shared';
import type { ChatAttachmentRef } from '../../shared/chat';
import type { Tx } from '../db/schema';

// Chat files (issue 13): which stored files a message may carry (chat-files.ts stores and serves them).

/** The attachments row's comment_id for a chat file: who uploaded it. */
export const uploader = (who: { visitorId?: string; agentId?: string }) =>
  who.visitorId ? `visitor:${who.visitorId}` : `agent:${who.agentId}`;

/**
 * The files a message names, checked against the session it goes to: each must be this sender's own upload for
 * this session (or, for a visitor, not yet in any). Marks them as the session's. Refs come from the store, never
 * from the sender.
 */
export async function claimFiles(
  trx: Tx,
  ids: readonly string[],
  sessionId: string,
  who: { visitorId?: string; agentId?: string },
): Promise<ChatAttachmentRef[]> {
  const refs: ChatAttachmentRef[] = [];
  for (const id of new Set(ids)) {
    const row = await trx.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst();
    if (
      !row ||
      row.source !== 'chat' ||
      row.comment_id !== uploader(who) ||
      (row.ticket_id !== sessionId && !(who.visitorId && row.ticket_id === ''))
    )
      throw new SwitchboardError(
        'bad_request',
        'A file in this message is not one you uploaded to this chat; attach it again.',
      );
    if (row.ticket_id === '')
      await trx.updateTable('attachments').set({ ticket_id: sessionId }).where('id', '=', id).execute();
    refs.push({ id: row.id, name: row.file_name, size: row.size, type: row.content_type });
  }
  return refs;
}
