import PhoneDisabledIcon from '@mui/icons-material/PhoneDisabledOutlined';
import PhoneIcon from '@mui/icons-material/PhoneInTalkOutlined';
import SyncProblemIcon from '@mui/icons-material/SyncProblemOutlined';
import { Chip, Tooltip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { StateWord } from '../common/StateWord';
import { useNow } from '../i18n/use-now';
import { usePhoneSession, usePhoneState } from './PhoneProvider';

/**
 * Registration at a glance: registered / reconnecting (with the next retry) / failed and why. Clicking a
 * failed phone tries again at once.
 */
export function PhoneStatusChip() {
  const { t } = useTranslation();
  const session = usePhoneSession();
  const { account, phone } = usePhoneState();
  const now = useNow(1000);

  let word: string;
  let label: string;
  let hint: string | null = null;
  let color: 'success' | 'warning' | 'error' | 'default' = 'default';
  let retryable = false;
  if (account.status === 'loading') {
    word = 'loading';
    label = t('phone.reg.loading');
  } else if (account.status === 'none') {
    word = account.reason;
    label = t('phone.reg.none');
    hint = t(`phone.reason.${account.reason}`);
    color = account.reason === 'error' ? 'warning' : 'default';
    retryable = account.reason === 'error';
  } else {
    const reg = phone?.registration;
    const status = reg?.status ?? 'registering';
    word = status;
    const detail = reg?.detail ?? '';
    if (status === 'registered') {
      label = t('phone.reg.registered', { ext: account.extension });
      color = 'success';
    } else if (status === 'reconnecting') {
      const seconds = reg?.nextRetryAt ? Math.max(0, Math.ceil((reg.nextRetryAt - now) / 1000)) : 0;
      label = seconds > 0 ? t('phone.reg.reconnecting', { seconds }) : t('phone.reg.reconnectingNow');
      color = 'warning';
      if (reg?.reason) hint = t(`phone.reason.${reg.reason}`, { detail });
    } else if (status === 'failed') {
      label = t('phone.reg.failed');
      color = 'error';
      hint = reg?.reason ? t(`phone.reason.${reg.reason}`, { detail }) : null;
      retryable = true;
    } else if (status === 'unregistered') {
      label = t('phone.reg.unregistered');
    } else {
      label = t('phone.reg.registering');
    }
  }
  const icon =
    color === 'success' ? <PhoneIcon /> : color === 'warning' ? <SyncProblemIcon /> : <PhoneDisabledIcon />;
  const reason =
    account.status === 'ready'
      ? (phone?.registration.reason ?? '')
      : account.status === 'none'
        ? account.reason
        : '';
  return (
    <Tooltip
      title={[`${t('agentState.phoneTooltip')}: ${label}.`, hint, retryable ? t('phone.reason.retry') : null]
        .filter(Boolean)
        .join(' ')}
    >
      <Chip
        data-testid="phone-status"
        data-state={word}
        data-reason={reason}
        color={color}
        variant="outlined"
        icon={icon}
        onClick={retryable ? () => session?.retry() : undefined}
        label={
          <>
            {label}
            <StateWord word={word} label={label} />
          </>
        }
      />
    </Tooltip>
  );
}
