import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/**
 * Phone numbers in one place for every part: stored and matched as E.164, shown the way people read them.
 * libphonenumber-js carries Google's metadata for every region, so "138 0013 8000", "+86 138-0013-8000"
 * and "008613800138000" all find the same customer.
 */

/** E.164 for a number as dialled or presented, or null when it is not a valid phone number (e.g. a SIP user). */
export function normalisePhone(raw: string, defaultRegion: CountryCode = 'CN'): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion);
  return parsed && parsed.isValid() ? parsed.number : null;
}

/** An E.164 number in international format for display ("+86 138 0013 8000"); unparseable input unchanged. */
export function formatPhone(e164: string): string {
  return parsePhoneNumberFromString(e164)?.formatInternational() ?? e164;
}

/** Where Chinese is the language people are usually served in. */
const CHINESE_SPEAKING = new Set<CountryCode>(['CN', 'TW', 'HK', 'MO', 'SG']);

/**
 * The language a new customer most likely wants, from where their number is: Chinese for numbers of
 * Chinese-speaking regions, English for any other valid number, null when the number says nothing (empty or
 * not a phone number), so the caller keeps its own default.
 */
export function languageForPhone(raw: string, defaultRegion: CountryCode = 'CN'): 'zh-CN' | 'en' | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion);
  if (!parsed || !parsed.isValid() || !parsed.country) return null;
  return CHINESE_SPEAKING.has(parsed.country) ? 'zh-CN' : 'en';
}
