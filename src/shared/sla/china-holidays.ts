import { BusinessCalendar, type BusinessCalendarInput, type DayHours } from './calendar';

/**
 * Example calendar for a mainland-China service desk: Monday to Friday 09:00-12:00 and 13:00-18:00 (an eight-hour
 * day with the usual lunch break, so "8 business hours" means one working day), public holidays closed, and the
 * 调休 make-up working days open with the same hours even though they fall on a weekend.
 *
 * Source: 国务院办公厅关于2025年部分节假日安排的通知 (State Council General Office, Nov 2024) for 2025, and the
 * notice on the 2026 holidays (Nov 2025) for 2026.
 * CAVEAT: the 2026 dates were entered from memory of that notice, not copied from the published text; check
 * them against the notice on www.gov.cn before production use. The State Council publishes each year's dates
 * only around November of the year before, so an admin has to add every next year by hand (or by import).
 * This is data, not code: admins edit calendars; this one is a starting point and a test fixture.
 */
const DAY: DayHours = [
  { start: '09:00', end: '12:00' },
  { start: '13:00', end: '18:00' },
];

export const CHINA_MAINLAND_CALENDAR_INPUT: BusinessCalendarInput = {
  id: 'cn-mainland',
  name: '中国大陆工作日 Mainland China business days',
  timeZone: 'Asia/Shanghai',
  weekly: { mon: DAY, tue: DAY, wed: DAY, thu: DAY, fri: DAY, sat: [], sun: [] },
  holidays: [
    // 2025 (State Council notice of Nov 2024)
    { date: '2025-01-01', name: '元旦 New Year’s Day' },
    { date: '2025-01-28', name: '春节 Spring Festival' },
    { date: '2025-01-29', name: '春节 Spring Festival' },
    { date: '2025-01-30', name: '春节 Spring Festival' },
    { date: '2025-01-31', name: '春节 Spring Festival' },
    { date: '2025-02-01', name: '春节 Spring Festival' },
    { date: '2025-02-02', name: '春节 Spring Festival' },
    { date: '2025-02-03', name: '春节 Spring Festival' },
    { date: '2025-02-04', name: '春节 Spring Festival' },
    { date: '2025-04-04', name: '清明节 Qingming' },
    { date: '2025-04-05', name: '清明节 Qingming' },
    { date: '2025-04-06', name: '清明节 Qingming' },
    { date: '2025-05-01', name: '劳动节 Labour Day' },
    { date: '2025-05-02', name: '劳动节 Labour Day' },
    { date: '2025-05-03', name: '劳动节 Labour Day' },
    { date: '2025-05-04', name: '劳动节 Labour Day' },
    { date: '2025-05-05', name: '劳动节 Labour Day' },
    { date: '2025-05-31', name: '端午节 Dragon Boat' },
    { date: '2025-06-01', name: '端午节 Dragon Boat' },
    { date: '2025-06-02', name: '端午节 Dragon Boat' },
    { date: '2025-10-01', name: '国庆节、中秋节 National Day and Mid-Autumn' },
    { date: '2025-10-02', name: '国庆节、中秋节 National Day and Mid-Autumn' },
    { date: '2025-10-03', name: '国庆节、中秋节 National Day and Mid-Autumn' },
    { date: '2025-10-04', name: '国庆节、中秋节 National Day and Mid-Autumn' },
    { date: '2025-10-05', name: '国庆节、中秋节 National Day and Mid-Autumn' },
    { date: '2025-10-06', name: '国庆节、中秋节 National Day and Mid-Autumn' },
    { date: '2025-10-07', name: '国庆节、中秋节 National Day and Mid-Autumn' },
    { date: '2025-10-08', name: '国庆节、中秋节 National Day and Mid-Autumn' },
    // 2026 (State Council notice of Nov 2025; VERIFY against the published notice before production use)
    { date: '2026-01-01', name: '元旦 New Year’s Day' },
    { date: '2026-01-02', name: '元旦 New Year’s Day' },
    { date: '2026-01-03', name: '元旦 New Year’s Day' },
    { date: '2026-02-15', name: '春节 Spring Festival' },
    { date: '2026-02-16', name: '春节 Spring Festival' },
    { date: '2026-02-17', name: '春节 Spring Festival' },
    { date: '2026-02-18', name: '春节 Spring Festival' },
    { date: '2026-02-19', name: '春节 Spring Festival' },
    { date: '2026-02-20', name: '春节 Spring Festival' },
    { date: '2026-02-21', name: '春节 Spring Festival' },
    { date: '2026-02-22', name: '春节 Spring Festival' },
    { date: '2026-02-23', name: '春节 Spring Festival' },
    { date: '2026-04-04', name: '清明节 Qingming' },
    { date: '2026-04-05', name: '清明节 Qingming' },
    { date: '2026-04-06', name: '清明节 Qingming' },
    { date: '2026-05-01', name: '劳动节 Labour Day' },
    { date: '2026-05-02', name: '劳动节 Labour Day' },
    { date: '2026-05-03', name: '劳动节 Labour Day' },
    { date: '2026-05-04', name: '劳动节 Labour Day' },
    { date: '2026-05-05', name: '劳动节 Labour Day' },
    { date: '2026-06-19', name: '端午节 Dragon Boat' },
    { date: '2026-06-20', name: '端午节 Dragon Boat' },
    { date: '2026-06-21', name: '端午节 Dragon Boat' },
    { date: '2026-09-25', name: '中秋节 Mid-Autumn' },
    { date: '2026-09-26', name: '中秋节 Mid-Autumn' },
    { date: '2026-09-27', name: '中秋节 Mid-Autumn' },
    { date: '2026-10-01', name: '国庆节 National Day' },
    { date: '2026-10-02', name: '国庆节 National Day' },
    { date: '2026-10-03', name: '国庆节 National Day' },
    { date: '2026-10-04', name: '国庆节 National Day' },
    { date: '2026-10-05', name: '国庆节 National Day' },
    { date: '2026-10-06', name: '国庆节 National Day' },
    { date: '2026-10-07', name: '国庆节 National Day' },
  ],
  workdays: [
    // 2025
    { date: '2025-01-26', hours: DAY, name: '春节调休' },
    { date: '2025-02-08', hours: DAY, name: '春节调休' },
    { date: '2025-04-27', hours: DAY, name: '劳动节调休' },
    { date: '2025-09-28', hours: DAY, name: '国庆节调休' },
    { date: '2025-10-11', hours: DAY, name: '国庆节调休' },
    // 2026 (VERIFY as above)
    { date: '2026-01-04', hours: DAY, name: '元旦调休' },
    { date: '2026-02-14', hours: DAY, name: '春节调休' },
    { date: '2026-02-28', hours: DAY, name: '春节调休' },
    { date: '2026-05-09', hours: DAY, name: '劳动节调休' },
    { date: '2026-09-20', hours: DAY, name: '国庆节调休' },
    { date: '2026-10-10', hours: DAY, name: '国庆节调休' },
  ],
};

export const CHINA_MAINLAND_CALENDAR: BusinessCalendar = BusinessCalendar.parse(
  CHINA_MAINLAND_CALENDAR_INPUT,
);
