import { Alert, Box, Button, Stack, TextField, Typography } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import { ErrorAlert } from '../common/ErrorAlert';
import { adminErrorText, adminMessage } from './admin-error-text';
import { useAdmin } from './admin-context';

export function WorkflowTab() {
  const { t } = useTranslation();
  const { overview, apply } = useAdmin();
  const [days, setDays] = useState(String(overview.config.workflow.autoCloseSolvedAfterDays));
  const [error, setError] = useState<ErrorBody | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setSaved(false);
    const refused = await apply({ op: 'workflow.update', input: { autoCloseSolvedAfterDays: Number(days) } });
    setBusy(false);
    setError(refused);
    setSaved(!refused);
  };
  const issue = error?.issues?.[0]?.message;
  const fieldError = issue && adminMessage(t, issue);
  return (
    <Box component="form" noValidate onSubmit={(e) => void save(e)} sx={{ maxWidth: 420 }}>
      <Stack spacing={1.5}>
        <Typography variant="subtitle2" component="h2" sx={{ fontWeight: 700 }}>
          {t('admin.tabs.workflow')}
        </Typography>
        <TextField
          label={t('admin.workflow.autoClose')}
          type="number"
          value={days}
          onChange={(e) => {
            setDays(e.target.value);
            setSaved(false);
          }}
          error={!!fieldError}
          helperText={fieldError ?? t('admin.workflow.autoCloseHelp')}
          slotProps={{ htmlInput: { min: 1, max: 365, 'data-testid': 'admin-workflow-days' } }}
        />
        {error && !fieldError && <ErrorAlert describe={adminErrorText} error={error} />}
        {saved && <Alert severity="success">{t('admin.saved')}</Alert>}
        <Box>
          <Button type="submit" variant="contained" disabled={busy} data-testid="admin-workflow-save">
            {t('admin.save')}
          </Button>
        </Box>
      </Stack>
    </Box>
  );
}
