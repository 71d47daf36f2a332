import {
  Alert,
  Box,
  Button,
  Checkbox,
  CircularProgress,
  FormControlLabel,
  FormHelperText,
  LinearProgress,
  Paper,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody, MethodOutput, SessionInfo } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { loginErrorText, offlineLoginErrorText } from './login-error';
import { OfflineSignInPanel } from './OfflineSignInPanel';
import { HostBanner } from '../shell/HostBanner';
import { LanguageSwitch } from '../shell/LanguageSwitch';
import { ThemeSwitch } from '../shell/ThemeSwitch';

const SERVER_KEY = 'switchboard.serverUrl';
const USER_KEY = 'switchboard.username';
const DEFAULT_SERVER = 'http://127.0.0.1:4000';

export function LoginScreen({
  onLoggedIn,
  notice,
  initialError,
}: {
  /** rememberRequested: the agent asked to be remembered where the services said they could. */
  onLoggedIn: (session: SessionInfo, rememberRequested: boolean) => void;
  notice?: string | null;
  initialError?: ErrorBody | null;
}) {
  const { t } = useTranslation();
  const [serverUrl, setServerUrl] = useState(() => localStorage.getItem(SERVER_KEY) ?? DEFAULT_SERVER);
  const [username, setUsername] = useState(() => localStorage.getItem(USER_KEY) ?? '');
  const [password, setPassword] = useState('');
  const [remember, setRemember] = useState(true);
  // null until the services answer: the box stays as it was, and only a definite "no" turns it off.
  const [canRemember, setCanRemember] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(initialError ?? null);
  /** Set once the server proved unreachable: whether and how this user may sign in offline here. */
  const [offline, setOffline] = useState<MethodOutput<'auth.offlineStatus'> | null>(null);
  const [offlineTried, setOfflineTried] = useState(false);

  useEffect(() => {
    let live = true;
    getApi()
      .invoke('auth.canRemember', {})
      .then(
        ({ available }) => live && setCanRemember(available),
        () => {},
      );
    return () => {
      live = false;
    };
  }, []);

  const rememberChecked = remember && canRemember !== false;

  const signIn = async (asOffline: boolean) => {
    if (busy) return;
    setBusy(true);
    setError(null);
    setOfflineTried(asOffline);
    const server = serverUrl.trim();
    try {
      const session = await getApi().invoke('auth.login', {
        serverUrl: server,
        username,
        password,
        remember: rememberChecked,
        offline: asOffline,
      });
      localStorage.setItem(SERVER_KEY, server);
      localStorage.setItem(USER_KEY, username.trim());
      onLoggedIn(session, rememberChecked && canRemember === true);
    } catch (err) {
      const body = errorBodyOf(err);
      // Only an unreachable server offers the offline way (a "no" from the server is final); after an
      // offline try, the tries left change.
      const offerOffline = asOffline || body.code === 'unavailable';
      const status = offerOffline
        ? await getApi()
            .invoke('auth.offlineStatus', { serverUrl: server, username })
            .catch(() => null)
        : null;
      setOffline(status);
      // The panel says why an offline sign-in is not possible (locked, never online here).
      setError(asOffline && body.code === 'forbidden' ? null : body);
      setBusy(false);
    }
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void signIn(false);
  };

  return (
    <Box sx={{ minHeight: '100vh', display: 'flex', flexDirection: 'column', bgcolor: 'background.default' }}>
      <HostBanner />
      <Stack direction="row" spacing={1} sx={{ justifyContent: 'flex-end', p: 1 }}>
        <LanguageSwitch />
        <ThemeSwitch />
      </Stack>
      <Box sx={{ flex: 1, display: 'flex', alignItems: 'center', justifyContent: 'center', p: 2 }}>
        <Paper variant="outlined" sx={{ width: 360, overflow: 'hidden' }}>
          <LinearProgress sx={{ visibility: busy ? 'visible' : 'hidden' }} />
          <Box component="form" onSubmit={submit} noValidate sx={{ p: 3 }}>
            <Typography variant="h6" component="h1">
              {t('app.name')}
            </Typography>
            <Typography variant="body2" sx={{ mb: 2, color: 'text.secondary' }}>
              {t('login.subtitle')} · {t('login.title')}
            </Typography>
            <Stack spacing={1.5}>
              {notice && <Alert severity="info">{notice}</Alert>}
              <TextField
                label={t('login.server')}
                helperText={t('login.serverHelp')}
                value={serverUrl}
                onChange={(e) => {
                  setServerUrl(e.target.value);
                  setOffline(null);
                }}
                disabled={busy}
                fullWidth
                slotProps={{
                  htmlInput: { 'data-testid': 'login-server', inputMode: 'url', spellCheck: false },
                }}
              />
              <TextField
                label={t('login.username')}
                value={username}
                onChange={(e) => {
                  setUsername(e.target.value);
                  setOffline(null);
                }}
                disabled={busy}
                autoFocus={!username}
                fullWidth
                autoComplete="username"
                slotProps={{ htmlInput: { 'data-testid': 'login-username' } }}
              />
              <TextField
                label={t('login.password')}
                type="password"
                autoFocus={!!username}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                disabled={busy}
                fullWidth
                autoComplete="current-password"
                slotProps={{ htmlInput: { 'data-testid': 'login-password' } }}
              />
              <Box>
                <FormControlLabel
                  control={
                    <Checkbox
                      checked={rememberChecked}
                      onChange={(e) => setRemember(e.target.checked)}
                      disabled={busy || canRemember === false}
                      slotProps={{
                        input: {
                          'data-testid': 'login-remember',
                          'aria-describedby':
                            canRemember === false ? 'login-remember-unavailable' : undefined,
                        } as object,
                      }}
                    />
                  }
                  label={
                    <Typography
                      variant="body2"
                      sx={canRemember === false ? { color: 'text.disabled' } : undefined}
                    >
                      {t('login.remember')}
                    </Typography>
                  }
                />
                {canRemember === false && (
                  <FormHelperText
                    id="login-remember-unavailable"
                    data-testid="login-remember-unavailable"
                    sx={{ mt: 0, ml: 4 }}
                  >
                    {t('login.rememberUnavailable')}
                  </FormHelperText>
                )}
              </Box>
              {error && (
                <ErrorAlert
                  error={error}
                  describe={offlineTried ? offlineLoginErrorText : loginErrorText}
                  testId="login-error"
                  onClose={() => setError(null)}
                />
              )}
              <Button
                type="submit"
                variant="contained"
                disabled={busy}
                data-testid="login-submit"
                startIcon={busy ? <CircularProgress size={14} color="inherit" /> : undefined}
              >
                {busy ? t('login.signingIn') : t('login.submit')}
              </Button>
              {offline && (
                <OfflineSignInPanel status={offline} busy={busy} onSignIn={() => void signIn(true)} />
              )}
            </Stack>
          </Box>
        </Paper>
      </Box>
    </Box>
  );
}
