import HeadsetMicIcon from '@mui/icons-material/HeadsetMicOutlined';
import KeyboardIcon from '@mui/icons-material/KeyboardOutlined';
import LogoutIcon from '@mui/icons-material/Logout';
import NoAccountsIcon from '@mui/icons-material/NoAccountsOutlined';
import {
  AppBar,
  Box,
  Button,
  Chip,
  Divider,
  IconButton,
  ListItemText,
  Menu,
  MenuItem,
  Stack,
  Toolbar,
  Tooltip,
  Typography,
} from '@mui/material';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo, SyncStatus } from '../../shared';
import { useFormat } from '../i18n';
import { PhoneBar } from '../softphone/PhoneBar';
import { NotSentPanel } from '../sync/NotSentPanel';
import { SyncStatusChip } from '../sync/SyncStatusChip';
import { useNotSent } from '../sync/use-not-sent';
import { LanguageSwitch } from './LanguageSwitch';
import { ThemeSwitch } from './ThemeSwitch';

export function TopBar({
  session,
  status,
  view,
  onNavigateTickets,
  onNavigateCustomers,
  onNavigateAdmin,
  onNavigateKnowledge,
  onNavigateMonitor,
  chatNav,
  onLogout,
  onShowShortcuts,
}: {
  session: SessionInfo;
  status: SyncStatus | null;
  view: 'tickets' | 'customers' | 'admin' | 'knowledge' | 'chats' | 'reports' | 'monitor' | 'quality';
  onNavigateTickets: () => void;
  onNavigateCustomers: () => void;
  /** Administrators only: absent, there is no admin entry at all. */
  onNavigateAdmin?: () => void;
  /** Knowledge base (issue 13, kb helper): every signed-in user reads it. */
  onNavigateKnowledge?: () => void;
  /** Supervisors and administrators only (issue 14, desk): the queue monitor; absent, no entry at all. */
  onNavigateMonitor?: () => void;
  /** Web chat (issue 13, chat desk): the Chats entry with its count. */
  chatNav?: ReactNode;
  /** forgetDevice: also remove offline sign-in for this user from this computer. */
  onLogout: (forgetDevice: boolean) => void;
  onShowShortcuts: () => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [logoutMenu, setLogoutMenu] = useState<HTMLElement | null>(null);
  const notSent = useNotSent();
  const [notSentOpen, setNotSentOpen] = useState(false);
  return (
    <AppBar position="static" sx={{ borderBottom: 1, borderColor: 'divider', bgcolor: 'background.paper' }}>
      <Toolbar
        sx={{
          gap: 1.5,
          minHeight: 44,
          // Up to nine places for an administrator: as wide as their words, so the bar stays one line at 1440 px
          // in both languages (MUI's 64 px minimum left the sign-out button cut off and "last synced" in pieces).
          '& [data-testid^="nav-"]': { minWidth: 0, px: 1, whiteSpace: 'nowrap' },
        }}
      >
        <HeadsetMicIcon color="primary" fontSize="small" />
        <Typography sx={{ fontWeight: 700 }}>{t('app.name')}</Typography>
        <Divider orientation="vertical" flexItem />
        <Button
          color={view === 'tickets' ? 'primary' : 'inherit'}
          onClick={onNavigateTickets}
          data-testid="nav-tickets"
          aria-current={view === 'tickets' ? 'page' : undefined}
        >
          {t('shell.nav.tickets')}
        </Button>
        <Button
          color={view === 'customers' ? 'primary' : 'inherit'}
          onClick={onNavigateCustomers}
          data-testid="nav-customers"
          aria-current={view === 'customers' ? 'page' : undefined}
        >
          {t('shell.nav.customers')}
        </Button>
        {/* Knowledge base (issue 13, kb helper). */}
        {onNavigateKnowledge && (
          <Button
            color={view === 'knowledge' ? 'primary' : 'inherit'}
            onClick={onNavigateKnowledge}
            data-testid="nav-knowledge"
            aria-current={view === 'knowledge' ? 'page' : undefined}
          >
            {t('kb.nav')}
          </Button>
        )}
        {chatNav /* web chat (issue 13, chat desk) */}
        {/* Supervisors (issue 14, desk). */}
        {onNavigateMonitor && (
          <Tooltip title={t('supervisor.navHint')}>
            <Button
              color={view === 'monitor' ? 'primary' : 'inherit'}
              onClick={onNavigateMonitor}
              data-testid="nav-monitor"
              aria-current={view === 'monitor' ? 'page' : undefined}
            >
              {t('supervisor.nav')}
            </Button>
          </Tooltip>
        )}
        {onNavigateAdmin && (
          <Button
            color={view === 'admin' ? 'primary' : 'inherit'}
            onClick={onNavigateAdmin}
            data-testid="nav-admin"
            aria-current={view === 'admin' ? 'page' : undefined}
          >
            {t('shell.nav.admin')}
          </Button>
        )}
        <Box sx={{ flex: 1 }} />
        <PhoneBar />
        <Divider orientation="vertical" flexItem />
        <SyncStatusChip
          status={status}
          notSent={notSent.items.length}
          onOpenNotSent={() => setNotSentOpen(true)}
        />
        <NotSentPanel open={notSentOpen} items={notSent.items} onClose={() => setNotSentOpen(false)} />
        <Divider orientation="vertical" flexItem />
        {session.offline && (
          <Tooltip title={t('offlineSession.banner')}>
            <Chip
              size="small"
              color="warning"
              variant="outlined"
              icon={<NoAccountsIcon />}
              label={t('offlineSession.chip')}
              data-testid="offline-chip"
            />
          </Tooltip>
        )}
        <Stack sx={{ lineHeight: 1.2, textAlign: 'right', whiteSpace: 'nowrap', flexShrink: 0 }}>
          <Box component="span" data-testid="current-user" sx={{ fontWeight: 600 }}>
            {session.user.displayName}
          </Box>
          <Box
            component="span"
            sx={{ fontSize: 11, color: 'text.secondary' }}
            data-testid="current-department"
          >
            {session.department ? fmt.department(session.department) : t('shell.noDepartment')}
          </Box>
        </Stack>
        <Tooltip title={t('shortcuts.open')}>
          <IconButton
            color="inherit"
            onClick={onShowShortcuts}
            aria-label={t('shortcuts.open')}
            data-testid="shortcuts-open"
          >
            <KeyboardIcon fontSize="small" />
          </IconButton>
        </Tooltip>
        <LanguageSwitch />
        <ThemeSwitch />
        <Tooltip title={t('shell.logout')}>
          <IconButton
            color="inherit"
            onClick={(e) => setLogoutMenu(e.currentTarget)}
            aria-label={t('shell.logout')}
            aria-haspopup="menu"
            data-testid="logout"
          >
            <LogoutIcon fontSize="small" />
          </IconButton>
        </Tooltip>
        <Menu anchorEl={logoutMenu} open={logoutMenu !== null} onClose={() => setLogoutMenu(null)}>
          <MenuItem
            data-testid="logout-signout"
            onClick={() => {
              setLogoutMenu(null);
              onLogout(false);
            }}
          >
            {t('shell.logout')}
          </MenuItem>
          <MenuItem
            data-testid="logout-forget"
            onClick={() => {
              setLogoutMenu(null);
              onLogout(true);
            }}
            sx={{ maxWidth: 340 }}
          >
            <ListItemText
              primary={t('shell.logoutForget')}
              secondary={t('shell.logoutForgetHint')}
              slotProps={{ secondary: { sx: { whiteSpace: 'normal' } } }}
            />
          </MenuItem>
        </Menu>
      </Toolbar>
    </AppBar>
  );
}
