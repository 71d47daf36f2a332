import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../../src/main/store';
import { migrate } from '../../../src/main/store/migrate';
import { migrations } from '../../../src/main/store/migrations';
import type { PendingChatMessage } from '../../../src/shared/ipc/chat-desk';
import { tempDir } from '../fixtures';

/* Desktop store migration 019 (chat-outbox, issue 13), in the pattern of tests/main/store/migrations.test.ts. */

const dirs: ReturnType<typeof tempDir>[] = [];
const dir = () => {
  const d = tempDir();
  dirs.push(d);
  return d.path;
};
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

const CHAT = '0190b000-0000-7000-8000-00000000c001';
const msg = (clientId: string, text: string, over: Partial<PendingChatMessage> = {}): PendingChatMessage => ({
  chatId: CHAT,
  clientId,
  text,
  attachments: [],
  queuedAt: '2026-01-05T09:00:00.000Z',
  state: 'queued',
  error: null,
  ...over,
});

describe('migration 019: the chat outbox in the replica', () => {
  it('upgrades a replica at 018 keeping its data, and keeps chat messages across reopening, in order', () => {
    const path = join(dir(), 'v18.sqlite');
    const db = new Database(path);
    migrate(db, migrations.slice(0, 18));
    expect(db.pragma('user_version', { simple: true })).toBe(18);
    db.prepare("INSERT INTO meta (key, value) VALUES ('cursor', '42')").run();
    db.close();

    const s1 = openStore(path);
    expect(s1.read.syncMeta().cursor).toBe(42);
    expect(s1.write.chatOutbox.all()).toEqual([]);
    s1.write.chatOutbox.put(msg('c-1', '您好'));
    s1.write.chatOutbox.put(msg('c-2', 'refused one'));
    s1.write.chatOutbox.put(msg('c-3', 'in flight', { state: 'sending' }));
    // Refused: kept with its reason; a retry later (same clientId) keeps its place.
    s1.write.chatOutbox.put(
      msg('c-2', 'refused one', { state: 'failed', error: { code: 'conflict', message: 'The chat ended.' } }),
    );
    s1.write.chatOutbox.put(msg('c-4', 'gone'));
    s1.write.chatOutbox.remove('c-4');
    s1.close();

    const s2 = openStore(path);
    const reread = new Database(path, { readonly: true });
    expect(reread.pragma('user_version', { simple: true })).toBe(migrations.length);
    reread.close();
    expect(
      s2.write.chatOutbox.all().map((p) => [p.clientId, p.text, p.state, p.error?.code ?? null]),
    ).toEqual([
      ['c-1', '您好', 'queued', null],
      ['c-2', 'refused one', 'failed', 'conflict'],
      // A send in flight when the desktop stopped goes again (the server stores a resend once).
      ['c-3', 'in flight', 'queued', null],
    ]);
    s2.close();
  });
});
