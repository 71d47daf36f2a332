import type { TFunction } from 'i18next';
import { durationParts } from './sla-view';

/** "2h 15m" / "2 小时 15 分": the list's compact form. */
export function shortDuration(t: TFunction, ms: number): string {
  const { days, hours, minutes } = durationParts(ms);
  const parts = days
    ? [t('sla.short.d', { count: days }), ...(hours ? [t('sla.short.h', { count: hours })] : [])]
    : hours
      ? [t('sla.short.h', { count: hours }), ...(minutes ? [t('sla.short.m', { count: minutes })] : [])]
      : [t('sla.short.m', { count: minutes })];
  return parts.join(t('sla.short.join'));
}

/** "2 hours 1 minute" / "2 小时 1 分钟": the detail's form, in proper plurals. */
export function longDuration(t: TFunction, ms: number): string {
  const { days, hours, minutes } = durationParts(ms);
  const parts = [
    ...(days ? [t('sla.days', { count: days })] : []),
    ...(hours ? [t('sla.hours', { count: hours })] : []),
    ...(minutes || (!days && !hours) ? [t('sla.minutes', { count: minutes })] : []),
  ];
  return parts.join(t('sla.longJoin'));
}
