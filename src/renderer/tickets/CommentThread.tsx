import CloudUploadIcon from '@mui/icons-material/CloudUploadOutlined';
import LockIcon from '@mui/icons-material/LockOutlined';
import { Box, Stack, Tooltip, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { TicketDetail } from '../../shared';
import { useFormat } from '../i18n';
import { AttachmentList, DeliveryFailure, DeliveryMark, FromCustomerMark } from './CommentEmail'; // email (issue 13)

type Comment = TicketDetail['comments'][number];

/** The conversation, oldest first; internal notes sit on a tinted, dashed card so they are never mistaken for replies. */
export function CommentThread({ comments }: { comments: Comment[] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (comments.length === 0) {
    return (
      <Typography color="textSecondary" variant="body2">
        {t('detail.noComments')}
      </Typography>
    );
  }
  return (
    <Stack spacing={1}>
      {comments.map((c) => (
        <Box
          key={c.id}
          data-testid="comment-item"
          data-internal={c.internal}
          data-sync-state={c.syncState}
          data-from-customer={c.fromCustomer === true}
          sx={{
            p: 1.25,
            borderRadius: 1,
            border: 1,
            borderStyle: c.internal ? 'dashed' : 'solid',
            borderColor: c.internal ? 'warning.main' : 'divider',
            bgcolor: c.internal ? 'rgba(237, 167, 0, 0.08)' : 'background.paper',
            // email (issue 13): the customer's own mails sit on the left rule of the thread, agents' replies do not.
            ...(c.fromCustomer && { borderLeft: 3, borderLeftColor: 'info.main' }),
          }}
        >
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 0.5, fontSize: 12 }}>
            <Box component="span" sx={{ fontWeight: 600 }}>
              {c.authorName}
            </Box>
            {c.internal && (
              <Box
                component="span"
                sx={{ display: 'inline-flex', alignItems: 'center', gap: 0.25, color: 'warning.main' }}
              >
                <LockIcon sx={{ fontSize: 12 }} />
                {t('detail.internalNote')}
              </Box>
            )}
            {c.fromCustomer && <FromCustomerMark /> /* email (issue 13) */}
            <Box component="span" sx={{ color: 'text.secondary' }} title={fmt.absolute(c.createdAt)}>
              {fmt.relative(c.createdAt)}
            </Box>
            {c.syncState === 'pending' && (
              <Tooltip title={t('tickets.pendingMark')}>
                <CloudUploadIcon
                  sx={{ fontSize: 14, color: 'warning.main' }}
                  aria-label={t('tickets.pendingMark')}
                />
              </Tooltip>
            )}
            {c.delivery && <DeliveryMark delivery={c.delivery} /> /* email (issue 13) */}
          </Stack>
          <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
            {c.body}
          </Typography>
          {/* email (issue 13): the files that came with it, and why a reply could not be mailed */}
          <AttachmentList attachments={c.attachments ?? []} />
          {c.delivery && <DeliveryFailure delivery={c.delivery} />}
        </Box>
      ))}
    </Stack>
  );
}
