import type {} from '../../../src/renderer/env';
import { Alert, Box, Typography } from '@mui/material';
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import type { SessionInfo } from '../../../src/shared';
import { getApi } from '../../../src/renderer/api';
import { SessionContext } from '../../../src/renderer/auth/session-context';
import { DirectoryProvider } from '../../../src/renderer/directory/DirectoryProvider';
import { setupI18n } from '../../../src/renderer/i18n';
import { VocTab } from '../../../src/renderer/reports/VocTab';
import { ThemeModeProvider } from '../../../src/renderer/theme/ThemeModeProvider';

/**
 * Test harness (screenshots only): the VOC tab on its own, as the reports page will mount it, over the real
 * host and server. ?user=super01&lang=en|zh-CN&server=http://127.0.0.1:4311
 */
const params = new URLSearchParams(location.search);
const i18n = setupI18n();
await i18n.changeLanguage(params.get('lang') ?? 'en');

function Harness({ session }: { session: SessionInfo }) {
  const [opened, setOpened] = useState<string | null>(null);
  return (
    <SessionContext.Provider value={session}>
      <DirectoryProvider>
        <Box sx={{ p: 1 }}>
          <Typography variant="h6" sx={{ px: 1.5 }}>
            {i18n.t('voc.rising')} · {session.user.displayName}
          </Typography>
          {opened && (
            <Alert severity="info" sx={{ mx: 1.5 }} data-testid="opened">
              open ticket {opened}
            </Alert>
          )}
          <VocTab onOpenTicket={setOpened} />
        </Box>
      </DirectoryProvider>
    </SessionContext.Provider>
  );
}

const session = await getApi().invoke('auth.login', {
  serverUrl: params.get('server') ?? 'http://127.0.0.1:4311',
  username: params.get('user') ?? 'super01',
  password: 'switchboard',
  remember: false,
  offline: false,
});
createRoot(document.getElementById('root')!).render(
  <ThemeModeProvider>
    <Harness session={session} />
  </ThemeModeProvider>,
);
