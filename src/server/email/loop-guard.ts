import type { ParsedMail } from 'mailparser';

/**
 * Why a mail must not become a ticket or a comment: answering it would start or feed a mail loop (an
 * out-of-office answering our reply, which answers it, ...), or nobody wrote it for us to answer. RFC 3834
 * (Auto-Submitted), the de-facto X-Autoreply / X-Autorespond and Precedence headers, mailing lists (List-Id).
 * null: a person's mail.
 */
export function automaticMailReason(mail: ParsedMail, envelopeFrom: string | null): string | null {
  // The raw header lines: mailparser folds some headers into others (List-Id into `list`).
  const lines = new Map<string, string>();
  for (const l of mail.headerLines) {
    const value = l.line.slice(l.line.indexOf(':') + 1);
    lines.set(l.key.toLowerCase(), value.replace(/\s+/g, ' ').trim().toLowerCase());
  }
  const text = (name: string): string => lines.get(name) ?? '';
  const has = (name: string) => lines.has(name);
  // The null sender is what bounces and other delivery reports use (RFC 5321 4.5.5): never answered.
  if (envelopeFrom === null || envelopeFrom === '') return 'bounce (empty envelope sender)';
  const auto = text('auto-submitted');
  if (auto && auto !== 'no') return `auto-submitted: ${auto}`;
  if (has('x-autoreply')) return 'x-autoreply';
  if (has('x-autorespond')) return 'x-autorespond';
  const precedence = text('precedence');
  if (['bulk', 'junk', 'list', 'auto_reply'].includes(precedence)) return `precedence: ${precedence}`;
  if (has('list-id')) return 'mailing list (list-id)';
  const type = text('content-type');
  if (type.startsWith('multipart/report')) return 'delivery report';
  return null;
}
