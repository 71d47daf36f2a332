import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { openStore, type LocalStore, type ResolvedTicketQuery } from '../../../src/main/store';
import type { Change } from '../../../src/shared/protocol/sync';
import { AGENT_A1, comment, customer, tempDir, ticket, ticketQuery, up } from '../fixtures';

// A first sync loads in bulk (indexes dropped, built once at the end). What an agent finds afterwards must be
// exactly what a replica kept up change by change finds, and a load cut short must not leave a replica
// that cannot search.

const NOW = '2026-11-25T09:00:00.000Z';
const q = (text: string, over: Partial<ResolvedTicketQuery> = {}) => ticketQuery({ text, ...over });

const li = customer({ name: '李娜', phone: '+8613800138000', email: 'li.na@example.com' });
const smith = customer({ name: 'John Smith', phone: '+14155550123', language: 'en' });
const wang = customer({ name: '王伟', phone: '+8613912345678', company: '远航物流' });
const tickets = [
  ticket(li.id, { subject: '退款申请未到账', description: '客户表示已经等待三天' }),
  ticket(smith.id, { subject: 'Router keeps rebooting', status: 'pending', assigneeId: AGENT_A1 }),
  ticket(wang.id, {
    subject: '发票抬头错误',
    description: 'VAT invoice needs a new title',
    priority: 'urgent',
  }),
  ...Array.from({ length: 60 }, (_, i) =>
    ticket(i % 2 ? smith.id : wang.id, {
      subject: `Shipment ${i} delayed`,
      description: `批次 ${i} 物流延误`,
    }),
  ),
];
const pages: Change[][] = [
  [...up.directory(), up.customer(li), up.customer(smith), up.customer(wang)],
  tickets.slice(0, 30).map(up.ticket),
  [
    ...tickets.slice(30).map(up.ticket),
    up.comment(comment(tickets[1]!.id, 'Customer says the warranty 已过期')),
    up.comment(comment(tickets[0]!.id, '财务确认款项已退回')),
  ],
];
const searches = [
  q('退款'),
  q('已过期'),
  q('款项'),
  q('warranty'),
  q('13800138000'),
  q('4155550123'),
  q('李娜'),
  q('shipment', { status: ['open'] }),
  q('物流', { priority: ['normal'] }),
  q('', { assignees: [AGENT_A1] }),
  q('invoice', { priority: ['urgent'] }),
];

let dir: ReturnType<typeof tempDir>;
let stepwise: LocalStore;
let bulk: LocalStore;
const load = (store: LocalStore, asBulk: boolean) =>
  pages.forEach((changes, i) => {
    const last = i === pages.length - 1;
    store.write.applyPage(changes, (i + 1) * 100, 300, NOW, {}, asBulk);
    if (last) store.write.finishBulkLoad();
  });
const found = (store: LocalStore) =>
  searches.map((s) => ({
    search: s.text,
    ids: store.read
      .searchTickets(s)
      .rows.map((r) => r.id)
      .sort(),
  }));

beforeAll(() => {
  dir = tempDir();
  stepwise = openStore(join(dir.path, 'stepwise.sqlite'));
  bulk = openStore(join(dir.path, 'bulk.sqlite'));
  load(stepwise, false);
  load(bulk, true);
});
afterAll(() => {
  stepwise.close();
  bulk.close();
  dir.remove();
});

describe('bulk first sync', () => {
  it('finds exactly what a replica indexed change by change finds', () => {
    const expected = found(stepwise);
    expect(expected.filter((e) => e.ids.length === 0)).toEqual([]);
    expect(found(bulk)).toEqual(expected);
    expect(bulk.read.searchCustomers('远航', 10).rows.map((c) => c.id)).toEqual([wang.id]);
    expect(bulk.read.findCustomerByPhone('+8613800138000')?.id).toBe(li.id);
  });

  it('has every index back once finished', () => {
    const indexes = (path: string) => {
      const db = new Database(path, { readonly: true });
      try {
        return db
          .prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name`)
          .pluck()
          .all();
      } finally {
        db.close();
      }
    };
    expect(indexes(bulk.path)).toEqual(indexes(stepwise.path));
    expect(bulk.read.meta('bulk_load')).toBeNull();
  });

  it('a load cut short is finished when the replica is opened again, even with no server', () => {
    const path = join(dir.path, 'cut.sqlite');
    const cut = openStore(path);
    cut.write.applyPage(pages[0]!, 100, 300, NOW, {}, true);
    cut.write.applyPage(pages[1]!, 200, 300, NOW, {}, true);
    // Mid-load, search does not find what came in bulk; the mark says the indexes are down.
    expect(cut.read.searchTickets(q('退款')).rows).toHaveLength(0);
    expect(cut.read.meta('bulk_load')).not.toBeNull();
    cut.close();

    const reopened = openStore(path);
    try {
      expect(reopened.read.meta('bulk_load')).toBeNull();
      expect(reopened.read.searchTickets(q('退款')).rows.map((r) => r.id)).toEqual([tickets[0]!.id]);
      expect(reopened.read.searchTickets(q('13800138000')).rows.map((r) => r.id)).toEqual([tickets[0]!.id]);
    } finally {
      reopened.close();
    }
  });
});
