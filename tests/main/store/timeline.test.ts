// A customer's timeline from the replica (store/timeline.ts): calls, tickets, public messages and ended chats merged
// newest first, filtered by kind, paged without gaps or repeats; internal notes and other customers stay out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openStore, type LocalStore } from '../../../src/main/store';
import { randomUUID } from 'node:crypto';
import type { Change, ChatRecord, TimelineEntry } from '../../../src/shared';
import { AGENT_A1, DEPT_A, comment, customer, interaction, tempDir, ticket, up } from '../fixtures';

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
const wang = customer({ name: '王芳' });
const other = customer({ name: 'Someone else' });
const at = (minute: number) => new Date(Date.UTC(2026, 5, 1, 9, minute)).toISOString();

const refund = ticket(wang.id, { subject: 'Refund not received', createdAt: at(1), channel: 'email' });
// Opened in the same minute as the reply below: the tie is broken by id, later id first, and a page may end between.
const router = ticket(wang.id, { subject: 'Router lights blinking', createdAt: at(3), channel: 'phone' });
const elsewhere = ticket(other.id, { subject: 'Not hers', createdAt: at(6) });
const fromCustomer = { ...comment(refund.id, 'Still   no refund,\nplease check'), createdAt: at(2) };
const reply = {
  ...comment(refund.id, 'We have asked the bank.'),
  authorId: AGENT_A1,
  authorName: 'Li Na',
  createdAt: at(3),
};
const note = { ...comment(refund.id, 'Internal: bank ref 7781'), internal: true, createdAt: at(4) };
const call = interaction({
  customerId: wang.id,
  ringAt: at(6),
  answerAt: at(6),
  endAt: at(7),
  ticketId: router.id,
});
const strangerCall = interaction({ customerId: other.id, ringAt: at(8) });

// Ended web chats (sync kind chat): one made into the refund ticket, one only the assistant answered, at the same
// minute as the call (tie broken by id), and one of the other customer.
const chat = (customerId: string, minute: number, over: Partial<ChatRecord> = {}): ChatRecord => ({
  id: randomUUID(),
  sessionId: randomUUID(),
  departmentId: DEPT_A,
  customerId,
  agentId: AGENT_A1,
  visitorName: '王芳',
  startedAt: at(minute),
  endedAt: at(minute + 1),
  messageCount: 4,
  firstLine: '我的退款  还没到账',
  transcript: '[2026-06-01 09:00:00] 王芳: 我的退款还没到账\n[2026-06-01 09:00:30] 客服 Li Na: 我帮您查一下',
  ticketId: null,
  ...over,
});
const chatOnTicket = chat(wang.id, 0, { ticketId: refund.id });
const botChat = chat(wang.id, 6, { agentId: null, firstLine: '' });
const strangerChat = chat(other.id, 9);
let chatVersion = 10_000;
const upChat = (data: ChatRecord): Change => ({ version: ++chatVersion, kind: 'chat', op: 'upsert', data });

beforeAll(() => {
  dir = tempDir();
  store = openStore(join(dir.path, 't.sqlite'));
  store.write.applyPage(
    [
      ...up.directory(),
      up.customer(wang),
      up.customer(other),
      ...[refund, router, elsewhere].map(up.ticket),
      ...[fromCustomer, reply, note].map(up.comment),
      up.interaction(call),
      up.interaction(strangerCall),
      ...[chatOnTicket, botChat, strangerChat].map(upChat),
    ],
    1,
    1,
    new Date().toISOString(),
  );
});
afterAll(() => {
  store.close();
  dir.remove();
});

const line = (e: TimelineEntry) =>
  `${e.kind}:${
    e.kind === 'call' || e.kind === 'chat' ? e.id : e.kind === 'ticket' ? e.ticket.subject : e.excerpt
  }`;
// The call and the assistant's chat start in the same minute: the later id comes first.
const sixth = [`call:${call.id}`, `chat:${botChat.id}`].sort().reverse();

describe('customer timeline', () => {
  it('merges calls, tickets, public messages and chats of the customer, newest first, without internal notes', () => {
    const page = store.read.customerTimeline(wang.id, [], null, 50);
    expect(page.more).toBe(false);
    expect(reply.id > router.id).toBe(true);
    expect(page.entries.map(line)).toEqual([
      ...sixth,
      'message:We have asked the bank.',
      'ticket:Router lights blinking',
      'message:Still no refund, please check',
      'ticket:Refund not received',
      `chat:${chatOnTicket.id}`,
    ]);
    const [mine, theirs] = [
      page.entries.find((e) => e.id === reply.id),
      page.entries.find((e) => e.id === fromCustomer.id),
    ];
    expect(mine).toMatchObject({ fromCustomer: false, authorName: 'Li Na', ticket: { channel: 'email' } });
    expect(theirs).toMatchObject({ fromCustomer: true });
    expect(page.entries.find((e) => e.kind === 'call')).toMatchObject({ call: { ticketId: router.id } });
  });

  it('filters by kind', () => {
    expect(store.read.customerTimeline(wang.id, ['message'], null, 50).entries.map((e) => e.id)).toEqual([
      reply.id,
      fromCustomer.id,
    ]);
    expect(store.read.customerTimeline(wang.id, ['call'], null, 50).entries.map((e) => e.id)).toEqual([
      call.id,
    ]);
    expect(store.read.customerTimeline(wang.id, ['chat'], null, 50).entries.map((e) => e.id)).toEqual([
      botChat.id,
      chatOnTicket.id,
    ]);
  });

  it('shows a chat with its agent, times, message count, the visitor’s first line and the ticket it became', () => {
    const entries = store.read.customerTimeline(wang.id, ['chat'], null, 50).entries;
    expect(entries[1]).toEqual({
      kind: 'chat',
      id: chatOnTicket.id,
      at: chatOnTicket.startedAt,
      chat: {
        agentName: 'Agent a1', // the directory's name for AGENT_A1
        visitorName: '王芳',
        startedAt: chatOnTicket.startedAt,
        endedAt: chatOnTicket.endedAt,
        messageCount: 4,
        excerpt: '我的退款 还没到账',
        transcript: chatOnTicket.transcript,
        ticket: {
          id: refund.id,
          number: refund.number,
          subject: refund.subject,
          status: refund.status,
          channel: 'email',
        },
      },
    });
    // Answered by the assistant only, no ticket: the desktop shows the transcript instead.
    expect(entries[0]).toMatchObject({ chat: { agentName: null, ticket: null, excerpt: '' } });
  });

  it('moves chats to the kept customer when a duplicate is merged into it, and drops them with the scope', () => {
    const dup = customer({ name: 'Wang Fang (dup)' });
    const dupChat = chat(dup.id, 20);
    const s = openStore(join(dir.path, 'merge.sqlite'));
    try {
      s.write.applyPage(
        [...up.directory(), up.customer(wang), up.customer(dup), upChat(dupChat)],
        1,
        1,
        at(30),
      );
      expect(s.read.customerTimeline(dup.id, [], null, 50).entries.map((e) => e.id)).toEqual([dupChat.id]);
      s.write.applyPage(
        [{ version: ++chatVersion, kind: 'customer', op: 'merge', id: dup.id, into: wang.id }],
        2,
        2,
        at(31),
      );
      expect(s.read.customerTimeline(wang.id, [], null, 50).entries.map((e) => e.id)).toEqual([dupChat.id]);
      s.write.applyPage([], 0, 0, at(32), { key: 'dept:other', reset: true });
      expect(s.read.customerTimeline(wang.id, ['chat'], null, 50).entries).toEqual([]);
    } finally {
      s.close();
    }
  });

  it('pages from a cursor without a gap or a repeat, and says when there is more', () => {
    const all = store.read.customerTimeline(wang.id, [], null, 50).entries.map((e) => e.id);
    const seen: string[] = [];
    let after: { at: string; id: string } | null = null;
    for (;;) {
      const page = store.read.customerTimeline(wang.id, [], after, 2);
      seen.push(...page.entries.map((e) => e.id));
      const last = page.entries.at(-1);
      if (!page.more || !last) break;
      after = { at: last.at, id: last.id };
    }
    expect(seen).toEqual(all);
  });

  it("shows another customer's contacts only on their own timeline", () => {
    const theirs = store.read.customerTimeline(other.id, [], null, 50).entries.map((e) => e.id);
    expect(theirs).toEqual([strangerChat.id, strangerCall.id, elsewhere.id]);
  });
});
