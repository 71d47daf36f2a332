import CallMadeIcon from '@mui/icons-material/CallMade';
import CallReceivedIcon from '@mui/icons-material/CallReceived';
import { Box, Stack, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { InteractionRow } from '../../shared';
import { useFormat } from '../i18n';
import { callDuration } from './call-time';

/** A customer's calls, newest first: when, which way, answered or missed, talk time, outcome and notes. */
export function CallHistoryList({ rows, detailed = false }: { rows: InteractionRow[]; detailed?: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (rows.length === 0)
    return (
      <Typography variant="body2" color="textSecondary" sx={{ px: 1 }}>
        {t('phone.pop.noCalls')}
      </Typography>
    );
  return (
    <Stack spacing={0.25} data-testid="call-history" sx={{ px: 1 }}>
      {rows.map((r) => {
        const talk =
          r.answerAt && r.endAt ? callDuration(Date.parse(r.endAt) - Date.parse(r.answerAt)) : null;
        return (
          <Box
            key={r.id}
            data-testid="call-history-row"
            data-call-id={r.callId}
            data-sync={r.syncState}
            sx={{ fontSize: 12 }}
          >
            <Box sx={{ display: 'flex', gap: 1, alignItems: 'center' }} title={fmt.absolute(r.ringAt)}>
              {r.direction === 'inbound' ? (
                <CallReceivedIcon sx={{ fontSize: 14 }} aria-label={t('phone.interaction.inbound')} />
              ) : (
                <CallMadeIcon sx={{ fontSize: 14 }} aria-label={t('phone.interaction.outbound')} />
              )}
              <Box component="span" sx={{ color: 'text.secondary', minWidth: 80 }}>
                {fmt.relative(r.ringAt)}
              </Box>
              <Box component="span">{t(`phone.interaction.status.${r.status}`)}</Box>
              {talk && (
                <Box component="span" sx={{ color: 'text.secondary', fontVariantNumeric: 'tabular-nums' }}>
                  {talk}
                </Box>
              )}
              {r.disposition && (
                <Box component="span" data-testid="call-disposition" sx={{ fontWeight: 600 }}>
                  {t(`phone.wrapUp.dispositions.${r.disposition}`, { defaultValue: r.disposition })}
                </Box>
              )}
            </Box>
            {detailed && r.notes && (
              <Box sx={{ color: 'text.secondary', pl: 3, whiteSpace: 'pre-wrap' }} data-testid="call-notes">
                {r.notes}
              </Box>
            )}
          </Box>
        );
      })}
    </Stack>
  );
}
