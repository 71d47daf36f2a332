/**
 * Voice of the customer (issue 14, item 7): the rising-topics report over 1,000,000 tickets, through the
 * service's own code. A SQLite file made by the server's migrations gets a year of tickets in three
 * departments (bulk-generated Chinese and English subjects and descriptions from ~40 topics each, with order
 * numbers, names and filler sentences; a new topic, eSIM activation / eSIM 激活失败, rises in the last weeks)
 * and their change-log rows, as the service writes them. The VOC follower (src/server/voc/voc-indexer.ts)
 * then indexes them from the change log exactly as it does in the service: jieba and the English stemmer,
 * phrases, daily counts and postings. That index is kept in the file (BENCH_VOC_DB, default in the temp
 * folder) and reused by later runs, since building it takes minutes.
 *
 * Measured: VocService.summary (top terms, phrases, rising topics with their G² test, sentiment) for periods
 * of 7 and 30 days ending on days spread over the year, for one department (a supervisor) and for all (an
 * administrator); p95 target <= 500 ms. Also the first page of a topic's tickets.
 * `npm run bench:voc`; env BENCH_TICKETS (default 1,000,000), BENCH_VOC_DB, BENCH_RUNS (default 60).
 * Last line: one JSON summary; exit code 1 on a miss. The reports benchmark calls measureRisingTopics().
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { User } from '../src/shared';
import { streamEnd } from '../src/server/db/change-log';
import { migrateToLatest } from '../src/server/db/migrate';
import { openDatabase, sqliteBulk } from '../src/server/db/open';
import type { Db } from '../src/server/db/schema';
import { VocService } from '../src/server/voc/voc-service';

const DAY = 86_400_000;
const END = Date.parse('2025-06-30T00:00:00Z');
const TARGET_P95_MS = 500;

// Deterministic data (mulberry32) so runs compare.
let seed = 14;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

const ZH_TOPICS: readonly [string, string][] = [
  ['退款一直没有到账', '申请退款已经七天了，钱还没有退回到银行卡'],
  ['快递包裹丢失', '物流显示已签收但是我没有收到包裹'],
  ['发票开具', '请帮我开具增值税专用发票，抬头是公司名称'],
  ['宽带经常断网', '家里宽带每天晚上都会断网，重启路由器也没用'],
  ['手机无法开机', '手机充电后还是无法开机，屏幕一直黑屏'],
  ['账号登录失败', 'App 登录时提示密码错误，但是密码是对的'],
  ['验证码收不到', '注册时短信验证码一直收不到'],
  ['套餐资费咨询', '想了解一下最新的流量套餐资费'],
  ['话费扣费异常', '这个月话费多扣了五十元，请核实扣费明细'],
  ['退换货申请', '收到的商品有质量问题，申请七天无理由退货'],
  ['维修进度查询', '送修的电脑已经两周了，维修进度没有更新'],
  ['屏幕碎裂保修', '屏幕碎了，想问保修范围内能不能免费更换'],
  ['订单取消', '下单后想取消订单，页面上没有取消按钮'],
  ['优惠券无法使用', '结算时优惠券显示不可用'],
  ['充值未到账', '用支付宝充值了一百元，余额没有变化'],
  ['网速很慢', '最近网速特别慢，测速只有几兆'],
  ['信号不好', '小区里手机信号很差，经常打不通电话'],
  ['修改收货地址', '订单还没发货，想修改收货地址'],
  ['会员自动续费', '没有同意自动续费却被扣了会员费'],
  ['客服态度', '上次来电客服态度很差，问题也没有解决'],
  ['配送延迟', '承诺次日达，结果三天了还没配送'],
  ['产品使用咨询', '新买的路由器不知道怎么设置无线密码'],
  ['积分兑换', '积分兑换的礼品一直没有发货'],
  ['发货太慢', '付款后一周还没有发货'],
  ['电池续航差', '手机电池续航很差，半天就没电了'],
  ['系统更新问题', '系统更新后很多应用闪退'],
  ['实名认证失败', '实名认证上传身份证照片一直失败'],
  ['销户申请', '我要注销这个号码，需要带什么材料'],
  ['国际漫游', '出国旅行需要开通国际漫游'],
  ['家庭宽带安装', '预约了宽带安装，师傅一直没有上门'],
];
const EN_TOPICS: readonly [string, string][] = [
  ['Refund not received', 'I requested a refund two weeks ago and the money has not reached my card'],
  ['Parcel lost in delivery', 'Tracking says delivered but the parcel never arrived at my door'],
  ['Invoice request', 'Please issue an invoice with our company name and tax number'],
  [
    'Internet keeps disconnecting',
    'The broadband connection drops every evening, restarting the router does not help',
  ],
  ['Phone will not turn on', 'After charging overnight the phone still will not turn on'],
  ['Cannot log in to the app', 'The app says my password is wrong although it is correct'],
  ['Verification code not arriving', 'The SMS verification code never arrives when I sign up'],
  ['Question about data plans', 'Which data plan is best for heavy streaming'],
  ['Unexpected charge on bill', 'My bill shows an extra charge of fifty yuan that I do not recognise'],
  ['Return a faulty product', 'The blender arrived broken and I would like to return it'],
  ['Repair status', 'My laptop has been at the repair centre for two weeks without an update'],
  ['Cracked screen warranty', 'Is a cracked screen covered by the warranty'],
  ['Cancel my order', 'I want to cancel the order but there is no cancel button'],
  ['Coupon does not work', 'The coupon is rejected at checkout'],
  ['Top-up not credited', 'I topped up one hundred yuan but the balance did not change'],
  ['Slow internet speed', 'Speed tests show only a few megabits lately'],
  ['Poor signal at home', 'Mobile signal in my building is terrible and calls drop'],
  ['Change delivery address', 'The order has not shipped yet, please change the delivery address'],
  ['Membership renewed without consent', 'I was charged a membership renewal I never agreed to'],
  ['Complaint about support', 'The agent on my last call was rude and the problem is still not solved'],
  ['Late delivery', 'Next-day delivery was promised but it has been three days'],
  ['How to set up the router', 'I do not know how to set the wireless password on the new router'],
  ['Loyalty points', 'The gift I redeemed with points has not shipped'],
  ['Battery drains quickly', 'The battery is empty after half a day'],
  ['Apps crash after update', 'Since the system update many apps crash on start'],
  ['Identity verification fails', 'Uploading my ID photo for verification keeps failing'],
  ['Close my account', 'I want to close this number, what documents do I need'],
  ['International roaming', 'I am travelling abroad and need roaming switched on'],
  ['Installation appointment missed', 'The technician never came for the broadband installation'],
  ['Great service, thank you', 'The engineer fixed everything quickly, excellent and friendly service'],
];
const RISING_ZH: [string, string] = ['eSIM 激活失败', '新手机 eSIM 激活失败，扫码后一直提示错误'];
const RISING_EN: [string, string] = [
  'eSIM activation failed',
  'Scanning the eSIM QR code fails with an error every time',
];
const ZH_FILLER = ['订单号', '麻烦尽快处理', '谢谢', '已经打过两次电话了', '请回电', '非常着急'];
const EN_FILLER = [
  'Order number',
  'Please help asap',
  'Thanks',
  'This is my second call',
  'Call me back',
  'Urgent',
];

/** Makes the data set and its change log; the VOC index is then built by the follower. */
async function generate(db: Db, tickets: number, log: (l: string) => void): Promise<void> {
  const bulk = sqliteBulk(db);
  if (!bulk) throw new Error('The VOC benchmark writes its data set into a SQLite file.');
  const departments = ['aftersales', 'tech', 'billing'].map((code, i) => ({ id: randomUUID(), code, i }));
  const customer = randomUUID();
  const at = new Date(END).toISOString();
  const started = performance.now();
  await db.transaction().execute(async () => {
    bulk.runEach(
      'INSERT INTO departments (id, code, name_zh, name_en, version) VALUES (?, ?, ?, ?, 0)',
      departments.map((d) => [d.id, `bench-${d.code}`, d.code, d.code]),
    );
    bulk.runEach(
      `INSERT INTO customers (id, name, phone, email, language, company, created_at, updated_at, version)
       VALUES (?, 'Bench customer', NULL, NULL, 'zh-CN', NULL, ?, ?, 0)`,
      [[customer, at, at]],
    );
  });
  const BATCH = 50_000;
  for (let start = 0; start < tickets; start += BATCH) {
    const rows: unknown[][] = [];
    const changes: unknown[][] = [];
    for (let i = start; i < Math.min(tickets, start + BATCH); i++) {
      // Spread over 365 days in order, as tickets arrive.
      const created = END - 365 * DAY + Math.floor((i / tickets) * 365 * DAY);
      const daysLeft = (END - created) / DAY;
      const zh = rand() < 0.6;
      // The rising topic: a trickle all year, then 4% of contacts in the last 7 days.
      const rising = rand() < (daysLeft < 7 ? 0.04 : 0.002);
      const [subject, body] = rising ? (zh ? RISING_ZH : RISING_EN) : pick(zh ? ZH_TOPICS : EN_TOPICS);
      const filler = pick(zh ? ZH_FILLER : EN_FILLER);
      const extra = rand() < 0.3 ? pick(zh ? ZH_TOPICS : EN_TOPICS)[1] : '';
      const order = `${Math.floor(rand() * 9e8) + 1e8}`;
      const description = zh
        ? `${body}。${filler}，${order}。${extra}`
        : `${body}. ${filler}: ${order}. ${extra}`;
      const id = randomUUID();
      const dept = departments[i % 3]!;
      const iso = new Date(created).toISOString();
      rows.push([id, i + 1, dept.id, customer, subject, description, iso, iso, i + 1]);
      changes.push([i + 1, id, dept.id]);
    }
    await db.transaction().execute(async () => {
      bulk.runEach(
        `INSERT INTO tickets (id, number, department_id, customer_id, subject, description, status, priority,
           assignee_id, created_at, updated_at, version) VALUES (?, ?, ?, ?, ?, ?, 'open', 'normal', NULL, ?, ?, ?)`,
        rows,
      );
      bulk.runEach(
        `INSERT INTO change_log (version, kind, entity_id, department_id, op) VALUES (?, 'ticket', ?, ?, 'upsert')`,
        changes,
      );
    });
    if ((start / BATCH) % 4 === 0) log(`  ${start + rows.length} tickets written`);
  }
  log(`${tickets} tickets written in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

export interface VocBenchResult {
  metrics: Record<string, number>;
  targets: Record<string, number>;
  pass: boolean;
}

/**
 * Builds (or reuses) the data set and its VOC index, then times the rising-topics report. Prints figures with
 * `log`; returns the metrics for a JSON line.
 */
export async function measureRisingTopics(
  opts: { tickets?: number; dbPath?: string; runs?: number; log?: (line: string) => void } = {},
): Promise<VocBenchResult> {
  const tickets = opts.tickets ?? 1_000_000;
  const runs = opts.runs ?? 60;
  const log = opts.log ?? ((l: string) => console.log(l));
  const dbPath = opts.dbPath ?? join(tmpdir(), `switchboard-bench-voc-${tickets}.sqlite`);
  const reuse = existsSync(dbPath);
  const db = openDatabase(dbPath);
  try {
    await migrateToLatest(db);
    const have = Number(
      (
        await db
          .selectFrom('tickets')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst()
      )?.n ?? 0,
    );
    if (have !== tickets) {
      if (reuse && have > 0) throw new Error(`${dbPath} holds ${have} tickets, not ${tickets}: remove it.`);
      await generate(db, tickets, log);
    } else log(`Reusing ${dbPath} (${tickets} tickets).`);
    const voc = new VocService(db);
    const cursor = Number(
      (await db.selectFrom('voc_state').select('value').where('name', '=', 'cursor').executeTakeFirst())
        ?.value,
    );
    const head = await streamEnd(db);
    let indexMs = 0;
    if (cursor < head) {
      log(`Indexing ${head - cursor} changes with the VOC follower (jieba, stems, phrases, daily counts)...`);
      const t0 = performance.now();
      await voc.index.fresh();
      indexMs = performance.now() - t0;
      log(
        `  indexed in ${(indexMs / 1000).toFixed(1)} s (${((indexMs * 1000) / (head - cursor)).toFixed(0)} µs per ticket)`,
      );
    }
    const departments = await db.selectFrom('departments').select('id').execute();
    const admin: User = {
      id: randomUUID(),
      username: 'bench-admin',
      displayName: 'Bench',
      role: 'admin',
      departmentId: null,
    };
    const supervisorOf = (departmentId: string): User => ({
      id: randomUUID(),
      username: 'bench-super',
      displayName: 'Bench',
      role: 'supervisor',
      departmentId,
    });
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const times: number[] = [];
    const pageTimes: number[] = [];
    let risingFound = 0;
    let lastSummary = '';
    for (let r = 0; r < runs; r++) {
      const length = r % 2 === 0 ? 7 : 30;
      // The latest period first (where the planted topic rises), then periods spread over the year.
      const endDay = r < 2 ? END - DAY : END - DAY - Math.floor(rand() * 300) * DAY;
      const q = { from: day(endDay - (length - 1) * DAY), to: day(endDay) };
      const user = r % 3 === 0 ? admin : supervisorOf(departments[r % departments.length]!.id);
      const t0 = performance.now();
      const s = await voc.summary(user, q);
      times.push(performance.now() - t0);
      if (r < 2 && s.rising.some((t) => t.term === 'esim')) risingFound++;
      if (r === 0)
        lastSummary =
          `  ${q.from}..${q.to}: ${s.contacts} contacts (${s.previousContacts} before); rising: ` +
          s.rising
            .slice(0, 5)
            .map((t) => `${t.term} ${t.previousContacts}->${t.contacts} G²=${t.g2.toFixed(0)}`)
            .join(', ');
      const topic = s.rising[0]?.term ?? s.topTerms[0]?.term;
      if (topic) {
        const t1 = performance.now();
        await voc.contacts(user, { ...q, term: topic, limit: 25 });
        pageTimes.push(performance.now() - t1);
      }
    }
    log(lastSummary);
    const metrics = {
      tickets,
      runs,
      rising_p50_ms: Math.round(percentile(times, 50)),
      rising_p95_ms: Math.round(percentile(times, 95)),
      rising_max_ms: Math.round(Math.max(...times)),
      topic_tickets_p95_ms: Math.round(percentile(pageTimes, 95)),
      index_s: Math.round(indexMs / 100) / 10,
      planted_topic_found: risingFound,
    };
    log(
      `rising topics (7 and 30 days, one department or all): p50 ${metrics.rising_p50_ms} ms, ` +
        `p95 ${metrics.rising_p95_ms} ms, max ${metrics.rising_max_ms} ms; a topic's tickets p95 ${metrics.topic_tickets_p95_ms} ms`,
    );
    const pass = metrics.rising_p95_ms <= TARGET_P95_MS && risingFound === 2;
    return { metrics, targets: { rising_p95_ms: TARGET_P95_MS, planted_topic_found: 2 }, pass };
  } finally {
    await db.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await measureRisingTopics({
    tickets: Number(process.env['BENCH_TICKETS'] ?? 1_000_000),
    dbPath: process.env['BENCH_VOC_DB'],
    runs: Number(process.env['BENCH_RUNS'] ?? 60),
  });
  console.log(JSON.stringify({ bench: 'voc-topics', ...result }));
  process.exit(result.pass ? 0 : 1);
}
