import type { TFunction } from 'i18next';
import type { ErrorBody } from '../../shared';
import { errorText } from '../i18n/error-text';

/**
 * Codes with which a sign-in is refused for a wrong user name or password. A sign-in has no session yet, so
 * the general 'unauthenticated' sentence ("...or your session has ended") would only confuse here;
 * 'invalid_credentials' is the code the server gives this case of its own.
 */
const WRONG_CREDENTIALS: readonly string[] = ['unauthenticated', 'invalid_credentials'];

/** What the sign-in screen says about a failed sign-in. */
export function loginErrorText(t: TFunction, body: ErrorBody): { headline: string; detail: string | null } {
  // The services' own words repeat the headline in English only: left out.
  if (WRONG_CREDENTIALS.includes(body.code)) return { headline: t('login.wrongCredentials'), detail: null };
  return errorText(t, body);
}
