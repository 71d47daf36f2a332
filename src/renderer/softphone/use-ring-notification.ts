import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { displayNumber } from './display-number';
import { usePhoneState } from './PhoneProvider';

/**
 * An OS notification while a call rings and the window is not in front (another application, minimised),
 * and the ringing number in the window title, so the call is noticed from anywhere. Clicking the
 * notification brings the window forward.
 */
export function useRingNotification(): void {
  const { t } = useTranslation();
  const { phone } = usePhoneState();
  const call = phone?.call;
  const ringing = call?.direction === 'incoming' && call.state === 'ringing' ? call : null;

  useEffect(() => {
    if (typeof Notification !== 'undefined' && Notification.permission === 'default') {
      void Notification.requestPermission().catch(() => {});
    }
  }, []);

  useEffect(() => {
    if (!ringing) return;
    const number = displayNumber(ringing.remoteNumber);
    const title = document.title;
    document.title = `☎ ${number} · ${title}`;
    let notification: Notification | null = null;
    if (
      typeof Notification !== 'undefined' &&
      Notification.permission === 'granted' &&
      (document.hidden || !document.hasFocus())
    ) {
      notification = new Notification(t('phone.notify.title'), {
        body: t('phone.notify.body', { name: ringing.remoteDisplayName ?? '', number }),
        tag: `switchboard-call-${ringing.id}`,
        requireInteraction: true,
      });
      notification.onclick = () => window.focus();
    }
    return () => {
      document.title = title;
      notification?.close();
    };
  }, [ringing?.id, t]); // eslint-disable-line react-hooks/exhaustive-deps
}
