import NoAccountsIcon from '@mui/icons-material/NoAccountsOutlined';
import { Alert, Box, Button, Stack, TextField } from '@mui/material';
import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody, SessionInfo } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';

/**
 * While a session signed in offline is not yet accepted by the server: says what that means for the agent's
 * work, and once the server is reachable, asks for the password in place (the agent keeps working meanwhile;
 * nothing is sent until the server has checked it).
 */
export function OfflineSignInBanner({ session }: { session: SessionInfo }) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const offline = session.offline;
  if (!offline) return null;

  const confirm = async (e: FormEvent) => {
    e.preventDefault();
    if (busy || !password) return;
    setBusy(true);
    setError(null);
    try {
      await getApi().invoke('auth.confirm', { password });
      setPassword('');
    } catch (err) {
      const body = errorBodyOf(err);
      // A refused password is said by the banner itself (refusal), in the agent's language.
      setError(body.code === 'wrong_credentials' ? null : body);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Alert
      severity={offline.refusal ? 'warning' : 'info'}
      square
      role="status"
      icon={<NoAccountsIcon fontSize="inherit" />}
      data-testid="offline-signin"
      data-check={offline.check}
      data-refusal={offline.refusal ?? ''}
      sx={{ py: 0.5, '& .MuiAlert-message': { width: '100%' } }}
    >
      <Box data-testid="offline-signin-text">{t('offlineSession.banner')}</Box>
      {offline.refusal && (
        <Box sx={{ fontWeight: 600 }} data-testid="offline-signin-refusal">
          {t(`offlineSession.${offline.refusal}`)}
        </Box>
      )}
      {offline.check === 'password' && (
        <Stack
          component="form"
          direction="row"
          spacing={1}
          onSubmit={confirm}
          sx={{ mt: 0.5, alignItems: 'center', flexWrap: 'wrap' }}
        >
          <Box sx={{ mr: 1 }}>{t('offlineSession.passwordNeeded')}</Box>
          <TextField
            size="small"
            type="password"
            label={t('offlineSession.password')}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            disabled={busy}
            autoComplete="current-password"
            slotProps={{ htmlInput: { 'data-testid': 'offline-confirm-password' } }}
            sx={{ width: 200 }}
          />
          <Button
            type="submit"
            variant="contained"
            size="small"
            disabled={busy || !password}
            data-testid="offline-confirm-submit"
          >
            {busy ? t('offlineSession.checking') : t('offlineSession.confirm')}
          </Button>
        </Stack>
      )}
      {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
    </Alert>
  );
}
