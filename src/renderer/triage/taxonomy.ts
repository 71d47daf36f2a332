import { useTranslation } from 'react-i18next';
import type { Department } from '../../shared';
import {
  TAXONOMY_NAMES,
  TRIAGE_DEPARTMENTS,
  type TicketCategory,
  type TriageDepartment,
} from '../../shared/triage';

export type TaxonomyKey = TriageDepartment | TicketCategory;

/** A taxonomy value's name in the agent's language (the other language is the tooltip, see bothNames). */
export function useTaxonomyName(): (key: TaxonomyKey) => string {
  const { i18n } = useTranslation();
  const zh = i18n.language.startsWith('zh');
  return (key) => TAXONOMY_NAMES[key][zh ? 'zh' : 'en'];
}

/** Both names, the agent's language first ("Network outage · 网络故障"). */
export function bothNames(key: TaxonomyKey, language: string): string {
  const n = TAXONOMY_NAMES[key];
  return language.startsWith('zh') ? `${n.zh} · ${n.en}` : `${n.en} · ${n.zh}`;
}

const letters = (s: string) => s.toLowerCase().replace(/[^a-z]/g, '');

/**
 * The service department a taxonomy department stands for: the one whose code is the label (after_sales,
 * tech_support, billing) or its first word run together (the demo's aftersales, tech, billing). undefined: this
 * deployment has no such department, and a department correction is not offered.
 */
export function serviceDepartmentOf(
  label: TriageDepartment,
  departments: readonly Department[],
): Department | undefined {
  const whole = letters(label);
  return (
    departments.find((d) => letters(d.code) === whole) ??
    departments.find((d) => letters(d.code).length >= 4 && whole.startsWith(letters(d.code)))
  );
}

/** The taxonomy department of a service department, when it stands for one. */
export function triageDepartmentOf(
  department: Department | undefined,
  departments: readonly Department[],
): TriageDepartment | undefined {
  if (!department) return undefined;
  return TRIAGE_DEPARTMENTS.find((l) => serviceDepartmentOf(l, departments)?.id === department.id);
}
