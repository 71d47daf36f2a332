import CloudIcon from '@mui/icons-material/CloudDoneOutlined';
import HelpIcon from '@mui/icons-material/HelpOutlineOutlined';
import PhoneIcon from '@mui/icons-material/PhoneInTalkOutlined';
import { Box, Button, IconButton, Popover, Stack, Tooltip, Typography } from '@mui/material';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

/** What each indicator of the bar means (issue 14): the agent's state, the phone, the link to the service. */
export function IndicatorLegend() {
  const { t } = useTranslation();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const row = (testId: string, icon: ReactNode, text: string) => (
    <Stack direction="row" spacing={1.5} data-testid={testId} sx={{ alignItems: 'flex-start' }}>
      <Box sx={{ pt: 0.25, color: 'text.secondary', display: 'flex' }}>{icon}</Box>
      <Typography variant="body2">{text}</Typography>
    </Stack>
  );
  return (
    <>
      <Tooltip title={t('agentState.legend.open')}>
        <IconButton
          size="small"
          data-testid="indicator-legend-open"
          aria-label={t('agentState.legend.open')}
          aria-haspopup="dialog"
          onClick={(e) => setAnchor(e.currentTarget)}
        >
          <HelpIcon fontSize="small" />
        </IconButton>
      </Tooltip>
      <Popover
        open={anchor !== null}
        anchorEl={anchor}
        onClose={() => setAnchor(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'right' }}
        transformOrigin={{ vertical: 'top', horizontal: 'right' }}
        slotProps={{ paper: { role: 'dialog', 'aria-label': t('agentState.legend.title') } }}
      >
        <Stack spacing={1.5} sx={{ p: 2, maxWidth: 440 }} data-testid="indicator-legend">
          <Typography variant="subtitle2">{t('agentState.legend.title')}</Typography>
          {row(
            'legend-agent',
            <Box
              component="span"
              sx={{ width: 12, height: 12, borderRadius: '50%', bgcolor: 'success.main', mt: 0.25 }}
            />,
            t('agentState.legend.agent'),
          )}
          {row('legend-phone', <PhoneIcon fontSize="small" />, t('agentState.legend.phone'))}
          {row('legend-sync', <CloudIcon fontSize="small" />, t('agentState.legend.sync'))}
          <Box sx={{ textAlign: 'right' }}>
            <Button size="small" onClick={() => setAnchor(null)} data-testid="indicator-legend-close">
              {t('agentState.legend.close')}
            </Button>
          </Box>
        </Stack>
      </Popover>
    </>
  );
}
