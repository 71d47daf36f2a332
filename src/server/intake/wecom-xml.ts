import { SwitchboardError } from '../../shared';

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeText(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|lt|gt|amp|quot|apos);/g, (_m, e: string) => {
    if (e[0] !== '#') return ENTITIES[e]!;
    const code = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
  });
}

/**
 * The flat `<xml><Field>value</Field>…</xml>` a WeCom/WeChat message is: each child's text (CDATA or escaped).
 * Deliberately not a general XML parser: a DOCTYPE or entity declaration (XXE, entity expansion) is refused, and
 * nested elements are left out rather than interpreted.
 */
export function parseWecomXml(text: string): Record<string, string> {
  if (/<!DOCTYPE|<!ENTITY/i.test(text))
    throw new SwitchboardError('bad_request', 'XML with a DOCTYPE or entity declarations is not accepted.');
  const root = /^\s*(?:<\?xml[^>]*\?>\s*)?<xml>([\s\S]*)<\/xml>\s*$/.exec(text);
  if (!root) throw new SwitchboardError('bad_request', 'The XML body must be one <xml>…</xml> element.');
  const out: Record<string, string> = {};
  const child = /<([A-Za-z][A-Za-z0-9_]{0,63})>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g;
  for (const m of root[1]!.matchAll(child)) out[m[1]!] = m[2] ?? decodeText(m[3] ?? '');
  return out;
}
