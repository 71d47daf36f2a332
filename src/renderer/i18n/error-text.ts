import type { TFunction } from 'i18next';
import type { ErrorBody } from '../../shared';

/** How long to wait before signing in again, in the agent's language: seconds under a minute, else minutes. */
function waitText(t: TFunction, seconds: number | undefined): string {
  if (seconds === undefined) return t('errors.waitAWhile');
  if (seconds < 60) return t('errors.waitSeconds', { count: seconds });
  return t('errors.waitMinutes', { count: Math.ceil(seconds / 60) });
}

/** What to tell the agent about a failure: the next step for its code, then what the services said. */
export function errorText(t: TFunction, body: ErrorBody): { headline: string; detail: string | null } {
  const headline =
    body.code === 'too_many_attempts'
      ? t('errors.too_many_attempts', { wait: waitText(t, body.retryAfterSeconds) })
      : t(`errors.${body.code}`);
  const detail =
    body.message && body.message !== headline ? t('errors.detail', { message: body.message }) : null;
  return { headline, detail };
}
