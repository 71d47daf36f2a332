import type { CannedResponse } from '../../shared/chat/agent-protocol';
import type { Department } from '../../shared/domain';
import { CANNED_VARIABLES } from '../../shared/chat/agent-protocol';

export type CannedVariable = (typeof CANNED_VARIABLES)[number];
/** What the desktop knows for a chat; a variable it does not know stays as written, for the agent to fill. */
export type CannedValues = Partial<Record<CannedVariable, string | null>>;

/** {{customer.name}} and the rest filled in; unknown or unfilled variables are left in place, visibly. */
export function fillCanned(text: string, values: CannedValues): string {
  return text.replace(/\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/g, (whole, name: string) => {
    const v = (CANNED_VARIABLES as readonly string[]).includes(name) ? values[name as CannedVariable] : null;
    return v ? v : whole;
  });
}

/**
 * The "/word" being typed at the caret, when the composer holds a canned-response query: "/" at the start of
 * the text or after whitespace, followed by shortcut characters only.
 */
export function cannedQuery(text: string, caret: number): { start: number; query: string } | null {
  const before = text.slice(0, caret);
  const m = /(^|\s)\/([a-z0-9_-]{0,32})$/i.exec(before);
  if (!m) return null;
  return { start: caret - m[2]!.length - 1, query: m[2]!.toLowerCase() };
}

/**
 * Shortcuts that start with the query first, then those whose shortcut or title contains it; within each, the
 * chat's language first (a Chinese customer gets the Chinese greeting on Enter); at most 8.
 */
export function filterCanned(
  list: readonly CannedResponse[],
  query: string,
  language: CannedResponse['language'] | null = null,
): CannedResponse[] {
  const q = query.toLowerCase();
  const theirsFirst = (xs: CannedResponse[]) =>
    language
      ? [...xs.filter((c) => c.language === language), ...xs.filter((c) => c.language !== language)]
      : xs;
  const starts = list.filter((c) => c.shortcut.startsWith(q));
  const contains = list.filter(
    (c) => !c.shortcut.startsWith(q) && (c.shortcut.includes(q) || c.title.toLowerCase().includes(q)),
  );
  return [...theirsFirst(starts), ...theirsFirst(contains)].slice(0, 8);
}

/** A department's name in a chat's language (the agent's own where the chat has none): canned text goes to the customer. */
export function departmentName(
  d: Pick<Department, 'nameZh' | 'nameEn'> | null | undefined,
  language: CannedResponse['language'] | null,
  fallback: CannedResponse['language'] = 'zh-CN',
): string {
  if (!d) return '';
  return (language ?? fallback) === 'zh-CN' ? d.nameZh : d.nameEn;
}
