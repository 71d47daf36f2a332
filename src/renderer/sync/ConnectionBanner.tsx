import { Alert, Box, Button } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { StorageFault, SyncStatus } from '../../shared';
import { getApi } from '../api';
import { useFormat, useNow } from '../i18n';

/**
 * A bar under the top bar while the server is out of reach: what is going on, when the next try is (counting
 * down), what waits to be sent and since when nothing synced. Styled like HostBanner, one level below it.
 */
export function ConnectionBanner({ status }: { status: SyncStatus | null }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const now = useNow(1000);
  const [asked, setAsked] = useState(false);
  const [dismissedAside, setDismissedAside] = useState<string | null>(null);
  if (!status) return null;
  // A storage fault outranks the connection: sync is stopped on this computer, whatever the network does.
  if (status.storageFault) return <StorageFaultBanner status={status} fault={status.storageFault} />;
  if (status.setAside && dismissedAside !== status.setAside.path) {
    const aside = status.setAside;
    return (
      <Alert
        severity="info"
        square
        role="status"
        data-testid="replica-set-aside"
        sx={{ py: 0, alignItems: 'center' }}
        action={
          <Button size="small" color="inherit" onClick={() => setDismissedAside(aside.path)}>
            {t('connection.dismiss')}
          </Button>
        }
      >
        {t('connection.setAside', { count: aside.recovered, path: aside.path })}
        {!aside.outboxReadable && ` ${t('connection.setAsideUnreadable')}`}
      </Alert>
    );
  }
  if (status.state === 'online' || status.state === 'syncing') return null;

  const offline = status.state === 'offline';
  const retryAt = status.nextRetryAt ? Date.parse(status.nextRetryAt) : null;
  const seconds = retryAt === null ? null : Math.max(0, Math.ceil((retryAt - now) / 1000));
  const headline = offline ? t('connection.offline') : t('connection.connecting');
  const retry =
    offline && seconds !== null
      ? seconds > 0
        ? t('connection.nextRetry', { seconds })
        : t('connection.retrying')
      : null;
  const details = [
    retry,
    status.pending > 0 ? t('connection.pending', { count: status.pending }) : null,
    status.lastSyncedAt
      ? t('connection.lastSynced', { time: fmt.relative(status.lastSyncedAt, now) })
      : t('connection.neverSynced'),
  ].filter(Boolean);

  const retryNow = () => {
    setAsked(true);
    void getApi()
      .invoke('sync.retryNow', {})
      .finally(() => setAsked(false));
  };

  return (
    <Alert
      severity={offline ? 'warning' : 'info'}
      square
      role="status"
      data-testid="connection-banner"
      data-state={status.state}
      sx={{ py: 0, alignItems: 'center' }}
      action={
        offline ? (
          <Button
            size="small"
            color="inherit"
            data-testid="connection-retry"
            disabled={asked}
            onClick={retryNow}
          >
            {t('connection.retryNow')}
          </Button>
        ) : undefined
      }
    >
      {headline}
      <Box component="span" sx={{ ml: 1, color: 'text.secondary' }} data-testid="connection-details">
        {details.join(' · ')}
      </Box>
    </Alert>
  );
}

/** Disk full, read-only folder, locked or damaged replica: what it is and what to do, with Retry where it helps. */
function StorageFaultBanner({ status, fault }: { status: SyncStatus; fault: StorageFault }) {
  const { t } = useTranslation();
  const [asked, setAsked] = useState(false);
  const retry = () => {
    setAsked(true);
    void getApi()
      .invoke('sync.retryNow', {})
      .finally(() => setAsked(false));
  };
  // A damaged replica does not heal while open: signing in again rebuilds it, so Retry would only fail again.
  const canRetry = fault !== 'storage_corrupt';
  return (
    <Alert
      severity="error"
      square
      role="alert"
      data-testid="storage-fault"
      data-fault={fault}
      sx={{ py: 0, alignItems: 'center' }}
      action={
        canRetry ? (
          <Button size="small" color="inherit" disabled={asked} onClick={retry}>
            {t('connection.retryNow')}
          </Button>
        ) : undefined
      }
    >
      {t(`errors.${fault}`)}
      <Box component="span" sx={{ ml: 1, color: 'text.secondary' }}>
        {[
          canRetry ? t('connection.storageStopped') : null,
          status.pending > 0 ? t('connection.pending', { count: status.pending }) : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </Box>
    </Alert>
  );
}
