import { Alert, Button, Stack } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody, TicketConflict } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { useFormat } from '../i18n';
import { useValueText } from './HistoryList';

/**
 * One alert per field the server refused because someone else changed it meanwhile: both values, who, and a
 * choice. The server's value is what the ticket shows until the agent keeps theirs.
 */
export function ConflictAlerts({
  ticketId,
  conflicts,
  onResolved,
}: {
  ticketId: string;
  conflicts: TicketConflict[];
  onResolved: () => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const valueText = useValueText();
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  if (conflicts.length === 0) return null;

  const resolve = async (field: TicketConflict['field'], keep: 'mine' | 'theirs') => {
    setBusy(field);
    setError(null);
    try {
      await getApi().invoke('tickets.resolveConflict', { ticketId, field, keep });
      onResolved();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(null);
    }
  };

  return (
    <Stack spacing={1} sx={{ mt: 1 }}>
      {conflicts.map((k) => (
        <Alert
          key={k.field}
          severity="warning"
          data-testid="conflict-alert"
          data-field={k.field}
          sx={{ py: 0, alignItems: 'center' }}
          action={
            <Stack direction="row" spacing={1}>
              <Button
                size="small"
                color="inherit"
                variant="outlined"
                data-testid="conflict-keep-mine"
                disabled={busy !== null}
                onClick={() => void resolve(k.field, 'mine')}
              >
                {t('conflict.keepMine')}
              </Button>
              <Button
                size="small"
                color="inherit"
                data-testid="conflict-keep-theirs"
                disabled={busy !== null}
                onClick={() => void resolve(k.field, 'theirs')}
              >
                {t('conflict.keepTheirs')}
              </Button>
            </Stack>
          }
        >
          <span title={fmt.absolute(k.changedAt)}>
            {t('conflict.line', {
              field: t(`detail.fields.${k.field}`),
              mine: valueText(k.field, k.mine),
              theirs: valueText(k.field, k.theirs),
              name: k.byYou ? t('conflict.youOnAnotherDevice') : k.changedByName,
            })}
          </span>
        </Alert>
      ))}
      {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
    </Stack>
  );
}
