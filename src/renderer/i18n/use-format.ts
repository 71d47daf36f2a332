import { useTranslation } from 'react-i18next';
import type { Department } from '../../shared';
import { absoluteTime, relativeTime } from './relative-time';

/** Formatting that follows the chosen language: times, department names. */
export function useFormat() {
  const { i18n } = useTranslation();
  const lang = i18n.language;
  return {
    lang,
    relative: (iso: string, now?: number) => relativeTime(iso, lang, now),
    absolute: (iso: string) => absoluteTime(iso, lang),
    department: (d: Department | null | undefined) => (d ? (lang === 'zh-CN' ? d.nameZh : d.nameEn) : ''),
  };
}
