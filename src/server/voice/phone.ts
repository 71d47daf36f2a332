import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** E.164 for a number as dialled or presented, or null when it is not a valid phone number (e.g. a SIP user). */
export function normalisePhone(raw: string, defaultRegion: CountryCode = 'CN'): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultRegion);
  return parsed && parsed.isValid() ? parsed.number : null;
}
