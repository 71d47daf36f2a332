import { Box, Button, Chip, Paper, Stack, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import type { QualityMine } from '../../shared/quality';
import { ErrorAlert } from '../common/ErrorAlert';
import { useFormat } from '../i18n/use-format';

/** The agent's returned reviews: score, each item's score, the comment, and Acknowledge. */
export function MyReviews({
  mine,
  error,
  onAcknowledge,
}: {
  mine: QualityMine | null;
  error: ErrorBody | null;
  onAcknowledge: (reviewId: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const zh = i18n.language === 'zh-CN';
  return (
    <Box
      sx={{ flex: 1, overflow: 'auto', p: 1, display: 'flex', flexDirection: 'column', gap: 1 }}
      data-testid="quality-mine"
    >
      <Typography variant="h6">{t('quality.mine.title')}</Typography>
      {error && <ErrorAlert error={error} />}
      {mine?.reviews.length === 0 && (
        <Typography color="text.secondary">{t('quality.mine.empty')}</Typography>
      )}
      {mine?.reviews.map((r) => (
        <Paper key={r.id} variant="outlined" sx={{ p: 1 }} data-testid="quality-mine-review">
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
            <Chip size="small" label={t(`quality.kind.${r.kind}`)} />
            <Typography variant="subtitle2" sx={{ flex: 1 }} noWrap>
              {[r.title, fmt.absolute(r.contactAt)].filter(Boolean).join(' · ')}
            </Typography>
            <Typography variant="h6" data-testid="quality-mine-total">
              {r.total}
            </Typography>
            <Typography variant="caption" color="text.secondary">
              / 100
            </Typography>
          </Stack>
          <Typography variant="caption" color="text.secondary">
            {t('quality.mine.by', { name: r.reviewerName, at: fmt.absolute(r.returnedAt ?? r.createdAt) })}
          </Typography>
          <Stack direction="row" spacing={0.5} sx={{ flexWrap: 'wrap', my: 0.5, gap: 0.5 }}>
            {r.rubric.map((item) => (
              <Chip
                key={item.key}
                size="small"
                variant="outlined"
                label={`${zh ? item.labelZh : item.labelEn} ${r.scores[item.key] ?? 0}/${item.max}`}
              />
            ))}
          </Stack>
          {r.comment && (
            <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap' }} data-testid="quality-mine-comment">
              {r.comment}
            </Typography>
          )}
          <Box sx={{ mt: 0.5 }}>
            {r.acknowledgedAt ? (
              <Typography variant="caption" color="text.secondary">
                {t('quality.mine.acknowledgedAt', { at: fmt.absolute(r.acknowledgedAt) })}
              </Typography>
            ) : (
              <Button
                size="small"
                variant="contained"
                onClick={() => onAcknowledge(r.id)}
                data-testid="quality-ack"
              >
                {t('quality.mine.acknowledge')}
              </Button>
            )}
          </Box>
        </Paper>
      ))}
    </Box>
  );
}
