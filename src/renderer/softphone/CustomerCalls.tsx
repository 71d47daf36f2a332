import { Paper, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { InteractionRow } from '../../shared';
import { getApi } from '../api';
import { useDataChanged } from '../sync/use-data-changed';
import { CallHistoryList } from './CallHistoryList';

/** The calls section of a customer's page, from the local replica, kept current by sync. */
export function CustomerCalls({ customerId }: { customerId: string }) {
  const { t } = useTranslation();
  const [rows, setRows] = useState<InteractionRow[] | null>(null);
  const [generation, setGeneration] = useState(0);
  useDataChanged((c) => {
    if (c.all || c.customerIds.includes(customerId) || c.interactionIds.length > 0)
      setGeneration((g) => g + 1);
  });
  useEffect(() => {
    let live = true;
    getApi()
      .invoke('interactions.list', { customerId, limit: 50 })
      .then(
        (r) => live && setRows(r),
        () => live && setRows([]),
      );
    return () => {
      live = false;
    };
  }, [customerId, generation]);
  return (
    <Paper variant="outlined" sx={{ pb: 1 }} data-testid="customer-calls">
      <Typography variant="overline" color="textSecondary" sx={{ px: 1.5 }}>
        {t('phone.pop.lastCalls')} {rows ? `(${rows.length})` : ''}
      </Typography>
      {rows && <CallHistoryList rows={rows} detailed />}
    </Paper>
  );
}
