import { describe, expect, it } from 'vitest';
import { ADMIN_MESSAGES, BusinessCalendar, CHINA_MAINLAND_CALENDAR } from '../../src/shared';
import {
  holidaysText,
  parseHolidays,
  parseHours,
  parseWorkdays,
  workdaysText,
} from '../../src/renderer/admin/calendar-text';
import { en } from '../../src/renderer/i18n/locales/en';
import { zhCN } from '../../src/renderer/i18n/locales/zh-CN';

describe('admin screen text', () => {
  it('has every field message of src/shared/admin in English (as the API says it) and in Chinese', () => {
    for (const [key, english] of Object.entries(ADMIN_MESSAGES)) {
      expect(en.admin.msg[key as keyof typeof en.admin.msg], key).toBe(english);
      expect(zhCN.admin.msg[key as keyof typeof zhCN.admin.msg], key).toMatch(/[\u4e00-\u9fff]/);
    }
  });

  it('reads calendars back exactly as it writes them (the China calendar round-trips)', () => {
    const holidays = parseHolidays(holidaysText(CHINA_MAINLAND_CALENDAR.holidays));
    const workdays = parseWorkdays(workdaysText(CHINA_MAINLAND_CALENDAR.workdays));
    expect(holidays).toEqual(CHINA_MAINLAND_CALENDAR.holidays);
    expect(workdays).toEqual(CHINA_MAINLAND_CALENDAR.workdays);
    expect(BusinessCalendar.parse({ ...CHINA_MAINLAND_CALENDAR, holidays, workdays })).toEqual(
      CHINA_MAINLAND_CALENDAR,
    );
  });

  it('takes hours as typed and names a line it cannot read', () => {
    expect(parseHours('9:00-12:00， 13:00 - 18:00')).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '18:00' },
    ]);
    expect(parseHours('')).toEqual([]);
    expect(parseHours('nine to five')).toBeNull();
    expect(parseHolidays('2026-01-01 元旦\n\nfirst of may')).toEqual({ line: 3, text: 'first of may' });
    expect(parseWorkdays('2026-02-14 调休')).toEqual({ line: 1, text: '2026-02-14 调休' });
  });
});
