import { Box, Button, Divider, ListItemText, ListSubheader, Menu, MenuItem, Tooltip } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentState, BreakReason } from '../../shared/protocol/voice';
import { StateWord } from '../common/StateWord';
import { useFormat } from '../i18n';
import { useNow } from '../i18n/use-now';
import { useSyncStatus } from '../sync/use-sync-status';
import { agentStateView } from './agent-state-view';
import { usePhoneSession, usePhoneState } from './PhoneProvider';

const DOT: Record<AgentState, string> = {
  Available: 'success.main',
  OnCall: 'error.main',
  WrapUp: 'warning.main',
  Break: 'warning.dark',
  Offline: 'text.disabled',
};
const BREAKS: BreakReason[] = ['lunch', 'training', 'meeting', 'personal'];

/**
 * The agent's routing state as the server last said it (never a local guess). While the service is unreachable
 * it is marked as the last known state with its age and no change can be asked: a state is only worth
 * delivering now (a queued "Available" arriving later would route work to someone who may have left), so the
 * menu refuses rather than queue. Available is qualified when the phone is not registered. A change asked
 * during a call becomes the pending one.
 */
export function AgentStateMenu() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const session = usePhoneSession();
  const { agent, agentError, phone, account, linkDownSince } = usePhoneState();
  const sync = useSyncStatus();
  const now = useNow(15_000);
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);

  const linkUp = sync?.state === 'online' || sync?.state === 'syncing';
  const phoneRegistered = account.status === 'ready' && phone?.registration.status === 'registered';
  const view = agentStateView({ status: agent, linkUp, linkDownSince, now, phoneRegistered });

  const stateLabel = (state: AgentState, reason: BreakReason | null) =>
    state === 'Break' && reason
      ? `${t('agentState.state.Break')} · ${t(`phone.agent.reasons.${reason}`)}`
      : t(`agentState.state.${state}`);

  const label = !agent
    ? t('agentState.unknown')
    : view.chatOnly
      ? t('agentState.availableNoPhoneShort')
      : stateLabel(agent.state, agent.reason);
  const age = view.staleMs === null ? null : fmt.relative(new Date(now - view.staleMs).toISOString(), now);
  const pending = agent?.pending
    ? t('phone.agent.pending', { state: stateLabel(agent.pending.state, agent.pending.reason) })
    : null;
  const choose = (state: 'Available' | 'Break' | 'Offline', reason?: BreakReason) => {
    setAnchor(null);
    void session?.setAgentState(state, reason).catch(() => {});
  };
  const tooltip = [
    age ? t('agentState.lastKnownHint', { age }) : t('agentState.tooltip'),
    view.chatOnly ? t('agentState.availableNoPhoneHint') : null,
    pending ? t('phone.agent.pendingHint') : null,
    !agent ? t('phone.agent.unknownHint') : null,
    agentError?.message ?? null,
  ]
    .filter(Boolean)
    .join(' · ');

  // A user without a phone extension (a supervisor, an administrator) has no routing state on the server:
  // no menu, rather than a "State unknown" that reads like an outage.
  if (!agent && !agentError && linkUp && account.status === 'none' && account.reason === 'no_phone') {
    return null;
  }

  return (
    <>
      <Tooltip title={tooltip}>
        <Button
          color="inherit"
          size="small"
          data-testid="agent-state"
          data-state={agent?.state ?? 'unknown'}
          data-chat-only={view.chatOnly ? 'true' : 'false'}
          data-stale={view.staleMs === null ? 'false' : 'true'}
          aria-haspopup="menu"
          onClick={(e) => setAnchor(e.currentTarget)}
          sx={{ textTransform: 'none', gap: 0.75, whiteSpace: 'nowrap', flexShrink: 0 }}
        >
          <Box
            component="span"
            sx={{
              width: 10,
              height: 10,
              borderRadius: '50%',
              bgcolor: agent ? DOT[agent.state] : 'grey.500',
              // The last known state is not the current one: a hollow dot.
              ...(age ? { bgcolor: 'transparent', border: 2, borderColor: DOT[agent!.state] } : {}),
            }}
          />
          <Box component="span" data-testid="agent-state-label" sx={age ? { color: 'text.secondary' } : {}}>
            {label}
          </Box>
          <StateWord word={agent?.state ?? 'unknown'} label={label} />
          {age && (
            <Box
              component="span"
              data-testid="agent-state-age"
              sx={{ color: 'text.secondary', fontSize: 12 }}
            >
              ({t('agentState.lastKnown', { age })})
            </Box>
          )}
          {pending && (
            <Box component="span" data-testid="agent-pending" sx={{ color: 'text.secondary', fontSize: 12 }}>
              ({pending})
            </Box>
          )}
        </Button>
      </Tooltip>
      <Menu
        anchorEl={anchor}
        open={anchor !== null}
        onClose={() => setAnchor(null)}
        slotProps={{ list: { 'aria-label': t('agentState.menuTitle'), dense: true } }}
      >
        <ListSubheader sx={{ lineHeight: 1.5, py: 1, maxWidth: 360, whiteSpace: 'normal' }}>
          {view.canChange ? t('agentState.menuTitle') : t('agentState.unreachable')}
        </ListSubheader>
        <MenuItem
          data-testid="agent-state-Available"
          disabled={!view.canChange}
          onClick={() => choose('Available')}
        >
          <ListItemText
            primary={phoneRegistered ? t('agentState.state.Available') : t('agentState.availableNoPhone')}
            secondary={phoneRegistered ? t('agentState.availableHint') : t('agentState.availableNoPhoneHint')}
            slotProps={{ secondary: { sx: { whiteSpace: 'normal', maxWidth: 320 } } }}
          />
        </MenuItem>
        <Divider />
        {BREAKS.map((reason) => (
          <MenuItem
            key={reason}
            data-testid={`agent-state-Break-${reason}`}
            disabled={!view.canChange}
            onClick={() => choose('Break', reason)}
          >
            <ListItemText>{stateLabel('Break', reason)}</ListItemText>
          </MenuItem>
        ))}
        <Divider />
        <MenuItem
          data-testid="agent-state-Offline"
          disabled={!view.canChange}
          onClick={() => choose('Offline')}
        >
          <ListItemText primary={t('agentState.state.Offline')} secondary={t('agentState.offlineHint')} />
        </MenuItem>
      </Menu>
    </>
  );
}
