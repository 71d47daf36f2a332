import type { Database, Statement } from 'better-sqlite3';
import { PendingChatMessage } from '../../shared/ipc/chat-desk';

/**
 * The web-chat outbox in the replica (migration 019): what the agent wrote and the server has not stored yet.
 * Each method is one statement (so one transaction); `all` gives them back in the order they were written.
 */
export class ChatOutboxStore {
  private readonly s: Record<'all' | 'put' | 'remove', Statement>;

  constructor(db: Database) {
    this.s = {
      all: db.prepare('SELECT * FROM chat_outbox ORDER BY seq'),
      // A retry (same client id) keeps its place in the order: only its state and reason change.
      put: db.prepare(
        `INSERT INTO chat_outbox (client_id, chat_id, text, attachments, queued_at, state, error)
         VALUES (@clientId, @chatId, @text, @attachments, @queuedAt, @state, @error)
         ON CONFLICT (client_id) DO UPDATE SET state = excluded.state, error = excluded.error`,
      ),
      remove: db.prepare('DELETE FROM chat_outbox WHERE client_id = ?'),
    };
  }

  /**
   * Everything kept, oldest first. A message being sent when the desktop stopped is queued again (the server
   * stores a resend once); a row this version cannot read is skipped rather than shown wrong.
   */
  all(): PendingChatMessage[] {
    const out: PendingChatMessage[] = [];
    for (const r of this.s.all.all() as Row[]) {
      const p = PendingChatMessage.safeParse({
        chatId: r.chat_id,
        clientId: r.client_id,
        text: r.text,
        attachments: JSON.parse(r.attachments) as unknown,
        queuedAt: r.queued_at,
        state: r.state,
        error: r.error ? (JSON.parse(r.error) as unknown) : null,
      });
      if (p.success) out.push(p.data);
    }
    return out;
  }

  put(p: PendingChatMessage): void {
    this.s.put.run({
      clientId: p.clientId,
      chatId: p.chatId,
      text: p.text,
      attachments: JSON.stringify(p.attachments),
      queuedAt: p.queuedAt,
      state: p.state === 'failed' ? 'failed' : 'queued',
      error: p.error ? JSON.stringify(p.error) : null,
    });
  }

  remove(clientId: string): void {
    this.s.remove.run(clientId);
  }
}

interface Row {
  seq: number;
  client_id: string;
  chat_id: string;
  text: string;
  attachments: string;
  queued_at: string;
  state: string;
  error: string | null;
}
