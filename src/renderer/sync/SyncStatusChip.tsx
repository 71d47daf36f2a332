import CloudDoneIcon from '@mui/icons-material/CloudDoneOutlined';
import CloudOffIcon from '@mui/icons-material/CloudOffOutlined';
import CloudSyncIcon from '@mui/icons-material/CloudSyncOutlined';
import ReportIcon from '@mui/icons-material/ReportGmailerrorredOutlined';
import { Box, Chip, Stack, Tooltip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../../shared';
import { StateWord } from '../common/StateWord';
import { useFormat } from '../i18n';

const COLOR = { online: 'success', syncing: 'info', offline: 'warning', connecting: 'default' } as const;

export function SyncStatusChip({ status }: { status: SyncStatus | null }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const state = status?.state ?? 'connecting';
  // A storage fault is said in the agent's language (the services' own words are English).
  const lastError = status?.storageFault ? t(`errors.${status.storageFault}`) : (status?.lastError ?? null);
  const icon =
    state === 'online' ? <CloudDoneIcon /> : state === 'offline' ? <CloudOffIcon /> : <CloudSyncIcon />;
  const progress =
    state === 'syncing' && status && status.head > 0
      ? ` ${t('sync.progress', { cursor: status.cursor, head: status.head })}`
      : '';
  const tooltip = [
    status?.lastSyncedAt
      ? t('sync.lastSynced', { time: fmt.absolute(status.lastSyncedAt) })
      : t('sync.neverSynced'),
    lastError ? t('sync.lastError', { error: lastError }) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const pending = status?.pending ?? 0;
  // Online with a problem on record means the server refused a change (and the desktop took it back):
  // that must not hide in a tooltip, since the agent's work just disappeared from the screen.
  const refusal = state === 'online' && lastError ? lastError : null;
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      <Tooltip title={tooltip}>
        <Chip
          data-testid="sync-status"
          data-state={state}
          color={COLOR[state]}
          variant="outlined"
          icon={icon}
          label={
            <>
              {t(`sync.state.${state}`)}
              {progress}
              <StateWord word={state} label={t(`sync.state.${state}`)} />
            </>
          }
        />
      </Tooltip>
      <Tooltip title={t('sync.pendingHint', { count: pending })}>
        <Chip
          variant={pending > 0 ? 'filled' : 'outlined'}
          color={pending > 0 ? 'warning' : 'default'}
          aria-label={t('sync.pending')}
          label={
            <Box component="span">
              ↑ <span data-testid="pending-count">{pending}</span>
            </Box>
          }
        />
      </Tooltip>
      {refusal && (
        <Tooltip title={refusal}>
          <ReportIcon data-testid="sync-refusal" color="error" fontSize="small" aria-label={refusal} />
        </Tooltip>
      )}
      {status?.lastSyncedAt && (
        <Box
          component="span"
          sx={{ color: 'text.secondary', fontSize: 12, display: { xs: 'none', md: 'inline' } }}
          title={fmt.absolute(status.lastSyncedAt)}
        >
          {t('sync.lastSynced', { time: fmt.relative(status.lastSyncedAt) })}
        </Box>
      )}
    </Stack>
  );
}
