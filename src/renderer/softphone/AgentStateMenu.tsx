import { Box, Button, Divider, ListItemText, Menu, MenuItem, Tooltip } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentState, BreakReason } from '../../shared/protocol/voice';
import { StateWord } from '../common/StateWord';
import { usePhoneSession, usePhoneState } from './PhoneProvider';

const DOT: Record<AgentState, string> = {
  Available: 'success.main',
  OnCall: 'error.main',
  WrapUp: 'warning.main',
  Break: 'warning.dark',
  Offline: 'text.disabled',
};
const BREAKS: BreakReason[] = ['lunch', 'training', 'meeting', 'personal'];

/** The agent's routing state, owned by the server; a change asked during a call becomes the pending one. */
export function AgentStateMenu() {
  const { t } = useTranslation();
  const session = usePhoneSession();
  const { agent, agentError } = usePhoneState();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);

  const stateLabel = (state: AgentState, reason: BreakReason | null) =>
    state === 'Break' && reason
      ? `${t('phone.agent.state.Break')} · ${t(`phone.agent.reasons.${reason}`)}`
      : t(`phone.agent.state.${state}`);

  const label = agent ? stateLabel(agent.state, agent.reason) : t('phone.agent.unknown');
  const pending = agent?.pending
    ? t('phone.agent.pending', { state: stateLabel(agent.pending.state, agent.pending.reason) })
    : null;
  const choose = (state: 'Available' | 'Break' | 'Offline', reason?: BreakReason) => {
    setAnchor(null);
    void session?.setAgentState(state, reason).catch(() => {});
  };
  const tooltip = [
    t('phone.agent.change'),
    pending ? t('phone.agent.pendingHint') : null,
    !agent ? t('phone.agent.unknownHint') : null,
    agentError?.message ?? null,
  ]
    .filter(Boolean)
    .join(' · ');

  return (
    <>
      <Tooltip title={tooltip}>
        <Button
          color="inherit"
          size="small"
          data-testid="agent-state"
          data-state={agent?.state ?? 'unknown'}
          aria-haspopup="menu"
          onClick={(e) => setAnchor(e.currentTarget)}
          sx={{ textTransform: 'none', gap: 0.75 }}
        >
          <Box
            component="span"
            sx={{
              width: 10,
              height: 10,
              borderRadius: '50%',
              bgcolor: agent ? DOT[agent.state] : 'grey.500',
            }}
          />
          {label}
          <StateWord word={agent?.state ?? 'unknown'} label={label} />
          {pending && (
            <Box component="span" data-testid="agent-pending" sx={{ color: 'text.secondary', fontSize: 12 }}>
              ({pending})
            </Box>
          )}
        </Button>
      </Tooltip>
      <Menu anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)}>
        <MenuItem data-testid="agent-state-Available" onClick={() => choose('Available')}>
          <ListItemText>{t('phone.agent.state.Available')}</ListItemText>
        </MenuItem>
        <Divider />
        {BREAKS.map((reason) => (
          <MenuItem
            key={reason}
            data-testid={`agent-state-Break-${reason}`}
            onClick={() => choose('Break', reason)}
          >
            <ListItemText>{stateLabel('Break', reason)}</ListItemText>
          </MenuItem>
        ))}
        <Divider />
        <MenuItem data-testid="agent-state-Offline" onClick={() => choose('Offline')}>
          <ListItemText>{t('phone.agent.state.Offline')}</ListItemText>
        </MenuItem>
      </Menu>
    </>
  );
}
