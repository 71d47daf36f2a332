import express, { type Request } from 'express';
import { Id, parseOrThrow, SwitchboardError, type User } from '../../shared';
import { seesInternalNotes } from '../auth/rights';
import { inScope, scopeOf } from '../auth/scope';
import type { Db } from '../db/schema';
import { getTicket } from '../tickets/ticket-store';
import type { AttachmentStore } from './attachment-store';

export const ATTACHMENT_REST = (id: string) => `/api/attachments/${id}`;

/**
 * GET /api/attachments/:id: the file, to whoever may read its ticket and comment (the same checks as GET
 * /api/tickets/:id: out of scope, a deleted ticket or an internal note without the right read as absent).
 * Always a download, never rendered by the browser as a page (a sender's HTML or SVG stays inert).
 */
export function attachmentRouter(deps: {
  db: Db;
  store: AttachmentStore;
  bearerUser: (req: Request) => Promise<User>;
}): express.Router {
  const r = express.Router();
  r.get(ATTACHMENT_REST(':id'), async (req, res) => {
    const user = await deps.bearerUser(req);
    const id = parseOrThrow(Id, req.params.id, 'attachment id');
    const missing = () => new SwitchboardError('not_found', 'No such attachment in your department.');
    const row = await deps.store.find(deps.db, id);
    if (!row) throw missing();
    const ticket = await getTicket(deps.db, row.ticket_id);
    if (!ticket || !inScope(scopeOf(user), ticket.departmentId)) throw missing();
    const comment = await deps.db
      .selectFrom('ticket_comments')
      .select('internal')
      .where('id', '=', row.comment_id)
      .executeTakeFirst();
    if (!comment || (comment.internal === 1 && !(await seesInternalNotes(deps.db, user)))) throw missing();
    let bytes: Buffer;
    try {
      bytes = deps.store.read(id);
    } catch {
      throw new SwitchboardError(
        'internal',
        'The attachment is recorded but its file is missing on the server; restore the data folder from a backup.',
      );
    }
    res
      .set('content-type', row.content_type)
      .set('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(row.file_name)}`)
      .set('x-content-type-options', 'nosniff')
      .set('content-security-policy', "default-src 'none'; sandbox")
      .set('cache-control', 'private, no-store')
      .send(bytes);
  });
  return r;
}
