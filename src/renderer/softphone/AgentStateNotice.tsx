import { Alert, Button } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../i18n';
import { usePhoneSession, usePhoneState } from './PhoneProvider';

/**
 * Tells the agent when and why the server changed their state unasked (issue 14): a missed call, a disconnect
 * grace period, a supervisor (by name, with their note), a server restart, the wrap-up limit. It stays until
 * the agent dismisses it: a change that stops work from reaching them must not pass unseen. It sits in the page's
 * flow under the top bar, as the connection banner does, so a notice left standing covers no button of the
 * page below it (a floating one hid the chat's action bar).
 */
export function AgentStateNotice() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const session = usePhoneSession();
  const { agentNotice: n } = usePhoneState();
  if (!n) return null;
  const state =
    n.state === 'Break' && n.reason
      ? `${t('agentState.state.Break')} · ${t(`phone.agent.reasons.${n.reason}`)}`
      : t(`agentState.state.${n.state}`);
  const name = n.actorName ?? '';
  const text =
    n.kind === 'supervisor'
      ? n.note
        ? t('agentState.notice.supervisorNote', { name, state, note: n.note })
        : t('agentState.notice.supervisor', { name, state })
      : t(`agentState.notice.${n.kind}`, { state });
  const offerWork = n.state === 'Offline' || n.state === 'Break';
  return (
    <Alert
      severity={n.kind === 'supervisor' ? 'info' : 'warning'}
      variant="filled"
      role="alert"
      data-testid="agent-state-notice"
      data-kind={n.kind}
      action={
        <Button
          color="inherit"
          size="small"
          data-testid="agent-state-notice-dismiss"
          onClick={() => session?.dismissAgentNotice()}
        >
          {t('agentState.notice.dismiss')}
        </Button>
      }
      sx={{ borderRadius: 0, py: 0 }}
    >
      {text} {offerWork ? t('agentState.notice.next') : ''}{' '}
      <span style={{ opacity: 0.8 }}>{t('agentState.notice.at', { time: fmt.absolute(n.at) })}</span>
    </Alert>
  );
}
