import { parseUrl } from './url';

// Plain-text handling both sides share: what a customer sends is only ever shown as text. Links are found in
// the text and offered as links only when they are http(s): nothing else (javascript:, data:, ...) is ever a link.

export type TextSegment = { text: string } | { text: string; href: string };

const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/giu;
/** Punctuation that usually closes the sentence a link sits in rather than belonging to it. */
const TRAILING = /[.,;:!?)\]}。，；：！？）」』】]+$/u;

/**
 * The text cut into plain runs and links. Every segment is text to be set as text (textContent, a React child);
 * `href` is an absolute http(s) URL that parsed, safe to put in an anchor with rel="noopener noreferrer".
 */
export function textSegments(text: string): TextSegment[] {
  const out: TextSegment[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_IN_TEXT)) {
    const raw = m[0].replace(TRAILING, '');
    const start = m.index;
    const u = parseUrl(raw);
    const href = u && (u.protocol === 'http:' || u.protocol === 'https:') ? u.href : null;
    if (!href || raw === '') continue;
    if (start > last) out.push({ text: text.slice(last, start) });
    out.push({ text: raw, href });
    last = start + raw.length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/**
 * Characters dropped from what is stored: C0/C1 controls other than tab and newline, bidi overrides (which could
 * make a link read as another) and the zero-width characters that hide text. The rest is kept as typed.
 */
/* eslint-disable no-control-regex -- control characters are exactly what this removes. */
const UNSAFE_CHARS = new RegExp(
  '[\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069\\u200B\\u200E\\u200F\\uFEFF]',
  'gu',
);
/* eslint-enable no-control-regex */

export function cleanText(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(UNSAFE_CHARS, '').trim();
}

/** Chinese phrases asking for a person; matched anywhere, as Chinese has no spaces between words. */
const PERSON_ZH = /(转?人工|真人|客服人员|人工客服|找客服|接线员)/u;
/** English words asking for a person, matched as whole words. */
const PERSON_EN = /\b(agent|human|person|representative|operator|real people|someone real)\b/iu;

/** Whether a visitor's message asks to talk to a person (the chat then waits for an agent). */
export function asksForPerson(text: string): boolean {
  return PERSON_ZH.test(text) || PERSON_EN.test(text);
}
