import type { TFunction } from 'i18next';
import type { ErrorBody } from '../../shared';

/** What to tell the agent about a failure: the next step for its code, then what the services said. */
export function errorText(t: TFunction, body: ErrorBody): { headline: string; detail: string | null } {
  const headline = t(`errors.${body.code}`);
  const detail =
    body.message && body.message !== headline ? t('errors.detail', { message: body.message }) : null;
  return { headline, detail };
}
