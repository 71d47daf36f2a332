import DialpadIcon from '@mui/icons-material/Dialpad';
import HeadsetIcon from '@mui/icons-material/HeadsetOutlined';
import { IconButton, Stack, Tooltip } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AgentStateMenu } from './AgentStateMenu';
import { IndicatorLegend } from './IndicatorLegend';
import { AudioSettingsDialog } from './AudioSettingsDialog';
import { DialDialog } from './DialDialog';
import { usePhoneDial } from './use-phone-dial';
import { PhoneStatusChip } from './PhoneStatusChip';
import { usePhoneState } from './PhoneProvider';
import { SHORTCUT_KEYS, usePhoneShortcuts } from './use-phone-shortcuts';
import { useRingNotification } from './use-ring-notification';

/** The phone in the top bar: registration, agent state, dialling and audio devices. */
export function PhoneBar() {
  const { t } = useTranslation();
  const { account } = usePhoneState();
  const dial = usePhoneDial();
  const [dialOpen, setDialOpen] = useState(false);
  const [audioOpen, setAudioOpen] = useState(false);
  useRingNotification();
  usePhoneShortcuts({ dial: () => dial.canDial && setDialOpen(true) });
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
      <AgentStateMenu />
      <PhoneStatusChip />
      <IndicatorLegend />
      <Tooltip title={`${t('phone.call.dial')} (${SHORTCUT_KEYS.dial})`}>
        <span>
          <IconButton
            size="small"
            data-testid="dial-open"
            disabled={!dial.canDial}
            onClick={() => setDialOpen(true)}
            aria-label={t('phone.call.dial')}
          >
            <DialpadIcon fontSize="small" />
          </IconButton>
        </span>
      </Tooltip>
      <Tooltip title={t('phone.devices.open')}>
        <span>
          <IconButton
            size="small"
            data-testid="audio-open"
            disabled={account.status !== 'ready'}
            onClick={() => setAudioOpen(true)}
            aria-label={t('phone.devices.open')}
          >
            <HeadsetIcon fontSize="small" />
          </IconButton>
        </span>
      </Tooltip>
      <DialDialog
        open={dialOpen}
        title={t('phone.call.dial')}
        testId="dial-dialog"
        onClose={() => setDialOpen(false)}
        actions={[{ label: t('phone.call.call'), testId: 'dial-call', run: (n) => dial.call(n) }]}
      />
      <AudioSettingsDialog open={audioOpen} onClose={() => setAudioOpen(false)} />
    </Stack>
  );
}
