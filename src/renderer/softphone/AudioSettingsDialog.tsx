import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  LinearProgress,
  Stack,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { NativeSelectField } from '../common/NativeSelectField';
import { findChoice, type AudioRole } from './audio-devices';
import { startLevelMeter } from './level-meter';
import { useAudioDevices, usePhoneSession } from './PhoneProvider';

/**
 * Microphone, speaker and ringer, changeable at any time (also during a call), remembered for this agent
 * on this computer, with a live microphone level and a ringer test.
 */
export function AudioSettingsDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const session = usePhoneSession();
  const devices = useAudioDevices();
  const [level, setLevel] = useState(0);
  const [meterError, setMeterError] = useState<string | null>(null);
  const [testing, setTesting] = useState(false);
  const inputId = devices?.active.input ?? null;

  useEffect(() => {
    if (!open) return;
    let meter: { stop(): void } | null = null;
    let live = true;
    setMeterError(null);
    startLevelMeter(inputId, (l) => live && setLevel(l)).then(
      (m) => {
        if (live) {
          meter = m;
          // Permission given: device names can be read now.
          void session?.devices?.refresh();
        } else m.stop();
      },
      (e: unknown) => live && setMeterError(e instanceof Error ? e.message : String(e)),
    );
    return () => {
      live = false;
      meter?.stop();
      setLevel(0);
    };
  }, [open, inputId, session]);

  useEffect(() => {
    const phone = session?.phone;
    if (!phone) return;
    phone.testRinger(testing && open);
    return () => phone.testRinger(false);
  }, [testing, open, session]);

  if (!devices || !session?.devices) return null;
  const manager = session.devices;
  const unlabeled = devices.devices.inputs.every((d) => d.label === '');

  const field = (role: AudioRole, label: string, testId: string) => {
    const list = role === 'input' ? devices.devices.inputs : devices.devices.outputs;
    const chosen = devices.chosen[role];
    const present = findChoice(chosen, list);
    const value = present?.deviceId ?? '';
    return (
      <NativeSelectField
        label={label}
        testId={testId}
        value={value}
        fullWidth
        disabled={role !== 'input' && !devices.canChooseOutput}
        onChange={(id) =>
          void manager.choose(role, list.find((d) => d.deviceId === id) ?? null).catch(() => {})
        }
      >
        <option value="">
          {chosen && !present
            ? t('phone.devices.unplugged', { label: chosen.label })
            : t('phone.devices.systemDefault')}
        </option>
        {list
          .filter((d) => d.deviceId !== 'default' && d.deviceId !== '')
          .map((d, i) => (
            <option key={d.deviceId} value={d.deviceId}>
              {d.label || `${label} ${i + 1}`}
            </option>
          ))}
      </NativeSelectField>
    );
  };

  return (
    <Dialog open={open} onClose={onClose} maxWidth="xs" fullWidth data-testid="audio-settings">
      <DialogTitle>{t('phone.devices.title')}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ pt: 1 }}>
          {unlabeled && <Alert severity="info">{t('phone.devices.permission')}</Alert>}
          {field('input', t('phone.devices.microphone'), 'device-microphone')}
          <Stack spacing={0.5}>
            <Typography variant="caption" color="textSecondary">
              {t('phone.devices.level')}
            </Typography>
            <LinearProgress
              variant="determinate"
              value={Math.round(level * 100)}
              data-testid="mic-level"
              aria-label={t('phone.devices.level')}
              color={level > 0.9 ? 'warning' : 'success'}
            />
            {meterError && (
              <Typography variant="caption" color="error">
                {meterError}
              </Typography>
            )}
          </Stack>
          {field('output', t('phone.devices.speaker'), 'device-speaker')}
          {field('ringer', t('phone.devices.ringer'), 'device-ringer')}
          {!devices.canChooseOutput && <Alert severity="info">{t('phone.devices.noOutputChoice')}</Alert>}
          {devices.error && <Alert severity="warning">{devices.error}</Alert>}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={() => setTesting((v) => !v)} data-testid="ringer-test">
          {testing ? t('phone.devices.stopTest') : t('phone.devices.testRinger')}
        </Button>
        <Button
          variant="contained"
          onClick={() => {
            setTesting(false);
            onClose();
          }}
        >
          {t('phone.devices.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
