import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Page } from 'playwright-core';
import { saveTranscript } from '../../src/server/chat-routing/transcript';
import { openDatabase } from '../../src/server/db/open';
import { QUALITY_REST } from '../../src/shared/quality';
import { apiLogin, e2eWorld, shootBothLanguages, signIn } from './harness';

/**
 * Quality review end to end (issue 15): the demo service, the browser-mode host, Chromium. A chat of agent01
 * ends with a forbidden phrase and no greeting; super01 draws the sample, opens the chat from the queue, sees
 * the findings marked in the transcript, scores it with the digit keys and returns the feedback; agent01 gets
 * the notice, reads the score and comment under My reviews and acknowledges it.
 * SWITCHBOARD_SCREENS=<folder>: quality-review, quality-rules and quality-mine in en and zh.
 */
vi.setConfig({ hookTimeout: 420_000, testTimeout: 180_000 });
let chatId = '';
let agentId = '';
const world = e2eWorld('sb-e2e-quality-', async (w) => {
  const db = openDatabase(join(w.dir.path, 'server.sqlite'));
  try {
    const users = await db.selectFrom('users').select(['id', 'username', 'department_id']).execute();
    const agent = users.find((u) => u.username === 'agent01')!;
    agentId = agent.id;
    const sessionId = randomUUID();
    const at = (s: number) => new Date(Date.now() - 900_000 + s * 1000).toISOString();
    await db
      .insertInto('chat_sessions')
      .values({
        id: sessionId,
        visitor_id: randomUUID(),
        site_id: 'e2e',
        department_id: agent.department_id!,
        queue_id: null,
        customer_id: null,
        state: 'ended',
        agent_id: agent.id,
        last_seq: 4,
        agent_delivered_seq: 4,
        agent_read_seq: 4,
        visitor_delivered_seq: 4,
        visitor_read_seq: 4,
        language: 'zh-CN',
        created_at: at(0),
        updated_at: at(120),
        handoff_at: at(1),
        ended_at: at(120),
      })
      .execute();
    const lines: [string, string][] = [
      ['visitor', '耳机坏了，退款到现在还没到账，太失望了，我要投诉！'],
      ['agent', '订单号发一下'],
      ['agent', '我保证明天到账，这个不归我管，你找快递'],
      ['visitor', 'ok'],
    ];
    await db
      .insertInto('chat_messages')
      .values(
        lines.map(([sender, body], i) => ({
          id: randomUUID(),
          session_id: sessionId,
          seq: i + 1,
          sender,
          author_id: sender === 'agent' ? agent.id : null,
          client_id: null,
          client_key: null,
          body,
          name: sender === 'agent' ? '坐席一' : null,
          event: null,
          attachments: null,
          article_id: null,
          created_at: at(10 + i * 20),
        })),
      )
      .execute();
    await saveTranscript(db, sessionId);
    chatId = (
      await db
        .selectFrom('chat_interactions')
        .select('id')
        .where('session_id', '=', sessionId)
        .executeTakeFirstOrThrow()
    ).id;
  } finally {
    await db.destroy();
  }
  // The supervisor samples every contact of the week here, so the chat is in the queue for certain.
  const sup = await apiLogin(w.server.url, 'super01');
  const res = await fetch(`${w.server.url}${QUALITY_REST.settings}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sup.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      departmentId: sup.user.departmentId,
      rubric: [
        { key: 'greeting', labelEn: 'Greeting', labelZh: '问候', weight: 1, max: 5 },
        { key: 'solution', labelEn: 'Solution', labelZh: '解决方案', weight: 2, max: 5 },
        { key: 'tone', labelEn: 'Tone', labelZh: '语气态度', weight: 2, max: 5 },
        { key: 'compliance', labelEn: 'Compliance', labelZh: '合规', weight: 2, max: 5 },
      ],
      sampling: { perAgent: 100, periodDays: 7, findingsWeight: 3 },
    }),
  });
  if (!res.ok) throw new Error(`settings: ${res.status} ${await res.text()}`);
});

async function open(): Promise<Page> {
  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  return context.newPage();
}

describe('quality review', () => {
  it('a supervisor scores a sampled chat beside its findings and the agent sees the feedback', async () => {
    const sup = await open();
    await signIn(sup, { hostUrl: world.host.url, serverUrl: world.server.url }, 'super01');
    await sup.getByTestId('nav-quality').click();
    await sup.getByTestId('quality-page').waitFor();
    await sup.getByTestId('quality-sample').click();
    const item = sup.locator(`[data-testid="quality-queue-item"][data-contact="${chatId}"]`);
    await item.waitFor({ timeout: 60_000 });
    await item.click();
    // The findings are listed beside the transcript and marked in it.
    await sup.locator('[data-testid="quality-finding"][data-rule="forbidden"]').waitFor();
    await expect
      .poll(() => sup.locator('[data-testid="quality-mark"][data-rule="forbidden"]').textContent())
      .toBe('不归我管');
    expect(await sup.locator('[data-testid="quality-mark"][data-rule="promise"]').textContent()).toBe(
      '保证明天到账',
    );
    expect(await sup.locator('[data-testid="quality-finding"][data-rule="greeting"]').count()).toBe(1);
    // Keyboard scoring: focus the screen, digits score item after item.
    await sup.getByTestId('quality-review').focus();
    for (const k of ['2', '3', '4', '1']) await sup.keyboard.press(k);
    // (2/5*1 + 3/5*2 + 4/5*2 + 1/5*2) / 7 = 3.6 / 7
    await expect.poll(() => sup.getByTestId('quality-total').textContent()).toBe('Total 51.4 / 100');
    await sup.getByTestId('quality-comment').fill('Greet the customer, and never promise a refund date.');
    await shootBothLanguages(sup, 'quality-review');
    await sup.getByTestId('quality-return').click();
    await sup.getByText('Feedback returned to').waitFor();
    await sup.getByTestId('quality-tab-rules').click();
    await sup.locator('[data-testid="quality-rule"][data-kind="promise"]').waitFor();
    await shootBothLanguages(sup, 'quality-rules');
    // The score is in the supervisor's report, beside the department's other figures.
    await sup.getByTestId('nav-reports').click();
    await sup.getByTestId('reports-page').waitFor();
    // The service counts days in its own zone (Asia/Shanghai by default), which may be a day ahead of UTC.
    await sup.getByTestId('reports-to').fill(new Date(Date.now() + 86_400_000).toISOString().slice(0, 10));
    const score = sup.locator(
      `[data-testid="reports-row"][data-key="${agentId}"] [data-column="qualityScore"]`,
    );
    await score.waitFor({ timeout: 120_000 });
    await expect.poll(() => score.textContent()).toBe('51.4 (1)');
    await shootBothLanguages(sup, 'quality-report');
    await sup.context().close();

    const agent = await open();
    await signIn(agent, { hostUrl: world.host.url, serverUrl: world.server.url }, 'agent01');
    await agent.getByTestId('quality-notice').waitFor({ timeout: 30_000 });
    const problems: string[] = [];
    agent.on('pageerror', (e) => problems.push(String(e)));
    await agent.getByTestId('nav-quality').click();
    const review = agent.getByTestId('quality-mine-review').first();
    await review.waitFor().catch(async (e: unknown) => {
      await agent.screenshot({ path: '/tmp/quality-e2e-agent.png' });
      throw new Error(`${String(e)}; page errors: ${problems.join(' | ')}`);
    });
    expect(await review.getByTestId('quality-mine-total').textContent()).toBe('51.4');
    expect(await review.getByTestId('quality-mine-comment').textContent()).toBe(
      'Greet the customer, and never promise a refund date.',
    );
    await shootBothLanguages(agent, 'quality-mine');
    await review.getByTestId('quality-ack').click();
    await review.getByText('Acknowledged').waitFor();
    await agent.context().close();
  });
});
