import type { TFunction } from 'i18next';
import { ADMIN_MESSAGES, QUEUE_ADMIN_MESSAGES, type AdminMessageKey, type ErrorBody } from '../../shared';
import { errorText } from '../i18n';

const KEYS = new Map<string, string>([
  ...(Object.entries(ADMIN_MESSAGES) as [AdminMessageKey, string][]).map(
    ([k, v]) => [v as string, `admin.msg.${k}`] as const,
  ),
  // Queue settings (issue 14, queue helper): their own block of the locales.
  ...Object.entries(QUEUE_ADMIN_MESSAGES).map(([k, v]) => [v as string, `queueWait.msg.${k}`] as const),
]);

/** A field message of src/shared/admin in the admin's language; any other message as it came. */
export const adminMessage = (t: TFunction, message: string): string => {
  const key = KEYS.get(message);
  return key ? t(key) : message;
};

/**
 * A refusal as the admin screen shows it: field messages in the admin's language, and paths from the form's
 * point of view (the desktop checks the whole action first, so its paths start at `input.`).
 */
export function localizeRefusal(t: TFunction, error: ErrorBody): ErrorBody {
  return {
    ...error,
    issues: error.issues?.map((i) => ({
      path: i.path.replace(/^input\./, ''),
      message: adminMessage(t, i.message),
    })),
  };
}

/**
 * The general sentences, except `conflict`: in administration it means "this name, number or combination
 * exists already", not "someone edited the same ticket" as it does elsewhere.
 */
export function adminErrorText(t: TFunction, body: ErrorBody): ReturnType<typeof errorText> {
  if (body.code !== 'conflict') return errorText(t, body);
  const headline = t('admin.conflict');
  return { headline, detail: body.message ? t('errors.detail', { message: body.message }) : null };
}
