import type { CustomFieldValue, CustomFieldValues, TicketStatus } from '../domain/ticket';
import type { CustomFieldDefinition } from './schemas';

/**
 * Checks a ticket's custom field values against its department's definitions, on the server and (with the
 * cached configuration) on the desktop offline. Only values that change are checked against the definitions,
 * so a ticket transferred with another department's values keeps them; required fields must be filled before a
 * ticket is solved or closed, as Zendesk asks.
 */

export interface FieldValueIssue {
  key: string;
  message: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

const isEmpty = (v: CustomFieldValue | undefined) =>
  v === undefined || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);

function valueIssue(def: CustomFieldDefinition, value: CustomFieldValue): string | null {
  const name = def.labelEn;
  switch (def.type) {
    case 'text':
      return typeof value === 'string' ? null : `${name} takes text.`;
    case 'number':
      return typeof value === 'number' ? null : `${name} takes a number.`;
    case 'date':
      return typeof value === 'string' && DATE.test(value) && !Number.isNaN(Date.parse(value))
        ? null
        : `${name} takes a date as YYYY-MM-DD.`;
    case 'singleChoice':
      return typeof value === 'string' && def.options.some((o) => o.value === value)
        ? null
        : `${name} takes one of: ${def.options.map((o) => o.value).join(', ')}.`;
    case 'multiChoice':
      return Array.isArray(value) && value.every((v) => def.options.some((o) => o.value === v))
        ? null
        : `${name} takes some of: ${def.options.map((o) => o.value).join(', ')}.`;
  }
}

/** The department's active definitions, in the order the admin made them. */
export const fieldsOfDepartment = (
  definitions: readonly CustomFieldDefinition[],
  departmentId: string,
): CustomFieldDefinition[] => definitions.filter((d) => d.active && d.departmentId === departmentId);

export function customFieldIssues(
  definitions: readonly CustomFieldDefinition[],
  departmentId: string,
  before: CustomFieldValues,
  after: CustomFieldValues,
  /** The state the change moves the ticket to, when it solves or closes it; null otherwise. */
  closingAs: Extract<TicketStatus, 'solved' | 'closed'> | null,
): FieldValueIssue[] {
  const mine = new Map(fieldsOfDepartment(definitions, departmentId).map((d) => [d.key, d]));
  const issues: FieldValueIssue[] = [];
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(before[key]) === JSON.stringify(value)) continue;
    const def = mine.get(key);
    if (!def) {
      issues.push({ key, message: `This department has no custom field "${key}".` });
      continue;
    }
    const issue = isEmpty(value) ? null : valueIssue(def, value);
    if (issue) issues.push({ key, message: issue });
  }
  if (closingAs !== null) {
    for (const def of mine.values()) {
      if (def.required && isEmpty(after[def.key]))
        issues.push({ key: def.key, message: `Fill in ${def.labelEn} before the ticket is ${closingAs}.` });
    }
  }
  return issues;
}

/** Values with the empty ones left out: a cleared field is absent, so "empty" has one spelling. */
export function withoutEmpty(values: CustomFieldValues): CustomFieldValues {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => !isEmpty(v)));
}
