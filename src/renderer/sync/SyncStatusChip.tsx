import CloudDoneIcon from '@mui/icons-material/CloudDoneOutlined';
import CloudOffIcon from '@mui/icons-material/CloudOffOutlined';
import CloudSyncIcon from '@mui/icons-material/CloudSyncOutlined';
import UnsentIcon from '@mui/icons-material/ScheduleSendOutlined';
import { Box, Chip, Stack, Tooltip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { SyncStatus } from '../../shared';
import { StateWord } from '../common/StateWord';
import { useFormat } from '../i18n';

const COLOR = { online: 'success', syncing: 'info', offline: 'warning', connecting: 'default' } as const;

/**
 * Sync at a glance: the connection, what waits to go, and what the server did not take. A refusal is not
 * shown as its last sentence (online, lastError is the last refusal): the count of not-sent changes stands
 * for all of them and opens the list, where each has its reason and its text.
 */
export function SyncStatusChip({
  status,
  notSent,
  onOpenNotSent,
}: {
  status: SyncStatus | null;
  /** How many changes are in the not-sent list. */
  notSent: number;
  onOpenNotSent: () => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const state = status?.state ?? 'connecting';
  // A storage fault is said in the agent's language (the services' own words are English). Connected, the
  // last problem is a refusal, which the not-sent list tells better.
  const lastError = status?.storageFault
    ? t(`errors.${status.storageFault}`)
    : state === 'offline' || state === 'connecting'
      ? (status?.lastError ?? null)
      : null;
  const icon =
    state === 'online' ? <CloudDoneIcon /> : state === 'offline' ? <CloudOffIcon /> : <CloudSyncIcon />;
  const progress =
    state === 'syncing' && status && status.head > 0
      ? ` ${t('sync.progress', { cursor: status.cursor, head: status.head })}`
      : '';
  const tooltip = [
    // Issue 14: says which link this is, beside the agent's state and the phone (see the bar's legend).
    `${t('agentState.syncTooltip')}: ${t(`sync.state.${state}`)}`,
    status?.lastSyncedAt
      ? t('sync.lastSynced', { time: fmt.absolute(status.lastSyncedAt) })
      : t('sync.neverSynced'),
    lastError ? t('sync.lastError', { error: lastError }) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  const pending = status?.pending ?? 0;
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }} data-testid="sync-status-group">
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
      {/* The agent's work the server did not take left their screen: this must not hide in a tooltip. */}
      {notSent > 0 && (
        <Tooltip title={t('notSent.openHint', { count: notSent })}>
          <Chip
            data-testid="not-sent-open"
            color="error"
            variant="outlined"
            onClick={onOpenNotSent}
            aria-label={t('notSent.openLabel', { count: notSent })}
            aria-haspopup="dialog"
            icon={<UnsentIcon />}
            label={
              <Box component="span">
                {t('notSent.open')}{' '}
                <Box component="span" data-testid="not-sent-count" sx={{ fontWeight: 700 }}>
                  {notSent}
                </Box>
              </Box>
            }
          />
        </Tooltip>
      )}
      {status?.lastSyncedAt && (
        <Box
          component="span"
          sx={{
            color: 'text.secondary',
            fontSize: 12,
            whiteSpace: 'nowrap',
            display: { xs: 'none', lg: 'inline' },
          }}
          title={fmt.absolute(status.lastSyncedAt)}
        >
          {t('sync.lastSynced', { time: fmt.relative(status.lastSyncedAt) })}
        </Box>
      )}
    </Stack>
  );
}
