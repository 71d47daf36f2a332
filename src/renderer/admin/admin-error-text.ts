import type { TFunction } from 'i18next';
import type { ErrorBody } from '../../shared';
import { errorText } from '../i18n';

/**
 * The general sentences, except `conflict`: in administration it means "this name, number or combination
 * exists already", not "someone edited the same ticket" as it does elsewhere.
 */
export function adminErrorText(t: TFunction, body: ErrorBody): ReturnType<typeof errorText> {
  if (body.code !== 'conflict') return errorText(t, body);
  const headline = t('admin.conflict');
  return { headline, detail: body.message ? t('errors.detail', { message: body.message }) : null };
}
