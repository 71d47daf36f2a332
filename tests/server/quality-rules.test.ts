import { describe, expect, it } from 'vitest';
import { checkContact, defaultRuleSet, type ContactInput } from '../../src/server/quality/rules';
import type { QualityPart } from '../../src/shared/quality';

/** The quality checks themselves (src/server/quality/rules.ts) on planted text, in Chinese and English. */
const part = (id: string, role: QualityPart['role'], text: string): QualityPart => ({
  id,
  role,
  author: role,
  at: '2026-12-05T10:00:00.000Z',
  text,
});
const contact = (over: Partial<ContactInput>): ContactInput => ({
  kind: 'chat',
  id: 'c1',
  departmentId: 'd1',
  agentId: 'a1',
  channel: 'chat',
  title: '',
  at: '2026-12-05T10:00:00.000Z',
  parts: [],
  call: null,
  slaBreached: false,
  ...over,
});
const marked = (c: ContactInput, f: { partId: string | null; start: number | null; end: number | null }) =>
  c.parts.find((p) => p.id === f.partId)!.text.slice(f.start!, f.end!);

describe('quality rules', () => {
  it('finds a missing greeting and closing in a chat, and not when the agent greets and closes', () => {
    const bad = contact({
      parts: [
        part('m1', 'customer', '我的快递三天没动了'),
        part('m2', 'agent', '单号发我'),
        part('m3', 'agent', '好'),
      ],
    });
    const rules = checkContact(bad, defaultRuleSet()).map((f) => [f.rule, f.partId]);
    expect(rules).toContainEqual(['greeting', 'm2']);
    expect(rules).toContainEqual(['closing', 'm3']);
    const good = contact({
      parts: [
        part('m1', 'customer', 'my parcel has not moved'),
        part('m2', 'agent', 'Hello! Let me check the tracking for you.'),
        part('m3', 'agent', 'It is out for delivery. Anything else I can help with?'),
      ],
    });
    expect(checkContact(good, defaultRuleSet()).map((f) => f.rule)).toEqual([]);
    // "hi" is a whole word: "this" does not greet.
    const hidden = contact({ parts: [part('m2', 'agent', 'this is the tracking number. Thanks')] });
    expect(checkContact(hidden, defaultRuleSet()).map((f) => f.rule)).toEqual(['greeting']);
  });

  it('marks forbidden phrases and refund or date promises in both languages', () => {
    const c = contact({
      kind: 'ticket',
      channel: 'email',
      parts: [
        part('d', 'customer', '退款呢？'),
        part('r1', 'agent', '您好，我保证明天到账，这事不归我管。祝您生活愉快'),
        part('r2', 'agent', "Hi Sam, you'll get your refund by Friday. Calm down please. Regards"),
      ],
    });
    const found = checkContact(c, defaultRuleSet());
    const texts = found
      .filter((f) => f.rule !== 'greeting' && f.rule !== 'closing')
      .map((f) => [f.rule, marked(c, f)]);
    expect(texts).toContainEqual(['promise', '保证明天到账']);
    expect(texts).toContainEqual(['forbidden', '不归我管']);
    expect(texts).toContainEqual(['promise', 'refund by Friday']);
    expect(texts).toContainEqual(['forbidden', 'Calm down']);
    // The replies greet and close: nothing else.
    expect(found.filter((f) => f.rule === 'greeting' || f.rule === 'closing')).toEqual([]);
    // A usual processing time is no promise.
    const fine = contact({
      parts: [part('a', 'agent', '您好，退款一般在3到5个工作日内处理，还有其他问题吗')],
    });
    expect(checkContact(fine, defaultRuleSet())).toEqual([]);
  });

  it('finds negative sentiment of the customer in Chinese (with negation) and English', () => {
    const zh = contact({ parts: [part('v', 'customer', '垃圾服务，气死我了，我要投诉！')] });
    const zhFound = checkContact(zh, defaultRuleSet()).filter((f) => f.rule === 'negative_sentiment');
    expect(zhFound.map((f) => marked(zh, f))).toEqual(['垃圾', '气死', '投诉']);
    // Negated: "不生气" and a satisfied customer are not negative; "不满意" is.
    const calm = contact({ parts: [part('v', 'customer', '我不生气，很满意，谢谢')] });
    expect(checkContact(calm, defaultRuleSet()).filter((f) => f.rule === 'negative_sentiment')).toEqual([]);
    const unhappy = contact({ parts: [part('v', 'customer', '非常不满意，太失望了')] });
    expect(checkContact(unhappy, defaultRuleSet()).some((f) => f.rule === 'negative_sentiment')).toBe(true);
    const en = contact({
      parts: [part('v', 'customer', 'This is the worst service ever, I am furious and disappointed')],
    });
    const enFound = checkContact(en, defaultRuleSet()).filter((f) => f.rule === 'negative_sentiment');
    expect(enFound.map((f) => marked(en, f))).toEqual(
      expect.arrayContaining(['worst', 'furious', 'disappointed']),
    );
    const ok = contact({ parts: [part('v', 'customer', 'Not bad at all, thank you, I am happy now')] });
    expect(checkContact(ok, defaultRuleSet()).filter((f) => f.rule === 'negative_sentiment')).toEqual([]);
    // The agent's own words are not the customer's sentiment.
    const agentSays = contact({ parts: [part('a', 'agent', '您好，别生气，投诉渠道在这里，再见')] });
    expect(checkContact(agentSays, defaultRuleSet()).filter((f) => f.rule === 'negative_sentiment')).toEqual(
      [],
    );
  });

  it('finds long holds, many transfers and SLA breaches from the records', () => {
    const call = contact({
      kind: 'call',
      channel: 'voice',
      call: { holdSeconds: 400, transfers: 2, disposition: 'resolved', durationSeconds: 600 },
    });
    expect(checkContact(call, defaultRuleSet()).map((f) => [f.rule, f.excerpt])).toEqual([
      ['long_hold', '400'],
      ['transfers', '2'],
    ]);
    const short = {
      ...call,
      call: { holdSeconds: 30, transfers: 1, disposition: null, durationSeconds: 60 },
    };
    expect(checkContact(short, defaultRuleSet())).toEqual([]);
    const ticket = contact({ kind: 'ticket', slaBreached: true });
    expect(checkContact(ticket, defaultRuleSet()).map((f) => f.rule)).toEqual(['sla_breach']);
  });

  it('leaves a disabled rule silent and follows changed phrases, patterns and thresholds', () => {
    const c = contact({
      parts: [
        part('a', 'agent', '您好，我保证明天到账，回头见。谢谢'),
        part('v', 'customer', '这个产品真坑'),
      ],
      call: { holdSeconds: 100, transfers: 0, disposition: null, durationSeconds: 10 },
    });
    const rules = defaultRuleSet();
    expect(checkContact(c, rules).map((f) => f.rule)).toEqual(['promise']);
    rules.promise.enabled = false;
    rules.forbidden.phrases = ['回头见'];
    rules.long_hold.threshold = 60;
    rules.negative_sentiment.phrases = ['真坑'];
    expect(checkContact(c, rules).map((f) => [f.rule, f.excerpt])).toEqual([
      ['forbidden', '回头见'],
      ['negative_sentiment', '真坑'],
      ['long_hold', '100'],
    ]);
  });
});
