import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SocketEvents, type Ticket } from '../../src/shared';
import { VOC_REST, VocContactsPage, VocSummary, type VocContact } from '../../src/shared/protocol/voc';
import type { Db } from '../../src/server/db/schema';
import { insertComment, insertTicket, nextTicketNumber } from '../../src/server/tickets/ticket-store';
import { connectSocket, login, request, startTestServer, type TestServer } from './helpers';

/**
 * Voice of the customer on a real server: tickets planted in two weeks of 2024 (outside the demo data) in
 * After-sales; the second week brings a new topic in English (a swollen battery) and in Chinese (电池鼓包),
 * while invoices (发票) stay at half of all contacts in both weeks.
 */
let server: TestServer;
let supervisor: string;
let otherSupervisor: string;
let agent: string;
let admin: string;
let aftersales: string;
const plantedEn: string[] = [];
const plantedZh: string[] = [];
let quietTicket: string;

const PREVIOUS = { from: '2024-03-01', to: '2024-03-07' };
const CURRENT = { from: '2024-03-08', to: '2024-03-14' };

const FILLER_EN = [
  'Router keeps dropping the connection',
  'Need to change my delivery address',
  'Password reset email never came',
  'Screen flickers when charging',
  'Order arrived with a missing cable',
];
const FILLER_ZH = [
  '路由器经常断网',
  '想修改收货地址',
  '收不到验证码短信',
  '屏幕充电时闪烁',
  '订单少发了一根数据线',
];

async function plant(db: Db): Promise<void> {
  const dept = await db
    .selectFrom('departments')
    .select('id')
    .where('code', '=', 'aftersales')
    .executeTakeFirstOrThrow();
  aftersales = dept.id;
  const customer = await db.selectFrom('customers').select('id').limit(1).executeTakeFirstOrThrow();
  const add = async (day: string, i: number, subject: string, description: string) => {
    const id = randomUUID();
    const at = new Date(`${day}T0${i % 10}:15:00.000Z`).toISOString();
    const t: Omit<Ticket, 'version'> & { number: number } = {
      id,
      number: await nextTicketNumber(db),
      departmentId: dept.id,
      customerId: customer.id,
      subject,
      description,
      status: 'open',
      priority: 'normal',
      assigneeId: null,
      handBackTo: null,
      channel: 'phone',
      tags: [],
      fields: {},
      parentId: null,
      relatedIds: [],
      mergedInto: null,
      category: null,
      triage: null,
      createdAt: at,
      updatedAt: at,
    };
    await insertTicket(db, t);
    return id;
  };
  const dayOf = (period: { from: string }, i: number) =>
    new Date(Date.parse(period.from) + (i % 7) * 86_400_000).toISOString().slice(0, 10);
  for (const period of [PREVIOUS, CURRENT])
    for (let i = 0; i < 40; i++) {
      const zh = i % 4 >= 2;
      const filler = (zh ? FILLER_ZH : FILLER_EN)[i % 5]!;
      // Every other contact asks about an invoice, in both weeks: frequent, and flat.
      const invoice = i % 2 === 0 ? (zh ? '另外请开具发票。' : ' Also please send the invoice.') : '';
      const id = await add(dayOf(period, i), i, filler, `${filler}${invoice}`);
      if (period === CURRENT && i === 1) quietTicket = id;
    }
  for (let i = 0; i < 14; i++) {
    // Half of the new ones also ask for an invoice, so invoices stay at 34 of 68 contacts (as 20 of 40 before).
    const invoice = i % 2 === 0;
    plantedEn.push(
      await add(
        dayOf(CURRENT, i),
        i,
        'Battery swollen after the update',
        `The battery is swollen and the back cover lifts.${invoice ? ' Please send the invoice.' : ''}`,
      ),
    );
    plantedZh.push(
      await add(
        dayOf(CURRENT, i + 3),
        i + 3,
        '手机电池鼓包',
        `电池鼓包，后盖翘起来了。${invoice ? '请开具发票。' : ''}`,
      ),
    );
  }
  // An internal note is not the customer's voice: never counted.
  await insertComment(
    db,
    {
      id: randomUUID(),
      ticketId: quietTicket,
      authorId: null,
      authorName: 'note',
      body: 'Internal: battery swollen? check with the warehouse',
      internal: true,
      createdAt: new Date('2024-03-09T10:00:00Z').toISOString(),
      fromCustomer: false,
      delivery: null,
      attachments: [],
    },
    dept.id,
  );
}

const get = async (path: string, token: string) =>
  fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${token}` } });

async function summary(token: string, period = CURRENT, departmentId?: string) {
  const q = new URLSearchParams({ ...period, ...(departmentId ? { departmentId } : {}) });
  const res = await get(`${VOC_REST.summary}?${q}`, token);
  expect(res.status).toBe(200);
  return VocSummary.parse(await res.json());
}

async function allContacts(token: string, term: string): Promise<VocContact[]> {
  const out: VocContact[] = [];
  let after: string | undefined;
  for (let page = 0; page < 20; page++) {
    const q = new URLSearchParams({ ...CURRENT, term, limit: '4', ...(after ? { after } : {}) });
    const res = await get(`${VOC_REST.contacts}?${q}`, supervisor);
    expect(res.status).toBe(200);
    const body = VocContactsPage.parse(await res.json());
    out.push(...body.contacts);
    if (body.next === null) return out;
    after = body.next;
  }
  throw new Error('contacts did not end');
}

beforeAll(async () => {
  server = await startTestServer({ tickets: 60, customers: 20, prepare: plant });
  supervisor = (await login(server.url, 'super01')).accessToken;
  otherSupervisor = (await login(server.url, 'super02')).accessToken;
  agent = (await login(server.url, 'agent01')).accessToken;
  admin = (await login(server.url, 'admin')).accessToken;
});
afterAll(async () => {
  await server?.stop();
});

describe('voice of the customer', () => {
  it('finds the topic that rose in English and in Chinese, and not the flat frequent one', async () => {
    const s = await summary(supervisor);
    expect(s.previousFrom).toBe(PREVIOUS.from);
    expect(s.previousTo).toBe(PREVIOUS.to);
    expect(s.contacts).toBe(68);
    expect(s.previousContacts).toBe(40);
    const rising = s.rising.map((r) => r.term);
    expect(rising).toContain('batteri');
    expect(rising).toContain('鼓包');
    expect(rising).toContain('batteri swollen');
    // Frequent (half of all contacts) but flat: on top of the list, never rising.
    expect(s.topTerms.slice(0, 3).map((t) => t.term)).toEqual(expect.arrayContaining(['invoic']));
    expect(s.topTerms.find((t) => t.term === 'invoic')?.contacts).toBe(17);
    expect(rising).not.toContain('invoic');
    expect(rising).not.toContain('发票');
    // Fillers appear in both weeks alike.
    expect(rising).not.toContain('router');
    const battery = s.rising.find((r) => r.term === 'batteri')!;
    expect(battery).toMatchObject({ contacts: 14, previousContacts: 0, growth: null });
    expect(battery.p).toBeLessThan(s.test.alpha / s.test.tested);
    // English text is scored; the Chinese contacts are counted as not measured, never guessed.
    expect(s.sentiment.notMeasured).toBe(34);
    expect(s.sentiment.measured).toBe(34);
  });

  it('links a topic to exactly the tickets that mention it, page by page', async () => {
    const en = await allContacts(supervisor, 'batteri');
    expect(en.map((c) => c.ticketId).sort()).toEqual([...plantedEn].sort());
    expect(en.every((c) => c.kind === 'ticket' && c.title === 'Battery swollen after the update')).toBe(true);
    const zh = await allContacts(supervisor, '鼓包');
    expect(zh.map((c) => c.ticketId).sort()).toEqual([...plantedZh].sort());
  });

  it('counts a comment the customer can see as soon as it is written, and not an internal note', async () => {
    const before = (await summary(supervisor)).topTerms.find((t) => t.term === 'batteri')?.contacts;
    expect(before).toBe(14);
    const socket = await connectSocket(server.url, (await login(server.url, 'agent01')).accessToken);
    try {
      const ack = await request<unknown>(socket, SocketEvents.push, {
        mutations: [
          {
            id: randomUUID(),
            name: 'ticket.comment',
            args: {
              commentId: randomUUID(),
              ticketId: quietTicket,
              body: 'Customer says: my battery is swollen too.',
              internal: false,
            },
          },
        ],
      });
      expect(ack.ok).toBe(true);
    } finally {
      socket.close();
    }
    const after = await summary(supervisor);
    expect(after.topTerms.find((t) => t.term === 'batteri')?.contacts).toBe(15);
    expect(after.contacts).toBe(68);
    const linked = await allContacts(supervisor, 'batteri');
    expect(linked.map((c) => c.ticketId)).toContain(quietTicket);
  });

  it('shows another department nothing of this one, and agents no reports', async () => {
    const res = await get(
      `${VOC_REST.summary}?${new URLSearchParams({ ...CURRENT, departmentId: aftersales })}`,
      otherSupervisor,
    );
    expect(res.status).toBe(403);
    const own = await summary(otherSupervisor);
    expect(own.contacts).toBe(0);
    expect(own.topTerms).toEqual([]);
    const linked = await get(
      `${VOC_REST.contacts}?${new URLSearchParams({ ...CURRENT, term: 'batteri' })}`,
      otherSupervisor,
    );
    expect(VocContactsPage.parse(await linked.json()).contacts).toEqual([]);
    expect((await get(`${VOC_REST.summary}?${new URLSearchParams(CURRENT)}`, agent)).status).toBe(403);
    // Administrators see every department.
    expect((await summary(admin)).rising.map((r) => r.term)).toContain('batteri');
  });
});
