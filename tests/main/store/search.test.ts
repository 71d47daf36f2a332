import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { openStore, RANK_WINDOW, type LocalStore, type ResolvedTicketQuery } from '../../../src/main/store';
import { AGENT_A1, AGENT_A2, comment, customer, DEPT_B, tempDir, ticket, ticketQuery, up } from '../fixtures';
import type { Change } from '../../../src/shared/protocol/sync';

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
const q = ticketQuery;
const subjects = (over: Partial<ResolvedTicketQuery>) =>
  store.read.searchTickets(q(over)).rows.map((r) => r.subject);

const li = customer({ name: '李娜', phone: '+8613800138000', email: 'li.na@example.com' });
const smith = customer({ name: 'John Smith', phone: '+14155550123', language: 'en' });
const refund = ticket(li.id, { subject: '退款申请未到账', description: '客户表示已经等待三天' });
const router = ticket(smith.id, {
  subject: 'Router keeps rebooting',
  description: 'Firmware 2.1 installed',
  status: 'pending',
  assigneeId: AGENT_A1,
});
const invoice = ticket(smith.id, {
  subject: 'Invoice request',
  description: 'needs a VAT invoice',
  priority: 'urgent',
  departmentId: DEPT_B,
});
const screen = ticket(li.id, {
  subject: '屏幕碎裂',
  description: '需要维修',
  status: 'closed',
  assigneeId: AGENT_A2,
});

beforeAll(() => {
  dir = tempDir();
  store = openStore(join(dir.path, 's.sqlite'));
  const changes: Change[] = [
    ...up.directory(),
    up.customer(li),
    up.customer(smith),
    ...[refund, router, invoice, screen].map(up.ticket),
    up.comment(comment(router.id, 'Customer says the warranty 已过期')),
  ];
  store.write.applyPage(changes, 100, 100, new Date().toISOString());
  // Many look-alike tickets to page through and to push some past the bm25 window.
  const filler: Change[] = [];
  for (let i = 0; i < RANK_WINDOW + 150; i++) {
    filler.push(
      up.ticket(
        ticket(smith.id, { subject: `Paging test ${i}`, description: 'bulk wifi issue', priority: 'low' }),
      ),
    );
  }
  store.write.applyPage(filler, 200, 200, new Date().toISOString());
});
afterAll(() => {
  store.close();
  dir.remove();
});

describe('ticket search', () => {
  it('finds a Chinese substring in the middle of a word the segmenter split elsewhere', () => {
    expect(subjects({ text: '到账' })).toEqual(['退款申请未到账']);
    expect(subjects({ text: '未到账' })).toEqual(['退款申请未到账']);
    expect(subjects({ text: '等待' })).toEqual(['退款申请未到账']);
    expect(subjects({ text: '到款' })).toEqual([]);
  });

  it('matches English words by prefix as the agent types, case-insensitively', () => {
    expect(subjects({ text: 'rou' })).toEqual(['Router keeps rebooting']);
    expect(subjects({ text: 'ROUTER reboot' })).toEqual(['Router keeps rebooting']);
    expect(subjects({ text: 'invoice' })).toEqual(['Invoice request']);
  });

  it('searches comments and the customer (name, phone, email)', () => {
    expect(subjects({ text: 'warranty' })).toEqual(['Router keeps rebooting']);
    expect(subjects({ text: '过期' })).toEqual(['Router keeps rebooting']);
    expect(subjects({ text: '李娜' }).sort()).toEqual(['屏幕碎裂', '退款申请未到账']);
    expect(subjects({ text: '13800138000' }).sort()).toEqual(['屏幕碎裂', '退款申请未到账']);
    expect(subjects({ text: 'li.na' }).sort()).toEqual(['屏幕碎裂', '退款申请未到账']);
  });

  it('finds a ticket by the number a customer reads out', () => {
    // Above the fixtures' random numbers (<= 1e6), so no other ticket starts with these digits.
    const numbered = ticket(li.id, { subject: '发票抬头错误', number: 9048213 });
    store.write.applyPage([up.ticket(numbered)], 300, 300, new Date().toISOString());
    expect(subjects({ text: '9048213' })).toEqual(['发票抬头错误']);
    expect(subjects({ text: '#9048213' })).toEqual(['发票抬头错误']);
    expect(subjects({ text: '9048214' })).toEqual([]);
    store.write.applyPage(
      [{ version: 301, kind: 'ticket', op: 'remove', id: numbered.id }],
      301,
      301,
      new Date().toISOString(),
    );
  });

  it('treats FTS syntax in user input as plain text', () => {
    expect(() => store.read.searchTickets(q({ text: 'router" OR "x' }))).not.toThrow();
    expect(store.read.searchTickets(q({ text: '*** ()' })).total).toBe(0);
  });

  it('filters by status, priority, department and assignee', () => {
    expect(subjects({ status: ['pending', 'closed'] }).sort()).toEqual([
      'Router keeps rebooting',
      '屏幕碎裂',
    ]);
    expect(subjects({ priority: ['urgent'] })).toEqual(['Invoice request']);
    expect(subjects({ departmentIds: [DEPT_B] })).toEqual(['Invoice request']);
    expect(subjects({ assignees: [AGENT_A1] })).toEqual(['Router keeps rebooting']);
    expect(subjects({ assignees: ['unassigned'], text: '退款' })).toEqual(['退款申请未到账']);
    expect(subjects({ text: 'router', status: ['closed'] })).toEqual([]);
    // Totals of filtered lists are counted through the index, past the first page.
    expect(store.read.searchTickets(q({ priority: ['low'], limit: 10 })).total).toBe(RANK_WINDOW + 150);
    expect(
      store.read.searchTickets(q({ priority: ['low'], assignees: ['unassigned'], limit: 10 })).total,
    ).toBe(RANK_WINDOW + 150);
    expect(store.read.searchTickets(q({ status: ['pending', 'closed'], limit: 1 })).total).toBe(2);
  });

  it('pages through every match with a total, newest first when there is no text', () => {
    const first = store.read.searchTickets(q({ text: 'wifi', limit: 500 }));
    expect(first.total).toBe(RANK_WINDOW + 150);
    const seen = new Set(first.rows.map((r) => r.id));
    for (let offset = 500; offset < first.total; offset += 500) {
      for (const r of store.read.searchTickets(q({ text: 'wifi', limit: 500, offset })).rows) seen.add(r.id);
    }
    expect(seen.size).toBe(RANK_WINDOW + 150);

    const list = store.read.searchTickets(q({ limit: 10 }));
    expect(list.total).toBe(RANK_WINDOW + 154);
    expect(list.rows[0]!.subject).toBe(`Paging test ${RANK_WINDOW + 149}`);
    expect(list.rows.map((r) => r.customerName)).toContain('John Smith');
  });

  it('ranks a subject match above a mention in the body', () => {
    const a = customer({ name: 'Rank Test' });
    const inSubject = ticket(a.id, { subject: 'Modem overheating', description: 'x' });
    const inBody = ticket(a.id, {
      subject: 'Call back',
      description: 'long text about many things and also a modem somewhere in the middle of it all',
    });
    store.write.applyPage(
      [up.customer(a), up.ticket(inBody), up.ticket(inSubject)],
      300,
      300,
      new Date().toISOString(),
    );
    expect(subjects({ text: 'modem' })).toEqual(['Modem overheating', 'Call back']);
  });
});

describe('customer lookup by phone', () => {
  it('finds the caller by E.164 number and nobody for an unknown one', () => {
    expect(store.read.findCustomerByPhone('+8613800138000')?.name).toBe('李娜');
    expect(store.read.findCustomerByPhone('+14155550123')?.name).toBe('John Smith');
    expect(store.read.findCustomerByPhone('+8613800138001')).toBeNull();
  });
});

describe('customer search', () => {
  const names = (text: string) => store.read.searchCustomers(text, 10).rows.map((c) => c.name);

  it('finds customers by name in Chinese and English, email and phone digits', () => {
    expect(names('李娜')).toEqual(['李娜']);
    expect(names('john')).toEqual(['John Smith']);
    expect(names('smi')).toEqual(['John Smith']);
    expect(names('li.na')).toEqual(['李娜']);
    expect(names('4155550123')).toEqual(['John Smith']);
    expect(names('+1 415')).toEqual([]);
  });

  it('keeps the index in step when sync changes a customer', () => {
    store.write.applyPage(
      [up.customer({ ...smith, name: 'Johanna Smythe' })],
      400,
      400,
      new Date().toISOString(),
    );
    expect(names('smythe')).toEqual(['Johanna Smythe']);
    expect(names('john smith')).toEqual([]);
    store.write.applyPage([up.customer(smith)], 401, 401, new Date().toISOString());
    expect(names('john smith')).toEqual(['John Smith']);
  });

  it('returns nothing for input with no searchable word', () => {
    expect(store.read.searchCustomers('  ,. ', 10)).toEqual({ total: 0, rows: [] });
  });
});
