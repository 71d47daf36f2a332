import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../src/shared/chat/protocol';
import type { PendingChatMessage } from '../../src/shared/ipc/chat-desk';
import { unsentLines } from '../../src/renderer/chat/unsent';

const file = { id: 'f1', name: 'invoice.pdf', size: 2048, type: 'application/pdf' };
const pending = (chatId: string, clientId: string): PendingChatMessage => ({
  chatId,
  clientId,
  text: '',
  attachments: [file],
  queuedAt: '2026-12-05T10:00:00.000Z',
  state: 'sending',
  error: null,
});
const stored = (clientId: string | null, seq: number): ChatMessage => ({
  id: `m${seq}`,
  sessionId: 's1',
  seq,
  sender: 'agent',
  clientId,
  text: '',
  name: '王芳',
  event: null,
  attachments: [file],
  articleId: null,
  createdAt: '2026-12-05T10:00:01.000Z',
});

describe('chat lines still sending', () => {
  it('drops a line from "sending" once the conversation holds it, so its file is shown once', () => {
    const lines = [pending('c1', 'a'), pending('c1', 'b')];
    expect(unsentLines(lines, [stored('a', 1)], 'c1').map((p) => p.clientId)).toEqual(['b']);
  });

  it('keeps every line the conversation lacks, of this chat only', () => {
    const lines = [pending('c1', 'a'), pending('c2', 'b')];
    expect(unsentLines(lines, [stored(null, 1), stored('x', 2)], 'c1').map((p) => p.clientId)).toEqual(['a']);
  });
});
