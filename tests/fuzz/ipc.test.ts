import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDesktopServices, storePath, type DesktopServices } from '../../src/main/services';
import { NoVault } from '../../src/main/vault';
import { contract, type MethodName } from '../../src/shared/ipc/contract';
import { tempDir } from '../main/fixtures';
import { startTestServer, type TestServer } from '../server/helpers';
import { waitFor } from '../main/sync/helpers';
import { fingerprinter } from './fingerprint';
import {
  answerWithin,
  expectClearError,
  expectPrototypesClean,
  fuzzTally,
  preview,
  summarize,
  testTimeout,
} from './harness';
import { brokenUtf16, hostileClone, hugeString, malformed } from './hostile';

/**
 * Every IPC method of the desktop services (src/shared/ipc/contract.ts), fed malformed input as Electron's
 * structured clone or the browser host's JSON would deliver it, on a desktop signed in to a real server.
 */

let dir: ReturnType<typeof tempDir>;
let server: TestServer;
let services: DesktopServices;
let replica: ReturnType<typeof fingerprinter>;
let central: ReturnType<typeof fingerprinter>;
let templates: Record<MethodName, unknown>;
const tally = fuzzTally('ipc');

const invoke = (method: string, input: unknown) =>
  answerWithin(services.invoke(method, input), `${summarize(method)} ${preview(input, 120)}`);

/** Electron IPC carries what structured clone can; anything else never reaches the services. */
const cloneWire = (v: unknown) => structuredClone(v);
const clonable = (v: unknown) => {
  try {
    structuredClone(v);
    return true;
  } catch {
    return false;
  }
};

beforeAll(async () => {
  dir = tempDir('sb-fuzz-ipc-');
  server = await startTestServer({ tickets: 120, customers: 60 });
  services = createDesktopServices({
    dataDir: join(dir.path, 'desktop'),
    deviceId: 'fuzz-device',
    vault: new NoVault(),
    emit: () => {},
  });
  const login = await services.invoke('auth.login', {
    serverUrl: server.url,
    username: 'agent01',
    password: 'switchboard',
    remember: false,
  });
  if (!login.ok) throw new Error(`sign-in failed: ${login.error.message}`);
  const session = contract['auth.login'].output.parse(login.output);
  await waitFor(async () => {
    const r = await services.invoke('sync.status', {});
    return r.ok && (r.output as { state: string; pending: number }).state === 'online';
  }, 'the desktop online');
  replica = fingerprinter(storePath(join(dir.path, 'desktop'), server.url, session.user.id));
  // Sign-ins and agent states move with the sessions the test opens, not with the input under test; so do
  // their audit records, chained and checkpointed a moment after they are written.
  central = fingerprinter(server.dbPath, {
    skip: [
      'refresh_tokens',
      'agent_states',
      'agent_state_log',
      'audit_pending',
      'audit_log',
      'audit_checkpoints',
    ],
  });

  const page = await services.invoke('tickets.search', { limit: 1 });
  if (!page.ok) throw new Error(page.error.message);
  const row = (page.output as { rows: { id: string; customerId: string; departmentId: string }[] }).rows[0]!;
  const now = new Date().toISOString();
  templates = {
    'auth.login': { serverUrl: server.url, username: 'agent01', password: 'switchboard', remember: false },
    'auth.canRemember': {},
    'auth.restore': {},
    'auth.offlineStatus': { serverUrl: server.url, username: 'agent01' },
    'auth.confirm': { password: 'switchboard' },
    'auth.logout': {},
    'session.get': {},
    'admin.overview': {},
    'admin.apply': { op: 'workflow.update', input: { autoCloseSolvedAfterDays: 5 } },
    'config.get': {},
    // Intake (issue 13): an agent is refused by the server (admins and supervisors only).
    'intake.overview': {},
    'intake.apply': { op: 'apiKey.create', input: { name: 'Web form', departmentId: row.departmentId } },
    'customers.merge': { keepId: row.customerId, mergeId: row.id },
    'tickets.search': {
      text: '打印机 printer',
      status: ['open', 'new'],
      priority: ['high'],
      departmentIds: [row.departmentId],
      assignees: ['me', 'unassigned'],
      sort: 'priority',
      offset: 0,
      limit: 50,
    },
    'tickets.counts': {
      filters: [
        { status: ['open', 'new'], assignees: ['me'] },
        { text: '打印机', departmentIds: [row.departmentId] },
      ],
    },
    'tickets.get': { id: row.id },
    'tickets.bulkUpdate': { ids: [row.id], patch: { priority: 'high' } },
    'tickets.update': {
      id: row.id,
      patch: { subject: 'Printer jam', status: 'open', priority: 'high', assigneeId: null },
    },
    // The ticket's own department: refused as such (the fuzzer mutates ids anyway).
    'tickets.transfer': {
      id: row.id,
      toDepartmentId: row.departmentId,
      reason: '需要技术支持',
      handBack: true,
    },
    // Into itself: refused as such (the fuzzer mutates ids anyway).
    'tickets.merge': { sourceId: row.id, targetId: row.id, note: '重复工单' },
    // An agent holds no delete right by default: refused on the desktop, nothing queued.
    'tickets.delete': { id: row.id, reason: '重复工单' },
    'tickets.bulkDelete': { ids: [row.id], reason: '垃圾工单' },
    'tickets.resolveConflict': { ticketId: row.id, field: 'status', keep: 'mine' },
    'tickets.comment': { ticketId: row.id, body: 'Called back, no answer.', internal: false },
    'tickets.create': {
      customerId: row.customerId,
      subject: 'Refund',
      description: 'Asked for a refund',
      priority: 'normal',
      status: 'new',
      assigneeId: 'me',
      interactionId: null,
    },
    'customers.get': { id: row.customerId },
    'customers.timeline': {
      customerId: row.customerId,
      kinds: ['call', 'message', 'chat'],
      after: { at: now, id: row.id },
      limit: 20,
    },
    'customers.create': {
      name: '周杰',
      phone: '139 0013 8000',
      email: 'zhou.jie@example.cn',
      company: '星河科技',
      language: 'zh-CN',
      region: 'CN',
    },
    'interactions.list': { customerId: row.customerId, limit: 20 },
    'interactions.forCall': { callId: 'call-1@pbx' },
    'interactions.log': {
      interactionId: '0190b000-0000-7000-8000-0000000000f1',
      callId: 'call-2@pbx',
      direction: 'outbound',
      callerNumber: '1001',
      calleeNumber: '+8613800138000',
      queueNumber: null,
      ringAt: now,
      answerAt: now,
      endAt: now,
      holdSeconds: 0,
    },
    'interactions.complete': {
      interactionId: '0190b000-0000-7000-8000-0000000000f2',
      disposition: 'resolved',
      notes: 'ok',
      ticketId: row.id,
      customerId: null,
    },
    'agent.status': {},
    'agent.setState': { state: 'Break', reason: 'lunch', version: 0 },
    'agent.reportPhone': { registered: false },
    'voice.callEvent': { callId: 'call-3@pbx', event: 'answered' },
    'customers.search': { text: '王', limit: 10 },
    'screenpop.lookup': { callerId: '13800138000', region: 'CN' },
    'voice.credentials': {},
    'voice.queues': {},
    'directory.get': {},
    'sync.status': {},
    'sync.retryNow': {},
    'notSent.list': {},
    'notSent.retry': { id: row.id },
    'notSent.sendTo': { id: row.id, ticketId: row.id },
    'notSent.dismiss': { ids: [row.id] },
    'audit.verify': {},
    'audit.search': { action: 'auth.*', from: now, limit: 50 },
    'audit.export': { format: 'csv', action: 'ticket.update.applied' },
    // Reports (issue 14): an agent is refused by the server (supervisors and admins only); nothing recorded.
    'reports.get': { interval: 'day', dimension: 'department', from: '2026-11-01', to: '2026-11-30' },
    'reports.export': {
      query: { interval: 'day', dimension: 'department', from: '2026-11-01', to: '2026-11-30' },
      language: 'en',
    },
    // A rating link for a call the agent does not have: refused, nothing recorded.
    'reports.callRatingLink': { interactionId: row.id },
    // Knowledge base (issue 13, kb helper): agent01 may search and read; every write is refused by the server.
    'kb.search': { q: '退款 refund', lang: 'zh-CN', limit: 10 },
    // Suggested answers (issue 15, answers helper): reads only, scope-checked by the server.
    'answers.ticket': { id: row.id },
    'answers.chat': { id: row.id },
    'kb.get': { id: row.id },
    'kb.categories': {},
    'kb.create': {
      departmentId: row.departmentId,
      categoryId: null,
      audience: 'public',
      language: 'zh-CN',
      title: '退款到账时间',
      body: '审核通过后一至三个工作日退回。',
      tags: ['退款'],
    },
    'kb.edit': {
      id: row.id,
      departmentId: row.departmentId,
      categoryId: null,
      audience: 'internal',
      language: 'en',
      title: 'Refund timelines',
      body: 'One to three working days.',
      tags: [],
      baseVersion: 0,
    },
    'kb.act': { id: row.id, action: 'publish', baseVersion: 0 },
    'kb.categoryCreate': { nameZh: '发票', nameEn: 'Invoices', departmentId: row.departmentId },
    'kb.categoryRename': { id: row.id, nameZh: '发票', nameEn: 'Invoices' },
    'kb.categoryDelete': { id: row.id },
    'voc.summary': { from: '2026-01-01', to: '2026-01-07' },
    'voc.contacts': { from: '2026-01-01', to: '2026-01-07', term: '退款', limit: 25 },
    // Quality review (issue 15): agent01 is refused reviewing and rules; their own reviews they may read.
    'quality.config': { departmentId: row.departmentId },
    'quality.saveRule': {
      departmentId: row.departmentId,
      rule: {
        kind: 'forbidden',
        enabled: true,
        severity: 'major',
        phrases: ['不归我管'],
        patterns: [],
        threshold: null,
      },
    },
    'quality.saveSettings': {
      departmentId: row.departmentId,
      rubric: [{ key: 'tone', labelEn: 'Tone', labelZh: '语气', weight: 1, max: 5 }],
      sampling: { perAgent: 5, periodDays: 7, findingsWeight: 3 },
    },
    'quality.recheck': { from: '2026-01-01', to: '2026-01-07' },
    'quality.sample': {},
    'quality.queue': { state: 'pending' },
    'quality.contact': { kind: 'ticket', id: row.id },
    'quality.review': {
      kind: 'ticket',
      contactId: row.id,
      scores: { tone: 4 },
      comment: '好',
      returnToAgent: true,
    },
    'quality.mine': {},
    'quality.acknowledge': { reviewId: row.id },
    // email (issue 13)
    'attachments.get': { id: row.id },
    'email.mailboxes': {},
    'email.mailboxSave': {
      address: 'vip@support.switchboard.test',
      input: { departmentId: row.departmentId, displayName: 'VIP', relayHost: null, relayPort: null },
    },
    'email.mailboxRemove': { address: 'vip@support.switchboard.test' },
    // Web chat, agent desk (issue 13, chat desk): valid requests about a chat and offer agent01 does not have.
    'chat.state': {},
    'chat.history': { chatId: row.id, since: 0 },
    'chat.accept': { offerId: row.id },
    'chat.decline': { offerId: row.id },
    'chat.send': { chatId: row.id, text: '您好 hello' },
    'chat.discard': { clientId: 'c-1' },
    'chat.typing': { chatId: row.id, typing: true },
    'chat.read': { chatId: row.id, seq: 1 },
    'chat.transfer': { chatId: row.id, toQueueId: row.id },
    'chat.end': { chatId: row.id },
    'chat.toTicket': { chatId: row.id, subject: '退款' },
    'chat.canned': { language: 'zh-CN' },
    'chat.close': { chatId: row.id },
    // Chat files (issue 13): an upload to, and a file of, a chat agent01 does not have.
    'chat.upload': { chatId: row.id, name: 'receipt.pdf', type: 'application/pdf', base64: 'JVBERi0xLjQK' },
    'chat.file': { id: row.id },
    // Supervisors (issue 14, desk): agent01 is refused by the server (supervisors and admins only).
    'supervisor.watch': { departmentIds: [row.id] },
    'supervisor.unwatch': {},
    'supervisor.view': {},
    'supervisor.waiting': {},
    'supervisor.assignCall': { callId: 'call-1@pbx', userId: row.id },
    'supervisor.message': { toUserId: row.id, text: '请接听 please answer' },
    'supervisor.setAgentState': { userId: row.id, state: 'Break', reason: 'meeting', note: '会议 huddle' },
    'supervisor.agentHistory': { userId: row.id, limit: 20 },
    'supervisor.notices': {},
    'supervisor.dismissNotice': { id: row.id },
    'wallboard.tokens': {},
    'wallboard.create': { name: 'Floor TV', departmentIds: [row.id], rotateSeconds: 15 },
    'wallboard.revoke': { id: row.id },
    // Triage (issue 15, desk).
    'triage.model': {},
    'triage.refresh': {},
    'triage.accuracy': { from: '2026-11-01', to: '2026-11-30' },
    'triage.models': {},
    'triage.retrain': {},
    'triage.settings': {},
    'triage.saveSettings': { threshold: 0.6, retrainEveryHours: 24 },
  };
}, 120_000);

afterAll(async () => {
  replica?.close();
  central?.close();
  await services?.dispose();
  await server?.stop();
  dir?.remove();
});

/** After a batch: nothing was written anywhere, and the desktop still answers a well-formed request. */
async function expectUnharmed(before: { replica: object; central: object }) {
  expect(replica.full()).toEqual(before.replica);
  expect(central.full()).toEqual(before.central);
  const search = await invoke('tickets.search', { text: '', limit: 5 });
  expect(search.ok, JSON.stringify(search)).toBe(true);
  expect((search as { output: { rows: unknown[] } }).output.rows.length).toBeGreaterThan(0);
  const status = await invoke('sync.status', {});
  expect(status.ok && (status.output as { state: string }).state).toBe('online');
}

const methods = Object.keys(contract) as MethodName[];

describe('fuzzing every IPC method', () => {
  it('has a well-formed template for every method of the contract', () => {
    for (const m of methods) {
      expect(contract[m].input.safeParse(templates[m]).success, `${m} template`).toBe(true);
    }
  });

  it(
    'answers malformed input with a clear error and writes nothing',
    async () => {
      const before = { replica: replica.full(), central: central.full() };
      for (const method of methods) {
        const schema = contract[method].input;
        const arb = malformed(templates[method], schema, { values: hostileClone, wire: cloneWire });
        await tally.check(`ipc ${method}`, arb, async (input) => {
          const quick = { replica: replica.quick(), central: central.quick() };
          const r = await invoke(method, cloneWire(input));
          if (r.ok) throw new Error(`${method} accepted ${preview(input)}`);
          const error = expectClearError(r.error, method);
          expect(error.code).toBe('bad_request');
          expect({ replica: replica.quick(), central: central.quick() }).toEqual(quick);
          expectPrototypesClean();
        });
      }
      await expectUnharmed(before);
    },
    testTimeout(methods.length),
  );

  it(
    'answers unknown method names with bad_request',
    async () => {
      const names = fc.oneof(
        fc.constantFrom(
          '__proto__',
          'constructor',
          'toString',
          'hasOwnProperty',
          'valueOf',
          'tickets.get ',
          'TICKETS.GET',
          'tickets',
          '',
          'auth.login\u0000',
        ),
        fc.string({ unit: 'binary', maxLength: 40 }),
        brokenUtf16,
        hugeString,
        // Electron hands over whatever the renderer put in the message, not only strings.
        hostileClone.filter((m) => typeof m !== 'string'),
      );
      await tally.check(
        'ipc <unknown method>',
        fc
          .tuple(names, hostileClone)
          .filter(([m]) => typeof m !== 'string' || !Object.hasOwn(contract, m))
          .filter(([m, input]) => clonable(m) && clonable(input)),
        async ([method, input]) => {
          const r = await invoke(method as string, cloneWire(input));
          if (r.ok) throw new Error(`unknown method ${preview(method)} answered`);
          expect(expectClearError(r.error, 'unknown method').code).toBe('bad_request');
        },
      );
    },
    testTimeout(1),
  );

  it(
    'answers well-formed input naming records that do not exist with not_found, and writes nothing',
    async () => {
      const before = { replica: replica.full(), central: central.full() };
      const id = fc.uuid({ version: 7 });
      const text = fc.oneof(
        brokenUtf16,
        fc.string({ minLength: 1, maxLength: 50 }),
        fc.constantFrom('工单 ticket'),
      );
      const wrongIds = fc.oneof(
        fc.record({ method: fc.constant('tickets.get'), input: fc.record({ id }) }),
        fc.record({
          method: fc.constant('tickets.update'),
          input: fc.record({ id, patch: fc.record({ priority: fc.constantFrom('high', 'low') }) }),
        }),
        fc.record({
          method: fc.constant('tickets.resolveConflict'),
          input: fc.record({
            ticketId: id,
            field: fc.constantFrom('subject', 'status', 'priority', 'assigneeId'),
            keep: fc.constantFrom('mine', 'theirs'),
          }),
        }),
        fc.record({
          method: fc.constant('tickets.comment'),
          input: fc.record({ ticketId: id, body: text, internal: fc.boolean() }),
        }),
        fc.record({
          method: fc.constant('tickets.create'),
          input: fc.record({ customerId: id, subject: text, interactionId: fc.option(id) }),
        }),
        fc.record({ method: fc.constant('customers.get'), input: fc.record({ id }) }),
        fc.record({
          method: fc.constant('interactions.complete'),
          input: fc.record({ interactionId: id, disposition: fc.constant('resolved'), notes: text }),
        }),
      );
      await tally.check(
        'ipc <records that do not exist>',
        wrongIds.filter(({ method, input }) => contract[method as MethodName].input.safeParse(input).success),
        async ({ method, input }) => {
          const quick = { replica: replica.quick(), central: central.quick() };
          const r = await invoke(method, input);
          if (r.ok) throw new Error(`${method} found a record that does not exist: ${preview(r.output)}`);
          expect(expectClearError(r.error, method).code).toBe('not_found');
          expect({ replica: replica.quick(), central: central.quick() }).toEqual(quick);
        },
      );
      await expectUnharmed(before);
    },
    testTimeout(1),
  );
});

/** Inputs the fuzzer found that once broke a method, kept as fixed examples (they fail on the unfixed code). */
describe('regressions found by fuzzing', () => {
  it('names at most 20 wrong fields of an input with 100,000 wrong items, in a short message', async () => {
    const r = await invoke('tickets.search', { status: Array.from({ length: 100_000 }, () => 0) });
    expect(r.ok).toBe(false);
    const error = expectClearError((r as { error: unknown }).error, 'tickets.search');
    expect(error.code).toBe('bad_request');
    expect(error.issues).toHaveLength(20);
    expect(error.message).toMatch(/and 99980 more$/);
  });

  it('does not echo a megabyte method name back', async () => {
    const r = await invoke('x'.repeat(1_000_000), {});
    expect(expectClearError((r as { error: unknown }).error, 'unknown method').code).toBe('bad_request');
  });

  it('answers a method name that is not a string, even one whose toString is broken', async () => {
    for (const method of [JSON.parse('{"toString":"x"}') as unknown, 42, null, ['tickets.get']]) {
      const r = await invoke(method as string, {});
      expect(expectClearError((r as { error: unknown }).error, 'method of another type').code).toBe(
        'bad_request',
      );
    }
  });
});
