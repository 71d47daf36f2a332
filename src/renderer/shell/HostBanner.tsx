import { Alert } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { useHostConnection } from '../api/use-host-connection';

/** Says so when the desktop services are out of reach (browser mode: the host process stopped). */
export function HostBanner() {
  const { t } = useTranslation();
  const state = useHostConnection();
  if (state !== 'unreachable') return null;
  return (
    <Alert severity="warning" square data-testid="host-unreachable" sx={{ py: 0 }}>
      {t('host.unreachable')}
    </Alert>
  );
}
