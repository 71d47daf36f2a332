import type { Insertable } from 'kysely';
import { CHINA_MAINLAND_CALENDAR, type SlaPolicy, type TicketStatus } from '../../shared';
import type { Database } from '../db/schema';
import {
  AGENT_NAMES,
  ARTICLES,
  DEPARTMENTS,
  EN_COMPANIES,
  EN_FIRST,
  EN_LAST,
  NOTES,
  QUEUE_RING_TIMEOUT_SECONDS,
  QUEUES,
  REPLIES,
  SUPERVISORS,
  TOPICS,
  ZH_COMPANIES,
  ZH_GIVEN,
  ZH_SURNAMES,
  type DepartmentCode,
} from './content';
import { Random } from './prng';

export const DEMO_PASSWORD = 'switchboard';
export const DEFAULT_DEMO_SEED = 20260601;

export interface DemoOptions {
  seed?: number;
  customers?: number;
  tickets?: number;
  /** Tickets spread over the 90 days before this instant. */
  now?: Date;
}

type Row<T extends keyof Database> = Insertable<Database[T]>;
type UserRow = Omit<Row<'users'>, 'password_hash'>;

/** Every row of the demo data set, versions assigned, ready to insert. Pure: the same options give the same rows. */
export interface DemoData {
  departments: Row<'departments'>[];
  users: UserRow[];
  customers: Row<'customers'>[];
  tickets: Row<'tickets'>[];
  comments: Row<'ticket_comments'>[];
  history: Row<'ticket_history'>[];
  articles: Row<'knowledge_articles'>[];
  changes: Row<'change_log'>[];
  queues: Row<'queues'>[];
  skills: Row<'agent_skills'>[];
  slaPolicies: Row<'sla_policies'>[];
}

const DAY = 86_400_000;
/** Demo SLA targets in business minutes of the mainland calendar (an 8-hour day). Tickets that come in through
 * the API (integrations) have no policy, as many service desks leave them. */
const DEMO_SLA_CHANNELS = ['phone', 'email', 'chat', 'web'] as const;
const DEMO_SLA_MINUTES = {
  urgent: { first: 30, next: 60, resolution: 480 },
  high: { first: 60, next: 120, resolution: 960 },
  normal: { first: 240, next: 480, resolution: 2400 },
  low: { first: 480, next: 960, resolution: 4800 },
} as const;
const STATUSES = [
  'new',
  'open',
  'open',
  'reopened',
  'pending',
  'on_hold',
  'solved',
  'solved',
  'closed',
] as const;
const STATUS_PATH: Record<TicketStatus, readonly TicketStatus[]> = {
  new: [],
  open: ['open'],
  reopened: ['open', 'solved', 'reopened'],
  pending: ['open', 'pending'],
  on_hold: ['open', 'on_hold'],
  solved: ['open', 'solved'],
  closed: ['open', 'solved', 'closed'],
};
const PRIORITIES = ['low', 'normal', 'normal', 'normal', 'high', 'urgent'] as const;
/** Mostly calls, then mail and chat, as a service desk's mix. Picked by number, not by the PRNG, so the rest of
 * the demo data stays what it was before tickets had channels. */
const CHANNELS = [
  'phone',
  'phone',
  'email',
  'phone',
  'chat',
  'email',
  'web',
  'phone',
  'chat',
  'api',
] as const;

export function buildDemoData(opts: DemoOptions = {}): DemoData {
  const rnd = new Random(opts.seed ?? DEFAULT_DEMO_SEED);
  const now = (opts.now ?? new Date()).getTime();
  let version = 0;
  const changes: Row<'change_log'>[] = [];
  const log = (kind: Row<'change_log'>['kind'], id: string, dept: string | null) => {
    changes.push({ version: ++version, kind, entity_id: id, department_id: dept, op: 'upsert' });
    return version;
  };

  const departments = DEPARTMENTS.map((d) => ({
    id: rnd.uuid(),
    code: d.code,
    name_zh: d.nameZh,
    name_en: d.nameEn,
    version: 0,
  }));
  for (const d of departments) d.version = log('department', d.id, null);
  const deptId = (code: DepartmentCode) => departments.find((d) => d.code === code)!.id;

  const users: UserRow[] = [];
  const addUser = (username: string, displayName: string, role: UserRow['role'], dept: string | null) => {
    const id = rnd.uuid();
    users.push({
      id,
      username,
      display_name: displayName,
      role,
      department_id: dept,
      disabled: 0,
      version: log('user', id, null),
    });
  };
  AGENT_NAMES.forEach((name, i) => {
    const code = DEPARTMENTS[Math.floor(i / 4)]!.code;
    addUser(`agent${String(i + 1).padStart(2, '0')}`, name, 'agent', deptId(code));
  });
  for (const s of SUPERVISORS) addUser(s.username, s.displayName, 'supervisor', deptId(s.code));
  addUser('admin', 'Administrator', 'admin', null);
  const agentsOf = new Map(
    departments.map((d) => [d.id, users.filter((u) => u.department_id === d.id && u.role === 'agent')]),
  );

  const customers: Row<'customers'>[] = [];
  for (let i = 0; i < (opts.customers ?? 2000); i++) {
    const zh = rnd.chance(0.75);
    const created = new Date(now - rnd.int(91, 720) * DAY).toISOString();
    const phone = zh
      ? `+86${rnd.pick(['13', '15', '17', '18', '19'])}${rnd.digits(9)}`
      : rnd.chance(0.5)
        ? `+1${rnd.pick(['212', '415', '646', '312'])}555${rnd.digits(4)}`
        : `+4420${rnd.pick(['7', '8'])}${rnd.digits(7)}`;
    const name = zh
      ? rnd.pick(ZH_SURNAMES) + rnd.pick(ZH_GIVEN)
      : `${rnd.pick(EN_FIRST)} ${rnd.pick(EN_LAST)}`;
    customers.push({
      id: rnd.uuid(),
      name,
      // Every demo customer can be called and mailed: the screen pop and email intake need both.
      phone,
      email: `customer${i + 1}@example.${zh ? 'cn' : 'com'}`,
      language: zh ? 'zh-CN' : 'en',
      company: rnd.chance(0.3) ? rnd.pick(zh ? ZH_COMPANIES : EN_COMPANIES) : null,
      created_at: created,
      updated_at: created,
      version: 0,
    });
  }

  // Creation times first, sorted, so ticket numbers rise with time as they would in real use.
  const count = opts.tickets ?? 10_000;
  const createdTimes = Array.from({ length: count }, () => now - Math.floor(rnd.float() * 90 * DAY)).sort(
    (a, b) => a - b,
  );
  const tickets: Row<'tickets'>[] = [];
  const comments: Row<'ticket_comments'>[] = [];
  const history: Row<'ticket_history'>[] = [];
  const customerDepts = new Set<string>();
  const customerVersion = new Map<string, number>();

  createdTimes.forEach((createdMs, i) => {
    const dept = rnd.pick(departments);
    const customer = rnd.pick(customers);
    const lang = customer.language === 'zh-CN' ? 'zh' : 'en';
    const topic = rnd.pick(TOPICS[dept.code as DepartmentCode])[lang];
    const status = rnd.pick(STATUSES);
    const agents = agentsOf.get(dept.id)!;
    const assignee = status === 'new' && rnd.chance(0.7) ? null : rnd.chance(0.9) ? rnd.pick(agents) : null;
    const ticketId = rnd.uuid();
    const suffix = rnd.chance(0.3)
      ? lang === 'zh'
        ? `（订单 ${rnd.digits(8)}）`
        : ` (order #${rnd.digits(6)})`
      : '';
    let lastMs = createdMs;
    const step = () => (lastMs = Math.min(now, lastMs + rnd.int(5, 600) * 60_000));

    if (!customerDepts.has(`${customer.id}:${dept.id}`)) {
      customerDepts.add(`${customer.id}:${dept.id}`);
      customerVersion.set(customer.id, log('customer', customer.id, dept.id));
    }

    const actor = assignee ?? rnd.pick(agents);
    const addHistory = (field: string, from: string | null, to: string | null) => {
      const id = rnd.uuid();
      history.push({
        id,
        ticket_id: ticketId,
        field,
        from_value: from,
        to_value: to,
        actor_id: actor.id,
        actor_name: actor.display_name,
        at: new Date(step()).toISOString(),
        version: log('history', id, dept.id),
      });
    };
    if (assignee) addHistory('assigneeId', null, assignee.id);
    // The way each status is reached through the workflow (ticket-rules.ts), as its history shows it.
    let was: TicketStatus = 'new';
    for (const next of STATUS_PATH[status]) {
      addHistory('status', was, next);
      was = next;
    }

    for (let c = rnd.int(0, 4); c > 0; c--) {
      const id = rnd.uuid();
      const internal = rnd.chance(0.3);
      comments.push({
        id,
        ticket_id: ticketId,
        author_id: actor.id,
        author_name: actor.display_name,
        body: internal ? rnd.pick(NOTES) : rnd.pick(REPLIES[lang]),
        internal: internal ? 1 : 0,
        created_at: new Date(step()).toISOString(),
        version: log('comment', id, dept.id),
      });
    }

    tickets.push({
      id: ticketId,
      number: i + 1,
      department_id: dept.id,
      customer_id: customer.id,
      subject: topic.subject + suffix,
      description: topic.description,
      status,
      priority: rnd.pick(PRIORITIES),
      channel: CHANNELS[i % CHANNELS.length]!,
      assignee_id: assignee?.id ?? null,
      created_at: new Date(createdMs).toISOString(),
      updated_at: new Date(lastMs).toISOString(),
      version: log('ticket', ticketId, dept.id),
    });
  });
  for (const c of customers) c.version = customerVersion.get(c.id) ?? 0;

  const articles: Row<'knowledge_articles'>[] = [];
  for (const d of departments) {
    const lists = ARTICLES[d.code as DepartmentCode];
    for (const [language, titles] of [
      ['zh-CN', lists.zh],
      ['en', lists.en],
    ] as const) {
      for (const title of titles) {
        articles.push({
          id: rnd.uuid(),
          title,
          body: language === 'zh-CN' ? `${title}：请按以下步骤操作……` : `${title}: follow these steps...`,
          language,
          department_id: d.id,
          version: 0,
        });
      }
    }
  }

  // Voice: drawn last, so the rows above are the same as before voice existed.
  const queues: Row<'queues'>[] = QUEUES.map((q) => ({
    id: rnd.uuid(),
    number: q.number,
    name_zh: q.nameZh,
    name_en: q.nameEn,
    department_id: deptId(q.code),
    skill: q.code,
    ring_timeout_seconds: QUEUE_RING_TIMEOUT_SECONDS,
    // Waiting settings (migration 0026) take the columns' defaults, so the demo also seeds an older schema
    // (migration tests seed one, then migrate).
  }));
  // Every agent has their department's skill; those with English names also take English callers.
  const skills: Row<'agent_skills'>[] = [];
  for (const u of users) {
    if (u.role !== 'agent') continue;
    skills.push({ user_id: u.id, skill: departments.find((d) => d.id === u.department_id)!.code });
    if (/^[A-Za-z]/.test(u.display_name)) skills.push({ user_id: u.id, skill: 'english' });
  }

  // SLA policies: drawn after everything else, for the same reason as voice.
  const slaPolicies: Row<'sla_policies'>[] = [];
  for (const d of departments) {
    for (const priority of ['urgent', 'high', 'normal', 'low'] as const) {
      for (const channel of DEMO_SLA_CHANNELS) {
        const t = DEMO_SLA_MINUTES[priority];
        const policy: SlaPolicy = {
          id: rnd.uuid(),
          departmentId: d.id,
          priority,
          channel,
          calendarId: CHINA_MAINLAND_CALENDAR.id,
          // A chat customer is still in the window: answered four times as fast.
          firstResponseMinutes: channel === 'chat' ? Math.max(5, Math.round(t.first / 4)) : t.first,
          nextResponseMinutes: t.next,
          resolutionMinutes: t.resolution,
          warning: { kind: 'percent', percent: 80 },
          escalations: [
            { on: 'warning', target: null, action: { kind: 'notify', who: 'assignee', userId: null } },
            { on: 'breach', target: null, action: { kind: 'notify', who: 'supervisors', userId: null } },
            ...(priority === 'normal' || priority === 'low'
              ? [
                  {
                    on: 'breach' as const,
                    target: 'resolution' as const,
                    action: { kind: 'raisePriority' as const },
                  },
                ]
              : []),
          ],
          active: true,
        };
        slaPolicies.push({
          id: policy.id,
          department_id: d.id,
          priority,
          channel,
          calendar_id: policy.calendarId,
          body: JSON.stringify(policy),
        });
      }
    }
  }

  return {
    departments,
    users,
    customers,
    tickets,
    comments,
    history,
    articles,
    changes,
    queues,
    skills,
    slaPolicies,
  };
}
