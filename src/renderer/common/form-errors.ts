import type { ErrorBody } from '../../shared';

/**
 * A refusal split for a form: messages about fields it shows go under those fields, anything else (and a
 * refusal with no field) stays for an alert above the buttons.
 */
export function splitFieldErrors<F extends string>(
  error: ErrorBody | null,
  fields: readonly F[],
): { byField: Partial<Record<F, string>>; rest: ErrorBody | null } {
  if (!error) return { byField: {}, rest: null };
  const byField: Partial<Record<F, string>> = {};
  const others: NonNullable<ErrorBody['issues']> = [];
  for (const issue of error.issues ?? []) {
    const field = fields.find((f) => issue.path === f);
    if (field && !byField[field]) byField[field] = issue.message;
    else others.push(issue);
  }
  const placed = Object.keys(byField).length > 0;
  if (placed && others.length === 0) return { byField, rest: null };
  return { byField, rest: placed ? { ...error, issues: others } : error };
}

/** Ctrl+Enter (Cmd+Enter on a Mac) submits a dialog from any of its fields, multi-line ones included. */
export const isSubmitChord = (e: { key: string; ctrlKey: boolean; metaKey: boolean }) =>
  e.key === 'Enter' && (e.ctrlKey || e.metaKey);
