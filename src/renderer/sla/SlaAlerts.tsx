import { Alert, Button, Snackbar } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { slaAlertKey, type SlaAlert } from '../../shared';
import { getApi } from '../api';
import { useFormat } from '../i18n';

/**
 * SLA warnings and breaches for this user, from the service's escalation rules or the desktop's own clock (each
 * key once: the session's SlaKeeper drops repeats from either source), one at a time, as a snackbar whose "Open ticket" is a button (Tab reaches it; Escape or Dismiss
 * closes), and as a system notification when the window is not focused (where the platform allows one).
 */
export function SlaAlerts({ onOpenTicket }: { onOpenTicket: (id: string) => void }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [queue, setQueue] = useState<SlaAlert[]>([]);
  const open = useRef(onOpenTicket);
  useEffect(() => {
    open.current = onOpenTicket;
  });

  const describe = (a: SlaAlert) => ({
    title: t(a.kind === 'breach' ? 'sla.alertBreach' : 'sla.alertWarning', {
      target: t(`sla.targets.${a.target}`),
      ticket: a.ticketNumber === null ? t('tickets.localNumber') : `#${a.ticketNumber}`,
      subject: a.subject,
    }),
    due: t('sla.alertDue', { time: fmt.absolute(a.dueAt) }),
  });
  const describeRef = useRef(describe);
  useEffect(() => {
    describeRef.current = describe;
  });

  useEffect(
    () =>
      getApi().on('sla.alert', (a) => {
        setQueue((q) => [...q, a]);
        notifySystem(a, describeRef.current(a), () => open.current(a.ticketId));
      }),
    [],
  );

  const current = queue[0] ?? null;
  const next = () => setQueue((q) => q.slice(1));
  if (!current) return null;
  const text = describe(current);
  return (
    <Snackbar
      key={slaAlertKey(current)}
      open
      anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
      onClose={(_, reason) => {
        if (reason !== 'clickaway') next();
      }}
    >
      <Alert
        data-testid="sla-alert"
        data-ticket-id={current.ticketId}
        severity={current.kind === 'breach' ? 'error' : 'warning'}
        variant="filled"
        onClose={next}
        slotProps={{ closeButton: { 'aria-label': t('sla.dismiss'), title: t('sla.dismiss') } as object }}
        action={undefined}
        sx={{ alignItems: 'center' }}
      >
        {text.title} · {text.due}
        <Button
          size="small"
          color="inherit"
          variant="outlined"
          data-testid="sla-alert-open"
          sx={{ ml: 1.5 }}
          onClick={() => {
            onOpenTicket(current.ticketId);
            next();
          }}
        >
          {t('sla.openTicket')}
        </Button>
      </Alert>
    </Snackbar>
  );
}

/** A system notification while the window is in the background (Electron, or a browser that allowed it). */
function notifySystem(a: SlaAlert, text: { title: string; due: string }, onClick: () => void): void {
  if (typeof Notification === 'undefined' || document.hasFocus()) return;
  const show = () => {
    const n = new Notification(text.title, { body: text.due, tag: slaAlertKey(a) });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  };
  if (Notification.permission === 'granted') show();
  else if (Notification.permission === 'default') {
    void Notification.requestPermission().then((p) => p === 'granted' && show());
  }
}
