/**
 * Local store benchmark: a replica of 200,000 customers and 1,000,000 tickets in mixed Chinese and
 * English, built through the real store module and migrations, then p50/p95 of screen-pop phone
 * lookups and first-page ticket searches. `npx tsx bench/store.ts` (env BENCH_TICKETS / BENCH_CUSTOMERS
 * to scale down). Last line: one JSON summary; exit code 1 when a target is missed.
 */
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Customer, Ticket } from '../src/shared/domain';
import { openStore, TOTAL_CAP } from '../src/main/store';
import { EN_FIRST, EN_LAST, ZH_GIVEN, ZH_SURNAMES } from '../src/server/demo/content';
import { mulberry32 } from '../src/server/demo/prng';

const CUSTOMERS = Number(process.env['BENCH_CUSTOMERS'] ?? 200_000);
const TICKETS = Number(process.env['BENCH_TICKETS'] ?? 1_000_000);
const QUERIES = Number(process.env['BENCH_QUERIES'] ?? 1000);
const targets = { lookupP95Ms: 1, searchP95Ms: 30 };

// The demo data's seeded PRNG and name lists: every run builds the same store.
const rnd = mulberry32(20261125);
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const int = (n: number) => Math.floor(rnd() * n);

const zhIssues = [
  '退款申请未到账',
  '订单发货延迟',
  '账户无法登录',
  '申请开具发票',
  '宽带频繁断线',
  '路由器指示灯异常',
  '套餐变更失败',
  '话费扣款异常',
  '密码重置邮件收不到',
  '退货物流信息不更新',
  '保修期内维修',
  '手机屏幕碎裂',
  '充电器无法充电',
  '会员自动续费',
  '优惠券无法使用',
  '修改收货地址',
  '投诉客服态度',
  '积分兑换失败',
  '短信验证码收不到',
  '网速很慢',
  '信用卡重复扣款',
  '快递丢件',
  '商品质量问题',
  '安装预约改期',
  '账单金额有误',
  '发票抬头错误',
  '合同提前解约',
  '设备无法开机',
  '系统升级后卡顿',
  '蓝牙连接不上',
];
const zhFiller = [
  '客户来电反映',
  '客户表示',
  '已经等待三天',
  '请尽快处理',
  '多次联系未果',
  '情绪比较激动',
  '希望今天回复',
  '已核实订单信息',
  '需要技术支持协助',
  '已转交财务部门',
  '客户要求补偿',
  '附上截图',
  '上周购买',
];
const enIssues = [
  'refund not received',
  'order delayed',
  'cannot log in',
  'invoice request',
  'broadband keeps dropping',
  'router lights blinking',
  'plan change failed',
  'billing error',
  'password reset email missing',
  'return tracking not updated',
  'warranty repair',
  'cracked screen',
  'charger not charging',
  'membership renewal',
  'coupon not working',
  'change delivery address',
  'complaint about support',
  'loyalty points redemption',
  'verification code not arriving',
  'slow internet',
  'double charge on credit card',
  'parcel lost',
  'product quality issue',
  'reschedule installation',
  'wrong amount on bill',
  'device will not turn on',
  'lag after system update',
  'bluetooth pairing fails',
];
const enFiller = [
  'customer called about',
  'customer says',
  'waiting for three days',
  'please handle urgently',
  'escalated to finance',
  'screenshot attached',
  'bought last week',
  'asked for compensation',
  'second contact',
];
const products = [
  '华为 Mate 60',
  '小米 14',
  'iPhone 15',
  'AX3000 router',
  'Fiber 500M',
  '5G 畅享套餐',
  'Galaxy S24',
];
const statuses = ['new', 'open', 'pending', 'solved', 'closed'] as const;
const priorities = ['low', 'normal', 'high', 'urgent'] as const;

const uuid = (kind: number, i: number) =>
  `0190${kind.toString(16).padStart(4, '0')}-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
const phoneOf = (i: number) => `+86138${String(i * 37 + 11).padStart(8, '0')}`;
const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 53_000).toISOString();
const departments = [uuid(1, 1), uuid(1, 2), uuid(1, 3)];
const agents = Array.from({ length: 12 }, (_, i) => uuid(2, i + 1));

function customer(i: number): Customer {
  const zh = rnd() < 0.7;
  const name = zh ? pick(ZH_SURNAMES) + pick(ZH_GIVEN) : `${pick(EN_FIRST)} ${pick(EN_LAST)}`;
  return {
    id: uuid(3, i),
    name,
    phone: phoneOf(i),
    email: zh ? null : `${name.toLowerCase().replace(' ', '.')}${i}@example.com`,
    language: zh ? 'zh-CN' : 'en',
    company: null,
    createdAt: at(i),
    updatedAt: at(i),
    version: i,
  };
}

function ticket(i: number, customerId: string): Ticket {
  const zh = rnd() < 0.6;
  const issue = zh ? pick(zhIssues) : pick(enIssues);
  const filler = zh ? zhFiller : enFiller;
  const sep = zh ? '，' : '. ';
  const description = [
    pick(filler),
    issue,
    pick(products),
    pick(filler),
    `order ${100000 + int(900000)}`,
  ].join(sep);
  const d = int(3);
  return {
    id: uuid(4, i),
    number: i + 1,
    departmentId: departments[d]!,
    customerId,
    subject: `${issue} ${rnd() < 0.3 ? pick(products) : ''}`.trim(),
    description,
    status: pick(statuses),
    priority: pick(priorities),
    assigneeId: rnd() < 0.2 ? null : agents[d * 4 + int(4)]!,
    createdAt: at(i),
    updatedAt: at(i + int(5000)),
    version: i + 1,
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function measure(label: string, n: number, fn: (i: number) => unknown): { p50: number; p95: number } {
  for (let i = 0; i < Math.min(50, n); i++) fn(i); // warm the statement cache and pages
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn(i);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const r = { p50: percentile(times, 50), p95: percentile(times, 95) };
  console.log(
    `${label}: p50 ${r.p50.toFixed(3)} ms, p95 ${r.p95.toFixed(3)} ms, max ${times.at(-1)!.toFixed(2)} ms (n=${n})`,
  );
  return r;
}

// BENCH_KEEP=dir keeps (and on later runs reuses) the built database, for experiments on the queries.
const keep = process.env['BENCH_KEEP'];
const dir = keep ?? mkdtempSync(join(tmpdir(), 'sb-bench-'));
const reuse = keep !== undefined && existsSync(join(dir, 'bench.sqlite'));
const store = openStore(join(dir, 'bench.sqlite'));
try {
  console.log(
    `Building ${CUSTOMERS.toLocaleString('en')} customers and ${TICKETS.toLocaleString('en')} tickets in ${dir}`,
  );
  const t0 = performance.now();
  const w = store.write;
  const customers: { name: string; phone: string | null; email: string | null }[] = [];
  const CHUNK = 20_000;
  for (let start = 0; start < (reuse ? 0 : CUSTOMERS); start += CHUNK) {
    w.bulk(() => {
      for (let i = start; i < Math.min(CUSTOMERS, start + CHUNK); i++) {
        const c = customer(i);
        customers.push({ name: c.name, phone: c.phone, email: c.email });
        w.insertCustomer(c);
      }
    });
  }
  console.log(`  customers done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (let start = 0; start < (reuse ? 0 : TICKETS); start += CHUNK) {
    w.bulk(() => {
      for (let i = start; i < Math.min(TICKETS, start + CHUNK); i++) {
        const c = int(CUSTOMERS);
        w.loadTicket(ticket(i, uuid(3, c)), customers[c]!);
      }
    });
    if ((start / CHUNK) % 5 === 4 || start + CHUNK >= TICKETS) {
      const done = Math.min(TICKETS, start + CHUNK);
      console.log(
        `  tickets ${done.toLocaleString('en')} (${((performance.now() - t0) / 1000).toFixed(1)} s)`,
      );
    }
  }
  const buildS = (performance.now() - t0) / 1000;
  console.log(`Built in ${buildS.toFixed(1)} s; database ${(statSync(store.path).size / 1e6).toFixed(0)} MB`);

  const phones = Array.from({ length: QUERIES }, () => phoneOf(int(CUSTOMERS)));
  const lookup = measure('customer lookup by phone', QUERIES, (i) => {
    if (!store.read.findCustomerByPhone(phones[i]!)) throw new Error(`no customer for ${phones[i]}`);
  });

  // What agents type: a fragment of a Chinese issue (2-4 characters), an English word or its prefix,
  // a two-word phrase, a customer name, an order number.
  const zhFragment = () => {
    const s = [...pick([...zhIssues, ...zhFiller])];
    const len = 2 + int(3);
    const from = int(Math.max(1, s.length - len + 1));
    return s.slice(from, from + len).join('');
  };
  const enWord = () =>
    pick(
      pick(enIssues)
        .split(' ')
        .filter((w) => w.length > 3),
    );
  const texts = Array.from({ length: QUERIES }, (_, i) => {
    switch (i % 6) {
      case 0:
      case 1:
        return zhFragment();
      case 2:
        return enWord();
      case 3:
        return enWord().slice(0, 4);
      case 4:
        return pick(enIssues).split(' ').slice(0, 2).join(' ');
      default:
        return rnd() < 0.5 ? pick(ZH_SURNAMES) + pick(ZH_GIVEN) : `${100000 + int(900000)}`;
    }
  });
  const all = {
    text: '',
    status: [],
    priority: [],
    departmentId: null,
    assignee: null,
    offset: 0,
    limit: 50,
  };
  const search = measure('ticket search (limit 50, first page with total)', QUERIES, (i) => {
    const page = store.read.searchTickets({ ...all, text: texts[i]! });
    return page;
  });
  const totals = texts.map((text) => store.read.searchTickets({ ...all, text }).total);
  const capped = totals.filter((t) => t >= TOTAL_CAP).length;
  const empty = totals.filter((t) => t === 0).length;
  console.log(
    `  ${capped} of ${QUERIES} searches matched ${TOTAL_CAP}+ tickets (total capped), ${empty} matched none`,
  );
  const filtered = measure('ticket search with filters (status open+pending, assignee)', QUERIES, (i) =>
    store.read.searchTickets({
      text: i % 2 ? texts[i]! : '',
      status: ['open', 'pending'],
      priority: [],
      departmentId: departments[i % 3]!,
      assignee: agents[(i % 3) * 4 + (i % 4)]!,
      offset: 0,
      limit: 50,
    }),
  );

  const metrics = {
    customers: CUSTOMERS,
    tickets: TICKETS,
    buildSeconds: Number(buildS.toFixed(1)),
    lookupP50Ms: Number(lookup.p50.toFixed(4)),
    lookupP95Ms: Number(lookup.p95.toFixed(4)),
    searchP50Ms: Number(search.p50.toFixed(3)),
    searchP95Ms: Number(search.p95.toFixed(3)),
    filteredSearchP95Ms: Number(filtered.p95.toFixed(3)),
    totalCap: TOTAL_CAP,
  };
  const pass = lookup.p95 <= targets.lookupP95Ms && search.p95 <= targets.searchP95Ms;
  console.log(JSON.stringify({ bench: 'store', metrics, targets, pass }));
  process.exitCode = pass ? 0 : 1;
} finally {
  store.close();
  if (!keep) rmSync(dir, { recursive: true, force: true });
}
