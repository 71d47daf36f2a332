import type { QualityRuleKind } from '../../shared/quality';
import {
  DEFAULT_RULES,
  type QualityContactKind,
  type QualityPart,
  type QualityRule,
  type QualitySeverity,
} from '../../shared/quality';
import { sentimentOf } from './sentiment';

/** A department's rules, every kind present (defaults where never changed). */
export type RuleSet = Record<QualityRuleKind, QualityRule>;

export const defaultRuleSet = (): RuleSet => structuredClone(DEFAULT_RULES);

/** One contact as the checks read it (contacts.ts builds it from the store). */
export interface ContactInput {
  kind: QualityContactKind;
  id: string;
  departmentId: string;
  agentId: string | null;
  channel: string;
  title: string;
  /** The contact's time: a chat's end, a ticket's latest comment, a call's wrap-up. */
  at: string;
  /** In order; agent parts are what the agent said or wrote to the customer, customer parts what they said. */
  parts: QualityPart[];
  call: {
    holdSeconds: number;
    transfers: number;
    disposition: string | null;
    durationSeconds: number | null;
  } | null;
  slaBreached: boolean;
}

export interface FindingDraft {
  rule: QualityRuleKind;
  severity: QualitySeverity;
  partId: string | null;
  start: number | null;
  end: number | null;
  excerpt: string;
}

/** Findings of one rule in one contact at most (a pasted wall of text is not a hundred findings). */
const MAX_PER_RULE = 20;
/** Characters of a part the text rules read (a very long mail is read in its first 20,000). */
const MAX_TEXT = 20_000;
/** Greeting: within the first characters of a reply; closing: within its last. */
const OPENING_CHARS = 160;
const CLOSING_CHARS = 240;

const HAN = /\p{Script=Han}/u;
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A phrase as a pattern: case-insensitive; Latin words whole ("hi" is not in "this"), Chinese anywhere (no
 * spaces between words). Compiled patterns are cached per source.
 */
const compiled = new Map<string, RegExp>();
function regexOf(source: string): RegExp | null {
  let re = compiled.get(source);
  if (re) return re;
  try {
    re = new RegExp(source, 'giu');
  } catch {
    return null;
  }
  if (compiled.size > 5000) compiled.clear();
  compiled.set(source, re);
  return re;
}
function phraseSource(phrase: string): string {
  const p = escape(phrase.trim());
  if (HAN.test(phrase)) return p;
  return `(?<![\\p{L}\\p{N}])${p}(?![\\p{L}\\p{N}])`;
}

interface Match {
  start: number;
  end: number;
  text: string;
}

function matchesOf(text: string, rule: QualityRule, limit = MAX_PER_RULE): Match[] {
  const out: Match[] = [];
  const sources = [...rule.phrases.map(phraseSource), ...rule.patterns];
  const body = text.slice(0, MAX_TEXT);
  for (const s of sources) {
    const re = regexOf(s);
    if (!re) continue;
    re.lastIndex = 0;
    for (let m = re.exec(body); m && out.length < limit; m = re.exec(body)) {
      if (m[0].length === 0) {
        re.lastIndex++;
        continue;
      }
      if (!out.some((o) => m!.index < o.end && o.start < m!.index + m![0].length))
        out.push({ start: m.index, end: m.index + m[0].length, text: m[0] });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

const hasAny = (text: string, rule: QualityRule) => matchesOf(text, rule, 1).length > 0;
const clip = (s: string, n = 80) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** Runs every enabled rule of the set over one contact. Pure: the same input and rules give the same findings. */
export function checkContact(c: ContactInput, rules: RuleSet): FindingDraft[] {
  const out: FindingDraft[] = [];
  const add = (rule: QualityRule, f: Omit<FindingDraft, 'rule' | 'severity'>) =>
    out.push({ rule: rule.kind, severity: rule.severity, ...f });
  const agentParts = c.parts.filter((p) => p.role === 'agent');
  // The customer's words: what they wrote, and for a call the notes the agent took of what the caller said.
  const customerParts = c.kind === 'call' ? c.parts : c.parts.filter((p) => p.role === 'customer');

  const greeting = rules.greeting;
  const closing = rules.closing;
  if (c.kind === 'chat' && agentParts.length > 0) {
    // A chat is one conversation: the agent greets in their first message and closes in their last.
    const first = agentParts[0]!;
    const last = agentParts.at(-1)!;
    if (greeting.enabled && !hasAny(first.text, greeting))
      add(greeting, { partId: first.id, start: null, end: null, excerpt: clip(first.text) });
    if (closing.enabled && !hasAny(last.text, closing))
      add(closing, { partId: last.id, start: null, end: null, excerpt: clip(last.text) });
  } else if (c.kind === 'ticket') {
    // Each reply to the customer (a mail, a public comment) is a letter of its own: it opens and closes.
    for (const p of agentParts) {
      if (greeting.enabled && !hasAny(p.text.slice(0, OPENING_CHARS), greeting))
        add(greeting, { partId: p.id, start: null, end: null, excerpt: clip(p.text) });
      if (closing.enabled && !hasAny(p.text.slice(-CLOSING_CHARS), closing))
        add(closing, { partId: p.id, start: null, end: null, excerpt: clip(p.text.slice(-80)) });
    }
  }

  for (const kind of ['forbidden', 'promise'] as const) {
    const rule = rules[kind];
    if (!rule.enabled) continue;
    let n = 0;
    for (const p of agentParts)
      for (const m of matchesOf(p.text, rule))
        if (n++ < MAX_PER_RULE) add(rule, { partId: p.id, start: m.start, end: m.end, excerpt: m.text });
  }

  const sentiment = rules.negative_sentiment;
  if (sentiment.enabled) {
    const bar = -(sentiment.threshold ?? 3);
    for (const p of customerParts) {
      const s = sentimentOf(p.text.slice(0, MAX_TEXT), sentiment.phrases);
      if (s.score > bar) continue;
      const words = s.negative.slice(0, 5);
      if (words.length === 0)
        add(sentiment, { partId: p.id, start: null, end: null, excerpt: String(s.score) });
      for (const w of words) add(sentiment, { partId: p.id, start: w.start, end: w.end, excerpt: w.text });
    }
  }

  if (c.call) {
    const hold = rules.long_hold;
    if (hold.enabled && c.call.holdSeconds >= (hold.threshold ?? 180))
      add(hold, { partId: null, start: null, end: null, excerpt: String(c.call.holdSeconds) });
    const transfers = rules.transfers;
    if (transfers.enabled && c.call.transfers >= (transfers.threshold ?? 2))
      add(transfers, { partId: null, start: null, end: null, excerpt: String(c.call.transfers) });
  }
  if (c.slaBreached && rules.sla_breach.enabled)
    add(rules.sla_breach, { partId: null, start: null, end: null, excerpt: 'breached' });
  return out;
}
