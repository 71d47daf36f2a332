import CampaignIcon from '@mui/icons-material/CampaignOutlined';
import { Alert, AlertTitle, Box, Stack } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SupervisorMessage } from '../../shared/protocol/supervisor';
import { getApi } from '../api';
import { useFormat } from '../i18n';

/**
 * Supervisors' messages on every desktop (issue 14): each stays until the user dismisses it, newest on top,
 * with who sent it and when. The desktop services keep them, so a reload of the window loses none.
 */
export function NoticeStack() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [notices, setNotices] = useState<SupervisorMessage[]>([]);
  useEffect(() => {
    const api = getApi();
    let live = true;
    const off = api.on('supervisor.notices', (n) => live && setNotices(n.notices));
    api.invoke('supervisor.notices', {}).then(
      (n) => live && setNotices(n.notices),
      () => undefined, // signed out or not yet connected: the event brings them
    );
    return () => {
      live = false;
      off();
    };
  }, []);
  const dismiss = (id: string) => {
    setNotices((n) => n.filter((x) => x.id !== id));
    void getApi()
      .invoke('supervisor.dismissNotice', { id })
      .then((n) => setNotices(n.notices))
      .catch(() => undefined);
  };
  if (notices.length === 0) return null;
  return (
    <Stack
      spacing={1}
      data-testid="notice-stack"
      role="region"
      aria-label={t('supervisor.notice.region')}
      sx={{
        position: 'fixed',
        top: 56,
        right: 16,
        zIndex: (th) => th.zIndex.snackbar,
        width: 380,
        maxHeight: '70vh',
        overflow: 'auto',
      }}
    >
      {[...notices].reverse().map((n) => (
        <Alert
          key={n.id}
          severity="info"
          variant="filled"
          icon={<CampaignIcon />}
          role="alert"
          data-testid="supervisor-notice"
          data-id={n.id}
          onClose={() => dismiss(n.id)}
          slotProps={{
            closeButton: {
              'aria-label': t('supervisor.notice.dismiss'),
              'data-testid': 'notice-dismiss',
            } as object,
          }}
          sx={{ boxShadow: 4 }}
        >
          <AlertTitle sx={{ mb: 0.25 }}>
            {n.toUserId
              ? t('supervisor.notice.fromToYou', { name: n.fromName })
              : t('supervisor.notice.fromToTeam', { name: n.fromName })}
            <Box component="span" sx={{ fontWeight: 400, opacity: 0.85, ml: 1, fontSize: '0.85em' }}>
              {fmt.absolute(n.at)}
            </Box>
          </AlertTitle>
          <Box data-testid="notice-text" sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
            {n.text}
          </Box>
        </Alert>
      ))}
    </Stack>
  );
}
