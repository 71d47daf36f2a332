import DoneIcon from '@mui/icons-material/Done';
import DoneAllIcon from '@mui/icons-material/DoneAll';
import { Alert, Box, Button, Chip, Divider, Stack, Typography } from '@mui/material';
import { useEffect, useMemo, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AgentChatSummary, CannedResponse } from '../../shared/chat/agent-protocol';
import type { ChatMessage } from '../../shared/chat/protocol';
import type { PendingChatMessage } from '../../shared/ipc/chat-desk';
import type { ErrorBody } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { useSessionInfo } from '../auth/session-context';
import { ErrorAlert } from '../common/ErrorAlert';
import { CustomerTimeline } from '../customers/CustomerTimeline';
import { useDirectory } from '../directory/DirectoryProvider';
import { errorText, useFormat } from '../i18n';
import { SuggestedArticles } from '../kb/SuggestedArticles';
import { SuggestedAnswer } from '../answers/SuggestedAnswer'; // suggested answers (issue 15, answers helper)
import { ticketNumberText } from '../tickets/TicketListRow';
import { departmentName, type CannedValues } from './canned';
import { ChatTicketDialog, TransferDialog } from './ChatDialogs';
import { useChats } from './ChatProvider';
import { FileChips } from './ChatFiles';
import { Composer } from './Composer';
import { MessageText } from './MessageText';
import { unsentLines } from './unsent';

/** How many of the visitor's latest messages the suggested articles search with. */
const SUGGEST_FROM = 3;

/** One chat: the conversation and composer, its actions, and beside it the visitor and what may help. */
export function ChatView({
  chat,
  canned,
  onOpenTicket,
}: {
  chat: AgentChatSummary;
  canned: readonly CannedResponse[];
  onOpenTicket: (id: string) => void;
}) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const session = useSessionInfo();
  const directory = useDirectory();
  const { state, messages, load, visitorTyping } = useChats();
  const list = messages(chat.id);
  const pending = unsentLines(state.pending, list, chat.id);
  const [dialog, setDialog] = useState<'transfer' | 'ticket' | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [customerName, setCustomerName] = useState<string | null>(null);
  const [ticketNumber, setTicketNumber] = useState<number | null>(null);
  const bottom = useRef<HTMLDivElement | null>(null);
  const readSent = useRef(0);
  const ended = chat.state === 'ended';
  const mine = chat.state === 'agent' && chat.agentId === session.user.id;

  useEffect(() => {
    load(chat.id);
  }, [chat.id, load, state.online]);
  // A block, not an arrow's value: newer Chromium returns a promise from scrollIntoView, and React would
  // call whatever an effect returns as its cleanup.
  useEffect(() => {
    void bottom.current?.scrollIntoView({ block: 'end' });
  }, [list.length, pending.length]);

  // Shown: the visitor's messages up to the last one are read (said once per new message).
  const lastVisitorSeq = list.reduce((n, m) => (m.sender === 'visitor' ? Math.max(n, m.seq) : n), 0);
  useEffect(() => {
    if (!mine || lastVisitorSeq <= readSent.current || document.visibilityState !== 'visible') return;
    readSent.current = lastVisitorSeq;
    getApi()
      .invoke('chat.read', { chatId: chat.id, seq: lastVisitorSeq })
      .catch(() => (readSent.current = 0));
  }, [chat.id, lastVisitorSeq, mine]);

  useEffect(() => {
    let live = true;
    setCustomerName(null);
    if (chat.customerId) {
      getApi()
        .invoke('customers.get', { id: chat.customerId })
        .then(
          (d) => live && setCustomerName(d.customer.name),
          () => undefined,
        );
    }
    return () => {
      live = false;
    };
  }, [chat.customerId]);
  useEffect(() => {
    let live = true;
    setTicketNumber(null);
    if (chat.ticketId) {
      getApi()
        .invoke('tickets.get', { id: chat.ticketId })
        .then(
          (d) => live && setTicketNumber(d.ticket.number),
          () => undefined, // not synced here yet: the variable stays for the agent to fill
        );
    }
    return () => {
      live = false;
    };
  }, [chat.ticketId]);

  const values: CannedValues = {
    'customer.name': customerName ?? chat.visitor.name,
    'agent.name': session.user.displayName,
    'ticket.number': ticketNumber === null ? null : String(ticketNumber),
    // In the customer's language where the chat has one: the text goes to them, not to the agent.
    'department.name':
      departmentName(
        directory.department(chat.departmentId),
        chat.visitor.language,
        i18n.language === 'zh-CN' ? 'zh-CN' : 'en',
      ) || null,
  };

  const suggestFrom = useMemo(
    () =>
      list
        .filter((m) => m.sender === 'visitor')
        .slice(-SUGGEST_FROM)
        .map((m) => m.text)
        .join(' '),
    [list],
  );

  const end = () => {
    setError(null);
    getApi()
      .invoke('chat.end', { chatId: chat.id })
      .catch((e: unknown) => setError(errorBodyOf(e)));
  };

  const v = chat.visitor;
  return (
    <Box
      sx={{ flex: 1, minWidth: 0, minHeight: 0, display: 'flex' }}
      data-testid="chat-view"
      data-chat={chat.id}
    >
      <Box sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}>
        <Stack
          direction="row"
          spacing={1}
          sx={{ px: 1.5, py: 0.75, alignItems: 'center', borderBottom: 1, borderColor: 'divider' }}
        >
          <Typography variant="subtitle2" noWrap sx={{ flex: 1 }}>
            {v.name || t('chat.visitor')}
            <Chip
              size="small"
              sx={{ ml: 1 }}
              label={t(`chat.states.${chat.state}`)}
              data-testid="chat-state"
            />
            {chat.ticketId && (
              <Button
                size="small"
                sx={{ ml: 1 }}
                onClick={() => onOpenTicket(chat.ticketId!)}
                data-testid="chat-open-ticket"
              >
                {t('chat.actions.openTicket', {
                  number: ticketNumberText(ticketNumber, t('tickets.localNumber')),
                })}
              </Button>
            )}
          </Typography>
          <Button
            size="small"
            disabled={!mine || !state.online}
            onClick={() => setDialog('transfer')}
            data-testid="chat-transfer"
          >
            {t('chat.actions.transfer')}
          </Button>
          <Button
            size="small"
            disabled={ended || !state.online}
            onClick={() => setDialog('ticket')}
            data-testid="chat-to-ticket"
          >
            {chat.ticketId ? t('chat.actions.linkOther') : t('chat.actions.ticket')}
          </Button>
          <Button
            size="small"
            color="error"
            disabled={ended || !state.online}
            onClick={end}
            data-testid="chat-end"
          >
            {t('chat.actions.end')}
          </Button>
        </Stack>
        {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
        <Box sx={{ flex: 1, minHeight: 0, overflow: 'auto', px: 1.5, py: 1 }} data-testid="chat-messages">
          {list.map((m) => (
            <MessageLine key={m.id} m={m} chat={chat} />
          ))}
          {pending.map((p) => (
            <PendingLine key={p.clientId} p={p} />
          ))}
          {visitorTyping(chat.id) && !ended && (
            <Typography variant="caption" color="textSecondary" data-testid="chat-visitor-typing">
              {t('chat.visitorTyping', { name: v.name || t('chat.visitor') })}
            </Typography>
          )}
          <div ref={bottom} />
        </Box>
        {ended ? (
          <Alert severity="info" sx={{ borderRadius: 0 }}>
            {t('chat.endedNote')}
          </Alert>
        ) : (
          <Composer
            chatId={chat.id}
            disabled={!mine}
            canned={canned}
            values={values}
            language={chat.visitor.language}
          />
        )}
      </Box>
      <Box
        sx={{ width: 340, flexShrink: 0, borderLeft: 1, borderColor: 'divider', overflow: 'auto', p: 1.5 }}
        data-testid="chat-side"
      >
        <Typography variant="overline" color="textSecondary">
          {t('chat.side.visitor')}
        </Typography>
        <Box
          component="dl"
          sx={{ m: 0, '& dt': { color: 'text.secondary', fontSize: 12 }, '& dd': { m: 0, mb: 0.5 } }}
        >
          <dt>{t('chat.side.name')}</dt>
          <dd data-testid="chat-visitor-name">{v.name || '—'}</dd>
          <dt>{t('chat.side.phone')}</dt>
          <dd>{v.phone || '—'}</dd>
          <dt>{t('chat.side.email')}</dt>
          <dd>{v.email || '—'}</dd>
          <dt>{t('chat.side.language')}</dt>
          <dd>{v.language ? t(`kb.languages.${v.language}`) : '—'}</dd>
          <dt>{t('chat.side.department')}</dt>
          <dd>{fmt.department(directory.department(chat.departmentId)) || '—'}</dd>
          <dt>{t('chat.side.started')}</dt>
          <dd>{fmt.absolute(chat.createdAt)}</dd>
        </Box>
        <Divider sx={{ my: 1 }} />
        <SuggestedAnswer
          kind="chat"
          id={chat.id}
          refreshKey={suggestFrom}
          replyTestId="chat-composer"
          onOpenTicket={onOpenTicket}
        />
        <Divider sx={{ my: 1 }} />
        <SuggestedArticles subject={suggestFrom} description="" />
        <Divider sx={{ my: 1 }} />
        {chat.customerId ? (
          <Box data-testid="chat-customer-timeline">
            <Typography variant="overline" color="textSecondary">
              {t('chat.side.timeline', { name: customerName ?? v.name ?? '' })}
            </Typography>
            <CustomerTimeline customerId={chat.customerId} onOpenTicket={onOpenTicket} />
          </Box>
        ) : (
          <Typography variant="body2" color="textSecondary">
            {t('chat.side.noCustomer')}
          </Typography>
        )}
      </Box>
      <TransferDialog chat={chat} open={dialog === 'transfer'} onClose={() => setDialog(null)} />
      <ChatTicketDialog
        chat={chat}
        open={dialog === 'ticket'}
        onClose={() => setDialog(null)}
        onDone={(ticketId) => {
          setDialog(null);
          onOpenTicket(ticketId);
        }}
      />
    </Box>
  );
}

function MessageLine({ m, chat }: { m: ChatMessage; chat: AgentChatSummary }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  if (m.sender === 'system') {
    return (
      <Typography
        variant="caption"
        component="div"
        color="textSecondary"
        sx={{ textAlign: 'center', my: 0.5 }}
        data-testid="chat-system-line"
      >
        {t(`chat.system.${m.event ?? 'identified'}`, { name: m.name ?? '' })} · {fmt.absolute(m.createdAt)}
      </Typography>
    );
  }
  const own = m.sender === 'agent';
  const mark = own
    ? m.seq <= chat.visitorRead
      ? 'read'
      : m.seq <= chat.visitorDelivered
        ? 'delivered'
        : 'sent'
    : null;
  return (
    <Box
      sx={{ display: 'flex', justifyContent: own ? 'flex-end' : 'flex-start', my: 0.5 }}
      data-testid="chat-message"
      data-sender={m.sender}
      data-seq={m.seq}
    >
      <Box
        sx={{
          maxWidth: '75%',
          px: 1.25,
          py: 0.75,
          borderRadius: 2,
          bgcolor: own ? 'primary.main' : m.sender === 'bot' ? 'action.selected' : 'action.hover',
          color: own ? 'primary.contrastText' : 'text.primary',
          whiteSpace: 'pre-wrap',
          overflowWrap: 'anywhere',
          fontSize: 14,
          '& a': { color: 'inherit' },
        }}
      >
        {m.sender === 'bot' && (
          <Typography variant="caption" component="div" sx={{ opacity: 0.75 }}>
            {m.articleId
              ? m.name
                ? t('chat.botFromNamedArticle', { title: m.name })
                : t('chat.botFromArticle')
              : t('chat.bot')}
          </Typography>
        )}
        <MessageText text={m.text} />
        <FileChips files={m.attachments} own={own} />
        <Typography
          variant="caption"
          component="div"
          sx={{
            opacity: 0.7,
            textAlign: 'right',
            display: 'flex',
            justifyContent: 'flex-end',
            alignItems: 'center',
            gap: 0.5,
          }}
        >
          {fmt.absolute(m.createdAt)}
          {mark && (
            <Box
              component="span"
              data-testid="chat-mark"
              data-mark={mark}
              title={t(`chat.marks.${mark}`)}
              sx={{ display: 'inline-flex' }}
            >
              {mark === 'sent' ? null : mark === 'delivered' ? (
                <DoneIcon sx={{ fontSize: 14 }} />
              ) : (
                <DoneAllIcon sx={{ fontSize: 14 }} />
              )}
              <Box component="span" sx={{ ml: 0.25 }}>
                {t(`chat.marks.${mark}`)}
              </Box>
            </Box>
          )}
        </Typography>
      </Box>
    </Box>
  );
}

/** A message the server does not have yet: kept here, sent again when it can be, or refused with the reason. */
function PendingLine({ p }: { p: PendingChatMessage }) {
  const { t } = useTranslation();
  const failed = p.state === 'failed';
  const reason = failed && p.error ? errorText(t, p.error).headline : null;
  return (
    <Box
      sx={{ display: 'flex', justifyContent: 'flex-end', my: 0.5 }}
      data-testid="chat-pending"
      data-state={p.state}
    >
      <Box
        sx={{
          maxWidth: '75%',
          px: 1.25,
          py: 0.75,
          borderRadius: 2,
          border: 1,
          borderStyle: 'dashed',
          borderColor: failed ? 'error.main' : 'divider',
          whiteSpace: 'pre-wrap',
          overflowWrap: 'anywhere',
          fontSize: 14,
        }}
      >
        <MessageText text={p.text} />
        <FileChips files={p.attachments} own />
        <Typography variant="caption" component="div" color={failed ? 'error' : 'textSecondary'}>
          {failed ? t('chat.pending.failed', { reason }) : t(`chat.pending.${p.state}`)}
        </Typography>
        {failed && (
          <Stack direction="row" spacing={1} sx={{ justifyContent: 'flex-end' }}>
            <Button
              size="small"
              onClick={() =>
                void getApi()
                  .invoke('chat.send', {
                    chatId: p.chatId,
                    text: p.text,
                    attachments: p.attachments,
                    clientId: p.clientId,
                  })
                  .catch(() => undefined)
              }
            >
              {t('chat.pending.retry')}
            </Button>
            <Button
              size="small"
              color="inherit"
              onClick={() => void getApi().invoke('chat.discard', { clientId: p.clientId })}
            >
              {t('chat.pending.discard')}
            </Button>
          </Stack>
        )}
      </Box>
    </Box>
  );
}
