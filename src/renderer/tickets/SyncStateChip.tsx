import CloudDoneIcon from '@mui/icons-material/CloudDoneOutlined';
import CloudUploadIcon from '@mui/icons-material/CloudUploadOutlined';
import { Chip } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { StateWord } from '../common/StateWord';

export function SyncStateChip({ state }: { state: 'synced' | 'pending' }) {
  const { t } = useTranslation();
  return (
    <Chip
      data-testid="ticket-sync-state"
      data-state={state}
      variant="outlined"
      color={state === 'pending' ? 'warning' : 'success'}
      icon={state === 'pending' ? <CloudUploadIcon /> : <CloudDoneIcon />}
      label={
        <>
          {t(`detail.syncState.${state}`)}
          <StateWord word={state} label={t(`detail.syncState.${state}`)} />
        </>
      }
    />
  );
}
