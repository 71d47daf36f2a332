import AttachFileIcon from '@mui/icons-material/AttachFile';
import EmailIcon from '@mui/icons-material/EmailOutlined';
import MarkEmailReadIcon from '@mui/icons-material/MarkEmailReadOutlined';
import ScheduleSendIcon from '@mui/icons-material/ScheduleSendOutlined';
import CancelScheduleSendIcon from '@mui/icons-material/CancelScheduleSend';
import { Box, Chip, Stack, Tooltip } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { CommentAttachment, CommentDelivery } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { errorText, useFormat } from '../i18n';

/** email (issue 13): what a comment shows of mail: who wrote it, whether the reply went out, its files. */

/** "Customer · by email" beside the author of a mail the customer sent. */
export function FromCustomerMark() {
  const { t } = useTranslation();
  return (
    <Box
      component="span"
      data-testid="comment-from-customer"
      sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.25, color: 'info.main' }}
    >
      <EmailIcon sx={{ fontSize: 13 }} />
      {t('email.fromCustomer')}
    </Box>
  );
}

/** Whether a public reply by mail is waiting, went out, or failed (with the reason on hover and for readers). */
export function DeliveryMark({ delivery }: { delivery: CommentDelivery }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { state, error } = delivery;
  const label = t(`email.${state}`);
  const hint =
    state === 'sent'
      ? t('email.sentHint', { time: fmt.absolute(delivery.at) })
      : state === 'failed'
        ? t('email.failedHint', { reason: error ?? '' })
        : error
          ? t('email.queuedRetry', { reason: error })
          : t('email.queuedHint');
  const Icon =
    state === 'sent' ? MarkEmailReadIcon : state === 'failed' ? CancelScheduleSendIcon : ScheduleSendIcon;
  const color = state === 'sent' ? 'success.main' : state === 'failed' ? 'error.main' : 'warning.main';
  return (
    <Tooltip title={hint}>
      <Box
        component="span"
        data-testid="comment-delivery"
        data-state={state}
        aria-label={`${label}. ${hint}`}
        sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.25, color }}
      >
        <Icon sx={{ fontSize: 13 }} />
        {label}
      </Box>
    </Tooltip>
  );
}

/** Shown under a reply's text when it failed, or waits after a failed try: the reason is read without hovering. */
export function DeliveryFailure({ delivery }: { delivery: CommentDelivery }) {
  const { t } = useTranslation();
  if (delivery.state === 'sent' || delivery.error === null) return null;
  const failed = delivery.state === 'failed';
  return (
    <Box
      sx={{ mt: 0.5, fontSize: 12, color: failed ? 'error.main' : 'warning.dark', wordBreak: 'break-word' }}
      data-testid="comment-delivery-failure"
    >
      {failed
        ? t('email.failedHint', { reason: delivery.error })
        : t('email.queuedRetry', { reason: delivery.error })}
    </Box>
  );
}

function sizeText(t: TFunction, bytes: number): string {
  if (bytes < 1024) return t('email.bytes', { count: bytes });
  if (bytes < 1024 * 1024) return t('email.kilobytes', { count: Math.round(bytes / 1024) });
  return t('email.megabytes', { count: Math.round((bytes / (1024 * 1024)) * 10) / 10 });
}

/** The files of a comment; a click fetches one from the service (through the desktop services) and saves it. */
export function AttachmentList({ attachments }: { attachments: CommentAttachment[] }) {
  const { t } = useTranslation();
  const [failed, setFailed] = useState<string | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const download = async (a: CommentAttachment) => {
    setBusy(a.id);
    setFailed(null);
    try {
      const file = await getApi().invoke('attachments.get', { id: a.id });
      const bytes = Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0));
      const url = URL.createObjectURL(new Blob([bytes], { type: file.mimeType }));
      const link = document.createElement('a');
      link.href = url;
      link.download = file.fileName;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      const { headline } = errorText(t, errorBodyOf(e));
      setFailed(`${t('email.downloadFailed')} ${headline}`);
    } finally {
      setBusy(null);
    }
  };
  if (attachments.length === 0) return null;
  return (
    <Box sx={{ mt: 0.75 }}>
      <Stack
        direction="row"
        spacing={0.75}
        useFlexGap
        sx={{ flexWrap: 'wrap' }}
        aria-label={t('email.attachments')}
      >
        {attachments.map((a) => {
          const size = sizeText(t, a.size);
          return (
            <Chip
              key={a.id}
              size="small"
              variant="outlined"
              icon={<AttachFileIcon />}
              data-testid="comment-attachment"
              label={`${a.fileName} · ${size}`}
              title={t('email.download', { name: a.fileName, size })}
              aria-label={t('email.download', { name: a.fileName, size })}
              disabled={busy === a.id}
              onClick={() => void download(a)}
            />
          );
        })}
      </Stack>
      {failed && (
        <Box sx={{ mt: 0.5, fontSize: 12, color: 'error.main' }} role="alert">
          {failed}
        </Box>
      )}
    </Box>
  );
}
