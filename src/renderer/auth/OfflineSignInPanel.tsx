import CloudOffIcon from '@mui/icons-material/CloudOffOutlined';
import { Alert, AlertTitle, Box, Button } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { MethodOutput } from '../../shared';
import { useFormat } from '../i18n';

/**
 * Shown on the sign-in screen once the server proved unreachable: what offline sign-in can and cannot do,
 * and the button for it when this user signed in online here before and it is not locked.
 */
export function OfflineSignInPanel({
  status,
  busy,
  onSignIn,
}: {
  status: MethodOutput<'auth.offlineStatus'>;
  busy: boolean;
  onSignIn: () => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const usable = status.available && !status.locked;
  return (
    <Alert
      severity={usable ? 'info' : 'warning'}
      icon={<CloudOffIcon fontSize="inherit" />}
      data-testid="login-offline"
      data-available={String(usable)}
      sx={{ '& .MuiAlert-message': { width: '100%' } }}
    >
      <AlertTitle>{t('login.offline.title')}</AlertTitle>
      {!status.available ? (
        <Box data-testid="login-offline-reason">{t('login.offline.none')}</Box>
      ) : status.locked ? (
        <Box data-testid="login-offline-reason">{t('login.offline.locked')}</Box>
      ) : (
        <>
          <Box sx={{ mb: 1 }}>{t('login.offline.explain')}</Box>
          {status.lastOnlineAt && (
            <Box sx={{ fontSize: '0.9em', opacity: 0.85 }}>
              {t('login.offline.lastOnline', { time: fmt.relative(status.lastOnlineAt) })}
            </Box>
          )}
          <Box sx={{ fontSize: '0.9em', opacity: 0.85 }} data-testid="login-offline-attempts">
            {t('login.offline.attemptsLeft', { count: status.attemptsLeft })}
          </Box>
          <Button
            variant="outlined"
            color="inherit"
            size="small"
            disabled={busy}
            onClick={onSignIn}
            data-testid="login-offline-submit"
            sx={{ mt: 1 }}
          >
            {t('login.offline.submit')}
          </Button>
        </>
      )}
    </Alert>
  );
}
