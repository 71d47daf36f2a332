// A big local replica for benchmarks: customers and tickets in mixed Chinese and English from the demo's
// seeded PRNG and name lists, written through the real store module, so every run builds the same data.
import { performance } from 'node:perf_hooks';
import type { Customer, Ticket } from '../src/shared/domain';
import type { LocalStore } from '../src/main/store';
import { EN_FIRST, EN_LAST, ZH_GIVEN, ZH_SURNAMES } from '../src/server/demo/content';
import { mulberry32 } from '../src/server/demo/prng';

// The demo data's seeded PRNG and name lists: every run builds the same store.
export const rnd = mulberry32(20261125);
export const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
export const int = (n: number) => Math.floor(rnd() * n);

export const zhIssues = [
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
export const zhFiller = [
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
export const enIssues = [
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

export const uuid = (kind: number, i: number) =>
  `0190${kind.toString(16).padStart(4, '0')}-0000-7000-8000-${i.toString(16).padStart(12, '0')}`;
export const phoneOf = (i: number) => `+86138${String(i * 37 + 11).padStart(8, '0')}`;
const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 53_000).toISOString();
export const departments = [uuid(1, 1), uuid(1, 2), uuid(1, 3)];
export const agents = Array.from({ length: 12 }, (_, i) => uuid(2, i + 1));

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

function ticket(i: number, customerId: string, departmentIds: readonly string[]): Ticket {
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
  const d = int(departmentIds.length);
  return {
    id: uuid(4, i),
    number: i + 1,
    departmentId: departmentIds[d]!,
    customerId,
    subject: `${issue} ${rnd() < 0.3 ? pick(products) : ''}`.trim(),
    description,
    status: pick(statuses),
    priority: pick(priorities),
    assigneeId: rnd() < 0.2 ? null : agents[(d % 3) * 4 + int(4)]!,
    handBackTo: null,
    channel: 'web',
    tags: [],
    fields: {},
    parentId: null,
    relatedIds: [],
    mergedInto: null,
    category: null,
    triage: null,
    createdAt: at(i),
    updatedAt: at(i + int(5000)),
    version: i + 1,
  };
}

/**
 * Write `customers` customers (phones phoneOf(i)) and `tickets` tickets spread over `departmentIds` into
 * the store, in chunks, printing progress. Returns the build time in seconds.
 */
export function fillReplica(
  store: LocalStore,
  opts: { customers: number; tickets: number; departmentIds?: readonly string[] },
  log: (line: string) => void = console.log,
): number {
  const departmentIds = opts.departmentIds ?? departments;
  const t0 = performance.now();
  const w = store.write;
  const customers: { name: string; phone: string | null; email: string | null }[] = [];
  const CHUNK = 20_000;
  for (let start = 0; start < opts.customers; start += CHUNK) {
    w.bulk(() => {
      for (let i = start; i < Math.min(opts.customers, start + CHUNK); i++) {
        const c = customer(i);
        customers.push({ name: c.name, phone: c.phone, email: c.email });
        w.insertCustomer(c);
      }
    });
  }
  log(`  customers done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (let start = 0; start < opts.tickets; start += CHUNK) {
    w.bulk(() => {
      for (let i = start; i < Math.min(opts.tickets, start + CHUNK); i++) {
        const c = int(opts.customers);
        w.loadTicket(ticket(i, uuid(3, c), departmentIds), customers[c]!);
      }
    });
    if ((start / CHUNK) % 5 === 4 || start + CHUNK >= opts.tickets) {
      const done = Math.min(opts.tickets, start + CHUNK);
      log(`  tickets ${done.toLocaleString('en')} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    }
  }
  return (performance.now() - t0) / 1000;
}
