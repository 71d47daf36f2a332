import CloudDoneIcon from '@mui/icons-material/CloudDoneOutlined';
import CloudUploadIcon from '@mui/icons-material/CloudUploadOutlined';
import SyncProblemIcon from '@mui/icons-material/SyncProblemOutlined';
import { Chip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { StateWord } from '../common/StateWord';

const COLOR = { synced: 'success', pending: 'warning', conflict: 'error' } as const;
const ICON = { synced: CloudDoneIcon, pending: CloudUploadIcon, conflict: SyncProblemIcon };

export function SyncStateChip({ state }: { state: 'synced' | 'pending' | 'conflict' }) {
  const Icon = ICON[state];
  const { t } = useTranslation();
  return (
    <Chip
      data-testid="ticket-sync-state"
      data-state={state}
      variant="outlined"
      color={COLOR[state]}
      icon={<Icon />}
      label={
        <>
          {t(`detail.syncState.${state}`)}
          <StateWord word={state} label={t(`detail.syncState.${state}`)} />
        </>
      }
    />
  );
}
