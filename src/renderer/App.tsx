import { Alert, Box, CircularProgress, Snackbar, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody, SessionInfo } from '../shared';
import { errorBodyOf, getApi, hostConnection } from './api';
import { LoginScreen } from './auth/LoginScreen';
import { Workbench } from './shell/Workbench';

type Phase =
  | { kind: 'restoring' }
  | { kind: 'login'; notice: string | null; error: ErrorBody | null }
  | { kind: 'ready'; session: SessionInfo; epoch: number };

/** Start-up: try the remembered session first, so an agent who chose "remember me" goes straight to work. */
export function App() {
  const { t } = useTranslation();
  const [phase, setPhase] = useState<Phase>({ kind: 'restoring' });
  const [toast, setToast] = useState<string | null>(null);

  useEffect(() => {
    let live = true;
    getApi()
      .invoke('auth.restore', {})
      .then(
        (session) =>
          live &&
          setPhase(
            session ? { kind: 'ready', session, epoch: 0 } : { kind: 'login', notice: null, error: null },
          ),
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

  // An offline sign-in moves on (the server is back and wants the password, or accepted the session).
  useEffect(
    () =>
      getApi().on('session.changed', (session) =>
        setPhase((p) =>
          p.kind === 'ready' && p.session.user.id === session.user.id ? { ...p, session } : p,
        ),
      ),
    [],
  );

  // A host that went away may come back as a fresh process without our session: sign in again from the
  // remembered credentials if there are any, and start the workbench over so every view reloads.
  useEffect(() => {
    let wasDown = false;
    return hostConnection.subscribe((state) => {
      if (state === 'unreachable') wasDown = true;
      if (state !== 'connected' || !wasDown) return;
      wasDown = false;
      const api = getApi();
      void api
        .invoke('session.get', {})
        .then((s) => s ?? api.invoke('auth.restore', {}))
        .then(
          (session) =>
            setPhase((p) => {
              if (p.kind !== 'ready') return p;
              if (!session) return { kind: 'login', notice: t('login.hostRestarted'), error: null };
              return { kind: 'ready', session, epoch: p.epoch + 1 };
            }),
          () => {},
        );
    });
  }, [t]);

  const logout = async (forgetDevice: boolean) => {
    try {
      await getApi().invoke('auth.logout', { forgetDevice });
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
        <Typography sx={{ color: 'text.secondary' }}>{t('app.loading')}</Typography>
      </Box>
    );
  }
  if (phase.kind === 'login') {
    return (
      <LoginScreen
        notice={phase.notice}
        initialError={phase.error}
        onLoggedIn={(session, rememberRequested) => {
          // The sign-in screen already says where remember-me cannot work; this is for a keychain that was
          // there but refused to store the token.
          // Offline, the token comes (and is remembered) only once the server accepts the sign-in.
          if (rememberRequested && !session.remembered && !session.offline)
            setToast(t('login.rememberFailed'));
          setPhase({ kind: 'ready', session, epoch: 0 });
          // The server may have come back between the offline sign-in and now (its session.changed came
          // before there was a workbench to take it): read the state once more.
          if (session.offline) {
            void getApi()
              .invoke('session.get', {})
              .then(
                (now) =>
                  now &&
                  setPhase((p) =>
                    p.kind === 'ready' && p.session.user.id === now.user.id ? { ...p, session: now } : p,
                  ),
                () => {},
              );
          }
        }}
      />
    );
  }
  return (
    <>
      <Workbench
        key={`${phase.session.user.id}:${phase.epoch}`}
        session={phase.session}
        onLogout={(forgetDevice) => void logout(forgetDevice)}
      />
      <Snackbar open={toast !== null} autoHideDuration={8000} onClose={() => setToast(null)}>
        <Alert severity="info" onClose={() => setToast(null)}>
          {toast}
        </Alert>
      </Snackbar>
    </>
  );
}
