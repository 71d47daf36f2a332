import StarIcon from '@mui/icons-material/StarOutlineRounded';
import { Box, Button, Stack, TextField } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import type { CallRatingLink } from '../../shared/protocol/reports';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';

/**
 * Customer satisfaction for a call: a phone call has no IVR after the agent hangs up, so the wrap-up asks the
 * service for a one-time rating link (1-5, valid 7 days) and shows it to copy into a message or mail to the
 * customer. Only for an answered call whose record the service already has.
 */
export function RatingLink({ interactionId }: { interactionId: string }) {
  const { t } = useTranslation();
  const [link, setLink] = useState<CallRatingLink | null>(null);
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const ask = () => {
    setBusy(true);
    setError(null);
    getApi()
      .invoke('reports.callRatingLink', { interactionId })
      .then(setLink, (e: unknown) => setError(errorBodyOf(e)))
      .finally(() => setBusy(false));
  };
  if (!link)
    return (
      <Box>
        <Button
          size="small"
          startIcon={<StarIcon />}
          onClick={ask}
          disabled={busy}
          data-testid="wrap-up-rating-link"
          title={t('phone.wrapUp.ratingHint')}
        >
          {t('phone.wrapUp.rating')}
        </Button>
        {error && <ErrorAlert error={error} testId="wrap-up-rating-error" />}
      </Box>
    );
  return (
    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
      <TextField
        size="small"
        fullWidth
        label={t('phone.wrapUp.ratingLink')}
        value={link.url}
        slotProps={{ htmlInput: { readOnly: true, 'data-testid': 'wrap-up-rating-url' } }}
        onFocus={(e) => e.target.select()}
      />
      <Button
        size="small"
        onClick={() =>
          void navigator.clipboard?.writeText(link.url).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? t('phone.wrapUp.copied') : t('phone.wrapUp.copy')}
      </Button>
    </Stack>
  );
}
