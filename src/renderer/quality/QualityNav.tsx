import { Badge, Button, Snackbar, Alert } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSessionInfo } from '../auth/session-context';
import { useMyReviews } from './use-my-reviews';

/**
 * The top bar's entry to quality review: "Quality" for supervisors and admins; for agents "My reviews" with the
 * count of reviews not yet acknowledged, and a notice when a new one is returned.
 */
export function QualityNav({ active, onOpen }: { active: boolean; onOpen: () => void }) {
  const session = useSessionInfo();
  const reviewer = session.user.role === 'supervisor' || session.user.role === 'admin';
  const { t } = useTranslation();
  if (reviewer)
    return (
      <Button
        color={active ? 'primary' : 'inherit'}
        onClick={onOpen}
        data-testid="nav-quality"
        aria-current={active ? 'page' : undefined}
      >
        {t('quality.nav')}
      </Button>
    );
  if (session.user.role !== 'agent') return null;
  return <AgentNav active={active} onOpen={onOpen} />;
}

function AgentNav({ active, onOpen }: { active: boolean; onOpen: () => void }) {
  const { t } = useTranslation();
  const { mine } = useMyReviews();
  const count = mine?.unacknowledged ?? 0;
  const seen = useRef<number | null>(null);
  const [notice, setNotice] = useState(false);
  useEffect(() => {
    if (mine === null) return;
    // A notice when the count of waiting reviews rises (and once at sign-in when some are waiting).
    if (count > (seen.current ?? 0)) setNotice(true);
    seen.current = count;
  }, [mine, count]);
  return (
    <>
      <Button
        color={active ? 'primary' : 'inherit'}
        onClick={onOpen}
        data-testid="nav-quality"
        aria-current={active ? 'page' : undefined}
        sx={{ pr: count > 0 ? 2 : undefined }}
      >
        <Badge color="error" badgeContent={count} data-testid="quality-badge">
          {t('quality.myNav')}
        </Badge>
      </Button>
      <Snackbar
        open={notice && !active}
        anchorOrigin={{ vertical: 'top', horizontal: 'center' }}
        onClose={(_, reason) => reason !== 'clickaway' && setNotice(false)}
      >
        <Alert
          severity="info"
          data-testid="quality-notice"
          onClose={() => setNotice(false)}
          action={
            <Button
              color="inherit"
              size="small"
              onClick={() => {
                setNotice(false);
                onOpen();
              }}
            >
              {t('quality.mine.open')}
            </Button>
          }
        >
          {t('quality.mine.notice', { count })}
        </Alert>
      </Snackbar>
    </>
  );
}
