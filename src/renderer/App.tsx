import { Box, CircularProgress, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody, SessionInfo } from '../shared';
import { errorBodyOf, getApi } from './api';
import { LoginScreen } from './auth/LoginScreen';
import { Workbench } from './shell/Workbench';

type Phase =
  | { kind: 'restoring' }
  | { kind: 'login'; notice: string | null; error: ErrorBody | null }
  | { kind: 'ready'; session: SessionInfo };

/** Start-up: try the remembered session first, so an agent who chose "remember me" goes straight to work. */
export function App() {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<Phase>({ kind: 'restoring' });

  useEffect(() => {
    let live = true;
    getApi()
      .invoke('auth.restore', {})
      .then(
        (session) =>
          live &&
          setPhase(session ? { kind: 'ready', session } : { kind: 'login', notice: null, error: null }),
        (e: unknown) => live && setPhase({ kind: 'login', notice: null, error: errorBodyOf(e) }),
      );
    return () => {
      live = false;
    };
  }, []);

  useEffect(
    () =>
      getApi().on('session.ended', ({ reason }) =>
        setPhase({ kind: 'login', notice: t('login.sessionEnded', { reason }), error: null }),
      ),
    [t],
  );

  const logout = async () => {
    try {
      await getApi().invoke('auth.logout', {});
    } catch {
      // Signing out locally still matters when the services cannot revoke the token right now.
    }
    setPhase({ kind: 'login', notice: null, error: null });
  };

  if (phase.kind === 'restoring') {
    return (
      <Box
        sx={{ height: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', gap: 1.5 }}
      >
        <CircularProgress size={18} />
        <Typography color="text.secondary">{t('app.loading')}</Typography>
      </Box>
    );
  }
  if (phase.kind === 'login') {
    return (
      <LoginScreen
        notice={phase.notice}
        initialError={phase.error}
        onLoggedIn={(session) => setPhase({ kind: 'ready', session })}
      />
    );
  }
  return <Workbench key={phase.session.user.id} session={phase.session} onLogout={() => void logout()} />;
}
