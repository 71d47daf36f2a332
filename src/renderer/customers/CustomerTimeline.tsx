import ApiIcon from '@mui/icons-material/Api';
import CallMadeIcon from '@mui/icons-material/CallMade';
import CallReceivedIcon from '@mui/icons-material/CallReceived';
import ChatIcon from '@mui/icons-material/ChatBubbleOutlined';
import TicketIcon from '@mui/icons-material/ConfirmationNumberOutlined';
import EmailIcon from '@mui/icons-material/EmailOutlined';
import WebIcon from '@mui/icons-material/LanguageOutlined';
import PhoneIcon from '@mui/icons-material/PhoneOutlined';
import ForumIcon from '@mui/icons-material/ForumOutlined';
import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Paper,
  Stack,
  ToggleButton,
  ToggleButtonGroup,
  Typography,
  type SvgIconProps,
} from '@mui/material';
import { useEffect, useState, type ReactElement } from 'react';
import { useTranslation } from 'react-i18next';
import type { Channel, ErrorBody, TimelineEntry, TimelineKind } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { useFormat } from '../i18n';
import { callDuration } from '../softphone/call-time';
import { useDataChanged } from '../sync/use-data-changed';
import { StatusChip } from '../tickets/TicketLabels';
import { ticketNumberText } from '../tickets/TicketListRow';

const PAGE = 30;

const CHANNEL_ICON: Record<Channel, (p: SvgIconProps) => ReactElement> = {
  phone: (p) => <PhoneIcon {...p} />,
  chat: (p) => <ChatIcon {...p} />,
  email: (p) => <EmailIcon {...p} />,
  web: (p) => <WebIcon {...p} />,
  api: (p) => <ApiIcon {...p} />,
};

/**
 * One customer's contacts on every channel, newest first, from this computer's replica (offline too): calls,
 * tickets opened and the public messages on them, filtered by kind, older pages on demand.
 */
export function CustomerTimeline({
  customerId,
  onOpenTicket,
}: {
  customerId: string;
  onOpenTicket: (id: string) => void;
}) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<TimelineKind | 'all'>('all');
  const [entries, setEntries] = useState<TimelineEntry[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [generation, setGeneration] = useState(0);
  // Pages shown so far: a live refresh reads as many again, so "Show older" is not undone by sync.
  const [pages, setPages] = useState(1);

  useDataChanged((c) => {
    if (c.all || c.customerIds.includes(customerId) || c.ticketIds.length > 0 || c.interactionIds.length > 0)
      setGeneration((g) => g + 1);
  });

  useEffect(() => {
    let live = true;
    getApi()
      .invoke('customers.timeline', {
        customerId,
        kinds: kind === 'all' ? [] : [kind],
        after: null,
        limit: PAGE * pages,
      })
      .then(
        (page) => {
          if (!live) return;
          setEntries(page.entries);
          setMore(page.more);
          setError(null);
        },
        (e: unknown) => live && setError(errorBodyOf(e)),
      );
    return () => {
      live = false;
    };
  }, [customerId, kind, generation, pages]);

  return (
    <Paper variant="outlined" data-testid="customer-timeline">
      <Stack direction="row" sx={{ alignItems: 'center', px: 1.5, py: 0.5, gap: 1 }}>
        <Typography variant="overline" color="textSecondary" sx={{ flex: 1 }}>
          {t('customer.timeline.title')}
        </Typography>
        <ToggleButtonGroup
          size="small"
          exclusive
          value={kind}
          aria-label={t('customer.timeline.filter')}
          onChange={(_, v: TimelineKind | 'all' | null) => {
            if (v === null) return;
            setKind(v);
            setPages(1);
          }}
        >
          {(['all', 'call', 'ticket', 'message', 'chat'] as const).map((k) => (
            <ToggleButton key={k} value={k} data-testid={`timeline-filter-${k}`} sx={{ py: 0.25, px: 1 }}>
              {k === 'chat' ? t('chatTimeline.filter') : t(`customer.timeline.${k}`)}
            </ToggleButton>
          ))}
        </ToggleButtonGroup>
      </Stack>
      {error && (
        <Typography variant="body2" color="error" sx={{ px: 1.5, pb: 1 }}>
          {t('customer.timeline.failed', { message: error.message })}
        </Typography>
      )}
      {entries && entries.length === 0 && (
        <Typography variant="body2" color="textSecondary" sx={{ px: 1.5, pb: 1.5 }}>
          {t('customer.timeline.empty')}
        </Typography>
      )}
      {entries && <TimelineList entries={entries} onOpenTicket={onOpenTicket} />}
      {more && (
        <Box sx={{ px: 1, py: 0.5, borderTop: 1, borderColor: 'divider' }}>
          <Button size="small" onClick={() => setPages((p) => p + 1)} data-testid="timeline-more">
            {t('customer.timeline.more')}
          </Button>
        </Box>
      )}
    </Paper>
  );
}

/** The ticket a row opens, if any: a chat's is the ticket it was made into or linked to. */
function ticketOfEntry(e: TimelineEntry): { id: string; number: number | null } | null {
  switch (e.kind) {
    case 'call':
      return e.call.ticketId ? { id: e.call.ticketId, number: null } : null;
    case 'chat':
      return e.chat.ticket;
    default:
      return e.ticket;
  }
}

/**
 * The entries as rows; a row about a ticket opens it (click or Enter). A chat with no ticket (or one this replica
 * does not hold) shows its transcript instead.
 */
export function TimelineList({
  entries,
  onOpenTicket,
  dense = false,
}: {
  entries: readonly TimelineEntry[];
  onOpenTicket: (id: string) => void;
  dense?: boolean;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [transcript, setTranscript] = useState<Extract<TimelineEntry, { kind: 'chat' }> | null>(null);
  return (
    <Box component="ol" sx={{ listStyle: 'none', m: 0, p: 0 }} data-testid="timeline-list">
      {entries.map((e) => {
        const ticket = ticketOfEntry(e);
        const number =
          e.kind === 'call' || !ticket ? null : ticketNumberText(ticket.number, t('tickets.localNumber'));
        const open = ticket
          ? () => onOpenTicket(ticket.id)
          : e.kind === 'chat'
            ? () => setTranscript(e)
            : undefined;
        const label =
          open && number
            ? t('customer.timeline.openTicket', { number })
            : open && e.kind === 'chat'
              ? t('chatTimeline.openTranscript')
              : undefined;
        return (
          <Box
            component="li"
            key={`${e.kind}:${e.id}`}
            data-testid="timeline-entry"
            data-kind={e.kind}
            role={open ? 'button' : undefined}
            tabIndex={open ? 0 : undefined}
            aria-label={label}
            onClick={open}
            onKeyDown={(ev) => {
              if (open && ev.key === 'Enter') open();
            }}
            sx={{
              display: 'flex',
              gap: 1,
              alignItems: 'flex-start',
              px: dense ? 1 : 1.5,
              py: dense ? 0.25 : 0.75,
              borderTop: dense ? 0 : 1,
              borderColor: 'divider',
              fontSize: dense ? 12 : 13,
              cursor: open ? 'pointer' : 'default',
              '&:hover, &:focus-visible': open ? { bgcolor: 'action.hover', outline: 'none' } : {},
            }}
          >
            <Box sx={{ pt: 0.25, color: 'text.secondary', display: 'flex' }}>{iconOf(e)}</Box>
            <Box sx={{ flex: 1, minWidth: 0 }}>
              <Box sx={{ display: 'flex', gap: 1, alignItems: 'center', minWidth: 0 }}>
                <Box
                  component="span"
                  sx={{ fontWeight: 600, minWidth: 0, ...ellipsis }}
                  title={headline(e, t, number)}
                >
                  {headline(e, t, number)}
                </Box>
                {e.kind === 'ticket' && (
                  <Box component="span" sx={{ flexShrink: 0, display: 'flex' }}>
                    <StatusChip status={e.ticket.status} />
                  </Box>
                )}
                {e.kind === 'call' && e.call.answerAt && e.call.endAt && (
                  <Box component="span" sx={{ color: 'text.secondary', fontVariantNumeric: 'tabular-nums' }}>
                    {callDuration(Date.parse(e.call.endAt) - Date.parse(e.call.answerAt))}
                  </Box>
                )}
                <Box component="span" sx={{ flex: 1 }} />
                <Box
                  component="span"
                  sx={{ color: 'text.secondary', whiteSpace: 'nowrap', fontSize: 12, flexShrink: 0 }}
                  title={fmt.absolute(e.at)}
                >
                  {fmt.relative(e.at)}
                </Box>
              </Box>
              {!dense && e.kind === 'call' && (e.call.disposition || e.call.notes) && (
                <Box sx={{ display: 'flex', gap: 1, minWidth: 0 }}>
                  {e.call.disposition && (
                    <Box component="span" data-testid="call-disposition">
                      {t(`phone.wrapUp.dispositions.${e.call.disposition}`, {
                        defaultValue: e.call.disposition,
                      })}
                    </Box>
                  )}
                  {e.call.notes && (
                    <Box
                      component="span"
                      data-testid="call-notes"
                      sx={{ color: 'text.secondary', ...ellipsis }}
                    >
                      {e.call.notes}
                    </Box>
                  )}
                </Box>
              )}
              {!dense && e.kind === 'chat' && (
                <Box sx={{ color: 'text.secondary', ...ellipsis }} data-testid="chat-excerpt">
                  {e.chat.excerpt
                    ? t('chatTimeline.detail', {
                        visitor: e.chat.visitorName ?? t('chatTimeline.visitor'),
                        excerpt: e.chat.excerpt,
                      })
                    : t('chatTimeline.span', {
                        start: fmt.absolute(e.chat.startedAt),
                        end: fmt.absolute(e.chat.endedAt),
                      })}
                </Box>
              )}
              {!dense && e.kind !== 'call' && e.kind !== 'chat' && (
                <Box sx={{ color: 'text.secondary', ...ellipsis }}>
                  {e.kind === 'ticket' ? e.ticket.subject : `${e.ticket.subject} — ${e.excerpt}`}
                </Box>
              )}
            </Box>
          </Box>
        );
      })}
      <Dialog
        open={transcript !== null}
        onClose={() => setTranscript(null)}
        maxWidth="md"
        fullWidth
        data-testid="chat-transcript-dialog"
      >
        <DialogTitle>
          {t('chatTimeline.transcriptTitle')}
          {transcript && (
            <Typography variant="body2" color="textSecondary" component="div">
              {t('chatTimeline.span', {
                start: fmt.absolute(transcript.chat.startedAt),
                end: fmt.absolute(transcript.chat.endedAt),
              })}
            </Typography>
          )}
        </DialogTitle>
        <DialogContent dividers>
          {/* Plain text as the service wrote it: never markup. */}
          <Box
            component="pre"
            data-testid="chat-transcript"
            sx={{
              m: 0,
              whiteSpace: 'pre-wrap',
              wordBreak: 'break-word',
              fontFamily: 'inherit',
              fontSize: 13,
            }}
          >
            {transcript?.chat.transcript}
          </Box>
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setTranscript(null)}>{t('chatTimeline.close')}</Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}

type T = ReturnType<typeof useTranslation>['t'];

function iconOf(e: TimelineEntry): ReactElement {
  const sx = { fontSize: 16 };
  if (e.kind === 'call')
    return e.call.direction === 'inbound' ? <CallReceivedIcon sx={sx} /> : <CallMadeIcon sx={sx} />;
  if (e.kind === 'ticket') return <TicketIcon sx={sx} />;
  if (e.kind === 'chat') return <ForumIcon sx={{ ...sx, color: 'primary.main' }} />;
  return CHANNEL_ICON[e.ticket.channel]({
    sx: { ...sx, color: e.fromCustomer ? 'primary.main' : 'text.secondary' },
  });
}

function headline(e: TimelineEntry, t: T, number: string | null): string {
  switch (e.kind) {
    case 'call':
      return t('customer.timeline.callLine', {
        direction: t(`customer.timeline.${e.call.direction}`),
        status: t(`phone.interaction.status.${e.call.status}`),
      });
    case 'ticket':
      return t('customer.timeline.ticketOpened', {
        number,
        channel: t(`admin.channel.${e.ticket.channel}`),
      });
    case 'message':
      return t('customer.timeline.messageFrom', {
        author: e.fromCustomer ? `${e.authorName} (${t('customer.timeline.customer')})` : e.authorName,
        number,
        channel: t(`admin.channel.${e.ticket.channel}`),
      });
    case 'chat': {
      const line = t('chatTimeline.line', {
        agent: e.chat.agentName ?? t('chatTimeline.assistant'),
        count: e.chat.messageCount,
      });
      return number ? `${line} · ${t('chatTimeline.linked', { number })}` : line;
    }
  }
}

const ellipsis = { overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' } as const;
