import { Box, Chip, Paper, Stack, Typography } from '@mui/material';
import { alpha, useTheme } from '@mui/material/styles';
import { useTranslation } from 'react-i18next';
import type { QualityContactDetail, QualityFinding, QualityPart } from '../../shared/quality';
import { useFormat } from '../i18n/use-format';

export const SEVERITY_COLOR = {
  info: 'info',
  minor: 'warning',
  major: 'error',
  critical: 'error',
} as const;

/** A part's text with each finding's span marked (overlapping spans: the first wins). */
function Marked({
  text,
  findings,
  selected,
}: {
  text: string;
  findings: QualityFinding[];
  selected: string | null;
}) {
  const theme = useTheme();
  const spans = findings
    .filter((f) => f.start !== null && f.end !== null && f.end <= text.length)
    .sort((a, b) => a.start! - b.start!);
  const out: React.ReactNode[] = [];
  let at = 0;
  for (const f of spans) {
    if (f.start! < at) continue;
    if (f.start! > at) out.push(text.slice(at, f.start!));
    const color = theme.palette[SEVERITY_COLOR[f.severity]].main;
    out.push(
      <Box
        component="mark"
        key={f.id}
        id={`finding-${f.id}`}
        data-testid="quality-mark"
        data-rule={f.rule}
        sx={{
          bgcolor: alpha(color, theme.palette.mode === 'dark' ? 0.35 : 0.2),
          color: 'inherit',
          borderBottom: `2px solid ${color}`,
          borderRadius: 0.5,
          px: 0.25,
          outline: selected === f.id ? `2px solid ${color}` : undefined,
        }}
      >
        {text.slice(f.start!, f.end!)}
      </Box>,
    );
    at = f.end!;
  }
  if (at < text.length) out.push(text.slice(at));
  return <>{out}</>;
}

/**
 * The contact as the reviewer reads it: each message, comment or note in order, who said it, and the
 * automatic findings marked where they matched (a finding about a whole message outlines it).
 */
export function Transcript({
  detail,
  selectedFinding,
}: {
  detail: QualityContactDetail;
  selectedFinding: string | null;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const theme = useTheme();
  const byPart = new Map<string, QualityFinding[]>();
  for (const f of detail.findings) if (f.partId) byPart.set(f.partId, [...(byPart.get(f.partId) ?? []), f]);
  const whole = (p: QualityPart) => (byPart.get(p.id) ?? []).filter((f) => f.start === null);
  return (
    <Stack spacing={1} data-testid="quality-transcript">
      {detail.call && (
        <Paper variant="outlined" sx={{ p: 1 }} data-testid="quality-call">
          <Typography variant="subtitle2">{t('quality.callRecord')}</Typography>
          <Stack direction="row" spacing={2} sx={{ flexWrap: 'wrap' }}>
            <Typography variant="body2">{t('quality.hold', { s: detail.call.holdSeconds })}</Typography>
            <Typography variant="body2">{t('quality.transfers', { n: detail.call.transfers })}</Typography>
            {detail.call.durationSeconds !== null && (
              <Typography variant="body2">
                {t('quality.duration', { s: detail.call.durationSeconds })}
              </Typography>
            )}
            {detail.call.disposition && (
              <Typography variant="body2">
                {t('quality.disposition', { d: detail.call.disposition })}
              </Typography>
            )}
          </Stack>
          {detail.parts.length === 0 && (
            <Typography variant="body2" color="text.secondary">
              {t('quality.noText')}
            </Typography>
          )}
        </Paper>
      )}
      {detail.parts.map((p) => {
        const flagged = whole(p);
        const color = flagged[0] ? theme.palette[SEVERITY_COLOR[flagged[0].severity]].main : undefined;
        const agent = p.role === 'agent';
        return (
          <Box
            key={p.id}
            data-testid="quality-part"
            data-role={p.role}
            sx={{ display: 'flex', justifyContent: agent ? 'flex-end' : 'flex-start' }}
          >
            <Paper
              variant="outlined"
              id={flagged.map((f) => `finding-${f.id}`)[0]}
              sx={{
                p: 1,
                maxWidth: '85%',
                bgcolor: agent ? alpha(theme.palette.primary.main, 0.08) : undefined,
                borderColor: color,
                borderWidth: color ? 2 : 1,
                borderStyle: color ? 'dashed' : 'solid',
                outline: flagged.some((f) => f.id === selectedFinding) ? `2px solid ${color}` : undefined,
              }}
            >
              <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 0.5 }}>
                <Typography variant="caption" sx={{ fontWeight: 600 }}>
                  {t(`quality.role.${p.role}`)}
                  {p.author ? ` · ${p.author}` : ''}
                </Typography>
                <Typography variant="caption" color="text.secondary">
                  {fmt.absolute(p.at)}
                </Typography>
                {flagged.map((f) => (
                  <Chip
                    key={f.id}
                    size="small"
                    color={SEVERITY_COLOR[f.severity]}
                    variant="outlined"
                    label={t(`quality.rule.${f.rule}`)}
                  />
                ))}
              </Stack>
              <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
                <Marked text={p.text} findings={byPart.get(p.id) ?? []} selected={selectedFinding} />
              </Typography>
            </Paper>
          </Box>
        );
      })}
    </Stack>
  );
}
