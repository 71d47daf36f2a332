import type { TFunction } from 'i18next';
import type { ErrorBody } from '../../shared';
import { errorText } from '../i18n/error-text';

/**
 * Codes with which a sign-in is refused for a wrong user name or password: the server's own, and
 * 'unauthenticated' from servers before it. A sign-in has no session yet, so the general 'unauthenticated'
 * sentence (about an ended session) would only confuse here.
 */
const WRONG_CREDENTIALS: readonly string[] = ['wrong_credentials', 'unauthenticated'];

/** What the sign-in screen says about a failed sign-in. */
export function loginErrorText(t: TFunction, body: ErrorBody): { headline: string; detail: string | null } {
  // The services' own words repeat the headline in English only: left out.
  if (WRONG_CREDENTIALS.includes(body.code)) return { headline: t('errors.wrong_credentials'), detail: null };
  // The headline already says how long to wait.
  if (body.code === 'too_many_attempts') return { ...errorText(t, body), detail: null };
  // Before any session, 'forbidden' is the desktop refusing a server address its operator did not allow; the
  // services' words name the allowed ones.
  if (body.code === 'forbidden') return { headline: t('login.serverNotAllowed'), detail: body.message };
  return errorText(t, body);
}

/**
 * What the sign-in screen says when an offline sign-in is refused: the services count and lock tries on this
 * computer, so "wrong password" here means "not the one last used here", never the server's verdict.
 */
export function offlineLoginErrorText(
  t: TFunction,
  body: ErrorBody,
): { headline: string; detail: string | null } {
  if (body.code === 'wrong_credentials') return { headline: t('login.offline.wrongPassword'), detail: null };
  return loginErrorText(t, body);
}
