// Tags and custom field values on tickets, through the sync socket as desktops send them: stored and pulled,
// each change in the history; values checked against the department's definitions (an unknown field, an
// option that does not exist, a required field left empty at solve are refused with what to do); two devices
// setting different values meanwhile get a conflict instead of one silently winning.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_REST,
  isUnsolved,
  Tags,
  type Change,
  type LoginResponse,
  type Mutation,
  type Ticket,
  type TicketChange,
} from '../../src/shared';
import {
  connectSocket,
  login,
  postJson,
  pullAll,
  pushAll,
  startTestServer,
  type TestServer,
} from './helpers';

let server: TestServer;
let wang: LoginResponse; // agent01, after-sales
let socket: Socket;
const tickets = new Map<string, Ticket>();
const history: { ticketId: string; field: string; from: string | null; to: string | null }[] = [];

beforeAll(async () => {
  server = await startTestServer({ tickets: 60, customers: 30 });
  const admin = await login(server.url, 'admin');
  wang = await login(server.url, 'agent01');
  const post = (body: unknown) =>
    postJson(`${server.url}${ADMIN_REST.customFields}`, body, {
      authorization: `Bearer ${admin.accessToken}`,
    });
  const departmentId = wang.user.departmentId!;
  const option = (value: string, labelZh: string, labelEn: string) => ({ value, labelZh, labelEn });
  for (const f of [
    { key: 'order_no', labelZh: '订单号', labelEn: 'Order number', type: 'text', required: true },
    { key: 'amount', labelZh: '金额', labelEn: 'Amount', type: 'number' },
    { key: 'bought_on', labelZh: '购买日期', labelEn: 'Bought on', type: 'date' },
    {
      key: 'reason',
      labelZh: '退货原因',
      labelEn: 'Return reason',
      type: 'singleChoice',
      options: [option('damaged', '破损', 'Damaged'), option('wrong_item', '发错货', 'Wrong item')],
    },
    {
      key: 'parts',
      labelZh: '配件',
      labelEn: 'Parts',
      type: 'multiChoice',
      options: [option('charger', '充电器', 'Charger'), option('cable', '数据线', 'Cable')],
    },
  ]) {
    expect((await post({ departmentId, ...f })).status).toBe(201);
  }
  socket = await connectSocket(server.url, wang.accessToken);
  await refresh();
});
afterAll(async () => {
  socket?.close();
  await server?.stop();
});

let cursor = 0;
async function refresh() {
  const page = await pullAll(socket, cursor);
  cursor = page.cursor;
  for (const c of page.changes as Change[]) {
    if (c.kind === 'ticket' && c.op === 'upsert') tickets.set(c.data.id, c.data);
    if (c.kind === 'history' && c.op === 'upsert') history.push(c.data);
  }
}
const someUnsolved = (skip: Set<string>) =>
  [...tickets.values()].find((t) => isUnsolved(t.status) && !skip.has(t.id))!;
const used = new Set<string>();
function pick(): Ticket {
  const t = someUnsolved(used);
  used.add(t.id);
  return t;
}
const update = (t: Ticket, patch: TicketChange, base = t.version): Mutation => ({
  id: randomUUID(),
  name: 'ticket.update',
  args: { ticketId: t.id, patch, baseVersion: base },
});
const push = (m: Mutation[], device = 'desk-tags-01') => pushAll(socket, m, device);

describe('tags', () => {
  it('keeps one word each, lower-case, sorted and once, in any script', () => {
    expect(Tags.parse(['VIP', '退货', 'vip', ' refund '])).toEqual(['refund', 'vip', '退货']);
    expect(Tags.safeParse(['two words']).success).toBe(false);
    expect(Tags.safeParse(Array.from({ length: 21 }, (_, i) => `t${i}`)).success).toBe(false);
  });

  it('are stored, pulled and recorded in the history', async () => {
    const t = pick();
    const [r] = await push([update(t, { tags: ['VIP', '退货'] })]);
    expect(r!.status).toBe('applied');
    await refresh();
    expect(tickets.get(t.id)!.tags).toEqual(['vip', '退货']);
    expect(history.filter((h) => h.ticketId === t.id && h.field === 'tags').at(-1)).toMatchObject({
      from: '[]',
      to: '["vip","退货"]',
    });
  });
});

describe('custom field values', () => {
  it('are stored when they fit the department’s definitions', async () => {
    const t = pick();
    const fields = {
      order_no: 'A-1001',
      amount: 129.5,
      bought_on: '2026-11-30',
      reason: 'damaged',
      parts: ['cable'],
    };
    const [r] = await push([update(t, { fields })]);
    expect(r!.status).toBe('applied');
    await refresh();
    expect(tickets.get(t.id)!.fields).toEqual(fields);
  });

  it('are refused with what to enter: unknown field, missing option, wrong type', async () => {
    const t = pick();
    const results = await push([
      update(t, { fields: { colour: 'red' } }),
      update(t, { fields: { reason: 'lost' } }),
      update(t, { fields: { amount: 'lots' } }),
      update(t, { fields: { bought_on: '30/11/2026' } }),
      update(t, { fields: { parts: ['charger', 'case'] } }),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
    ]);
    expect(results.map((r) => r.error!.message)).toEqual([
      'This department has no custom field "colour".',
      'Return reason takes one of: damaged, wrong_item.',
      'Amount takes a number.',
      'Bought on takes a date as YYYY-MM-DD.',
      'Parts takes some of: charger, cable.',
    ]);
    await refresh();
    expect(tickets.get(t.id)!.fields).toEqual({});
  });

  it('must have the required ones filled before the ticket is solved', async () => {
    const t = pick();
    const [refused] = await push([update(t, { status: 'solved' })]);
    expect(refused).toMatchObject({
      status: 'rejected',
      error: { message: 'Fill in Order number before the ticket is solved.' },
    });
    const [solved] = await push([update(t, { fields: { order_no: 'B-7' }, status: 'solved' })]);
    expect(solved!.status).toBe('applied');
    await refresh();
    expect(tickets.get(t.id)).toMatchObject({ status: 'solved', fields: { order_no: 'B-7' } });
  });

  it('set differently on two devices meanwhile give the second a conflict with the value that stands', async () => {
    const t = pick();
    const [first] = await push([update(t, { fields: { order_no: 'C-1' } })], 'desk-tags-01');
    expect(first!.status).toBe('applied');
    const [second] = await push([update(t, { fields: { order_no: 'C-2' } })], 'desk-tags-02');
    expect(second).toMatchObject({
      status: 'rejected',
      error: { code: 'conflict', conflicts: [{ field: 'fields', theirs: '{"order_no":"C-1"}' }] },
    });
    // The same value from both is no conflict: it is already true.
    const [same] = await push([update(t, { fields: { order_no: 'C-1' } })], 'desk-tags-03');
    expect(same!.status).toBe('applied');
    await refresh();
    expect(tickets.get(t.id)!.fields).toEqual({ order_no: 'C-1' });
  });
});
