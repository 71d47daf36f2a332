// A customer's timeline from the replica (store/timeline.ts): calls, tickets and public messages merged newest
// first, filtered by kind, paged without gaps or repeats; internal notes and other customers stay out.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openStore, type LocalStore } from '../../../src/main/store';
import type { TimelineEntry } from '../../../src/shared';
import { AGENT_A1, comment, customer, interaction, tempDir, ticket, up } from '../fixtures';

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
  `${e.kind}:${e.kind === 'call' ? e.call.id : e.kind === 'ticket' ? e.ticket.subject : e.excerpt}`;

describe('customer timeline', () => {
  it('merges calls, tickets and public messages of the customer, newest first, without internal notes', () => {
    const page = store.read.customerTimeline(wang.id, [], null, 50);
    expect(page.more).toBe(false);
    expect(reply.id > router.id).toBe(true);
    expect(page.entries.map(line)).toEqual([
      `call:${call.id}`,
      'message:We have asked the bank.',
      'ticket:Router lights blinking',
      'message:Still no refund, please check',
      'ticket:Refund not received',
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
    expect(theirs).toEqual([strangerCall.id, elsewhere.id]);
  });
});
