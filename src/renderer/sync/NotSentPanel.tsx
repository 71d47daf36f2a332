import ContentCopyIcon from '@mui/icons-material/ContentCopyOutlined';
import DeleteIcon from '@mui/icons-material/DeleteOutlined';
import ReplayIcon from '@mui/icons-material/Replay';
import SendIcon from '@mui/icons-material/SendOutlined';
import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  List,
  ListItemButton,
  ListItemText,
  Paper,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useDataChanged } from './use-data-changed';
import { notSentText, type Customer, type ErrorBody, type NotSentItem, type TicketRow } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { useFormat } from '../i18n';
import { ticketNumberText } from '../tickets/TicketListRow';

const KIND_KEY: Record<NotSentItem['kind'], string> = {
  'ticket.update': 'ticketUpdate',
  'ticket.comment': 'ticketComment',
  'ticket.create': 'ticketCreate',
  'customer.create': 'customerCreate',
  'interaction.log': 'interactionLog',
  'interaction.complete': 'interactionComplete',
  'ticket.delete': 'ticketDelete',
};

const REASONS = new Set([
  'not_found',
  'forbidden',
  'account_disabled',
  'parent_refused',
  'conflict',
  'bad_request',
  'too_large',
  'retry_refused',
  'deleted',
]);

/** Whose words can go to another ticket as a comment: those with text the agent wrote. */
const canSendElsewhere = (i: NotSentItem) =>
  i.kind === 'ticket.comment' || i.kind === 'ticket.create' || i.kind === 'interaction.complete';
/** Out of the agent's department: a retry of a call change records the call again where they are now. */
const outOfScope = (i: NotSentItem) => i.code === 'not_found' || i.code === 'forbidden';
/**
 * Every kind can be retried (see not-sent-retry.ts), but call notes whose call left with another department
 * can only be recorded again if this desktop still knew the call; otherwise the panel says so.
 */
const canRetry = (i: NotSentItem) => !(i.kind === 'interaction.complete' && i.call === null && outOfScope(i));
const reasonKey = (i: NotSentItem) =>
  !REASONS.has(i.code)
    ? 'other'
    : i.code === 'parent_refused' && i.kind === 'interaction.complete'
      ? 'parent_refused_call'
      : i.code;

/**
 * What the server did not take, kept until the agent chooses: retry it, copy it, send its text to another
 * ticket, or dismiss it (after a confirmation). Nothing here is removed by the system.
 */
export function NotSentPanel({
  open,
  items,
  onClose,
}: {
  open: boolean;
  items: NotSentItem[];
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const [sendFor, setSendFor] = useState<NotSentItem | null>(null);
  const [dismissFor, setDismissFor] = useState<NotSentItem | null>(null);
  const [customerFor, setCustomerFor] = useState<NotSentItem | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // One action at a time: a second click while the first is on its way does nothing.
  const [busy, setBusy] = useState(false);
  // The state shows it; the ref also stops a second click that comes before the next render.
  const inFlight = useRef(false);

  const act = async <T,>(
    what: () => Promise<T>,
    message: string | ((result: T) => string),
    /** Handles an error itself (true), instead of showing it. */
    onError?: (error: ErrorBody) => boolean,
  ) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const result = await what();
      setDone(typeof message === 'string' ? message : message(result));
    } catch (e) {
      const body = errorBodyOf(e);
      if (!onError?.(body)) setError(body);
    } finally {
      inFlight.current = false;
      setBusy(false);
    }
  };

  /** A new ticket whose customer is out of reach now asks for one to file it under, then retries with it. */
  const retry = (item: NotSentItem, customerId?: string) =>
    act(
      () => getApi().invoke('notSent.retry', { id: item.id, ...(customerId ? { customerId } : {}) }),
      ({ retried, kept }) =>
        kept.length > 0
          ? t('notSent.retriedKept', { count: kept.length })
          : retried.length > 1
            ? t('notSent.retriedWith', { count: retried.length - 1 })
            : t('notSent.retried'),
      (e) => {
        if (customerId || !e.issues?.some((i) => i.path === 'customerId')) return false;
        setCustomerFor(item);
        return true;
      },
    );

  return (
    <Dialog open={open} onClose={onClose} maxWidth="md" fullWidth data-testid="not-sent-panel">
      <DialogTitle>{t('notSent.title')}</DialogTitle>
      <DialogContent dividers>
        <Typography variant="body2" sx={{ color: 'text.secondary', mb: 1.5 }}>
          {t('notSent.intro')}
        </Typography>
        {error && <ErrorAlert error={error} testId="not-sent-error" onClose={() => setError(null)} />}
        {done && (
          <Alert
            severity="success"
            sx={{ py: 0, mb: 1 }}
            onClose={() => setDone(null)}
            data-testid="not-sent-done"
          >
            {done}
          </Alert>
        )}
        {items.length === 0 && (
          <Typography data-testid="not-sent-empty" sx={{ py: 2 }}>
            {t('notSent.empty')}
          </Typography>
        )}
        <Stack spacing={1.5}>
          {items.map((item) => (
            <NotSentCard
              key={item.id}
              item={item}
              busy={busy}
              onRetry={() => retry(item)}
              onCopy={() => act(() => navigator.clipboard.writeText(notSentText(item)), t('notSent.copied'))}
              onSendTo={() => setSendFor(item)}
              onDismiss={() => setDismissFor(item)}
            />
          ))}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} data-testid="not-sent-close">
          {t('notSent.close')}
        </Button>
      </DialogActions>
      <PickDialog<TicketRow>
        open={sendFor !== null}
        title={t('notSent.sendToTitle')}
        searchLabel={t('notSent.searchTicket')}
        testId="send"
        search={searchTickets}
        primary={(r) => `${ticketNumberText(r.number, t('tickets.localNumber'))} ${r.subject}`}
        secondary={(r) => r.customerName}
        onClose={() => setSendFor(null)}
        onPick={(ticket) => {
          const item = sendFor!;
          setSendFor(null);
          void act(
            () => getApi().invoke('notSent.sendTo', { id: item.id, ticketId: ticket.id }),
            t('notSent.sent', { ticket: ticketNumberText(ticket.number, t('tickets.localNumber')) }),
          );
        }}
      />
      <PickDialog<Customer>
        open={customerFor !== null}
        title={t('notSent.pickCustomerTitle')}
        intro={t('notSent.pickCustomerIntro')}
        searchLabel={t('notSent.searchCustomer')}
        testId="customer"
        search={searchCustomers}
        primary={(c) => c.name}
        secondary={(c) => [c.phone, c.company].filter(Boolean).join(' · ')}
        onClose={() => setCustomerFor(null)}
        onPick={(customer) => {
          const item = customerFor!;
          setCustomerFor(null);
          void retry(item, customer.id);
        }}
      />
      <Dialog open={dismissFor !== null} onClose={() => setDismissFor(null)} data-testid="not-sent-confirm">
        <DialogContent>{t('notSent.confirmDismiss')}</DialogContent>
        <DialogActions>
          <Button onClick={() => setDismissFor(null)}>{t('notSent.cancel')}</Button>
          <Button
            color="error"
            data-testid="not-sent-confirm-dismiss"
            onClick={() => {
              const item = dismissFor!;
              setDismissFor(null);
              void act(() => getApi().invoke('notSent.dismiss', { ids: [item.id] }), t('notSent.dismissed'));
            }}
          >
            {t('notSent.confirm')}
          </Button>
        </DialogActions>
      </Dialog>
    </Dialog>
  );
}

function NotSentCard({
  item,
  busy,
  onRetry,
  onCopy,
  onSendTo,
  onDismiss,
}: {
  item: NotSentItem;
  busy: boolean;
  onRetry: () => void;
  onCopy: () => void;
  onSendTo: () => void;
  onDismiss: () => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  // A new ticket's subject is in its text; a ticket the server never numbered is named by its subject.
  const ticket =
    item.kind === 'ticket.create'
      ? null
      : item.ticket
        ? [item.ticket.number === null ? null : `#${item.ticket.number}`, item.ticket.subject]
            .filter(Boolean)
            .join(' ')
        : item.ticketId
          ? t('notSent.ticketUnknown')
          : null;
  const reason = t(`notSent.reason.${reasonKey(item)}`);
  return (
    <Paper
      variant="outlined"
      sx={{ p: 1.5 }}
      data-testid="not-sent-item"
      data-kind={item.kind}
      data-code={item.code}
    >
      <Stack direction="row" spacing={1} sx={{ alignItems: 'baseline', flexWrap: 'wrap' }}>
        <Typography sx={{ fontWeight: 600 }}>{t(`notSent.kind.${KIND_KEY[item.kind]}`)}</Typography>
        {ticket && (
          <Typography variant="body2" sx={{ color: 'text.secondary' }}>
            {t('notSent.onTicket', { ticket })}
          </Typography>
        )}
        <Box sx={{ flex: 1 }} />
        <Typography variant="caption" sx={{ color: 'text.secondary' }} title={fmt.absolute(item.typedAt)}>
          {t('notSent.typedAt', { time: fmt.relative(item.typedAt) })}
        </Typography>
      </Stack>
      <Box
        data-testid="not-sent-text"
        sx={{
          my: 1,
          p: 1,
          bgcolor: 'action.hover',
          borderRadius: 1,
          whiteSpace: 'pre-wrap',
          wordBreak: 'break-word',
          maxHeight: 160,
          overflow: 'auto',
        }}
      >
        <TypedContent item={item} />
      </Box>
      <Typography variant="body2" color="error" data-testid="not-sent-reason">
        {reason}
      </Typography>
      {item.message && (!REASONS.has(item.code) || item.code === 'retry_refused') && (
        <Typography variant="caption" sx={{ color: 'text.secondary', display: 'block' }}>
          {t('notSent.serverSaid', { message: item.message })}
        </Typography>
      )}
      {item.current && (
        <Typography variant="body2" sx={{ color: 'text.secondary' }} data-testid="not-sent-current">
          {t('notSent.current', {
            subject: item.current.subject,
            status: t(`tickets.status.${item.current.status}`),
            priority: t(`tickets.priority.${item.current.priority}`),
          })}
        </Typography>
      )}
      {!canRetry(item) && (
        <Typography variant="body2" sx={{ color: 'text.secondary' }} data-testid="not-sent-no-retry">
          {t('notSent.noRetryCall')}
        </Typography>
      )}
      <Stack direction="row" spacing={1} sx={{ mt: 1 }}>
        {canRetry(item) && (
          <Button
            size="small"
            startIcon={<ReplayIcon />}
            onClick={onRetry}
            disabled={busy}
            data-testid="not-sent-retry"
            title={
              item.kind.startsWith('interaction.') && outOfScope(item)
                ? t('notSent.retryCallHint')
                : undefined
            }
          >
            {t('notSent.retry')}
          </Button>
        )}
        <Button size="small" startIcon={<ContentCopyIcon />} onClick={onCopy} data-testid="not-sent-copy">
          {t('notSent.copy')}
        </Button>
        {canSendElsewhere(item) && (
          <Button
            size="small"
            startIcon={<SendIcon />}
            onClick={onSendTo}
            disabled={busy}
            data-testid="not-sent-send-to"
          >
            {t('notSent.sendTo')}
          </Button>
        )}
        <Box sx={{ flex: 1 }} />
        <Button
          size="small"
          color="error"
          startIcon={<DeleteIcon />}
          onClick={onDismiss}
          disabled={busy}
          data-testid="not-sent-dismiss"
        >
          {t('notSent.dismiss')}
        </Button>
      </Stack>
    </Paper>
  );
}

/** The change as the agent typed it, in their language where the values are the app's own words. */
function TypedContent({ item }: { item: NotSentItem }) {
  const { t } = useTranslation();
  if (item.kind !== 'ticket.update') return <>{notSentText(item) || t('notSent.noText')}</>;
  const patch = (item.args.patch ?? {}) as Record<string, unknown>;
  return (
    <>
      {Object.entries(patch).map(([field, value]) => {
        const shown =
          field === 'status' && typeof value === 'string'
            ? t(`tickets.status.${value}`)
            : field === 'priority' && typeof value === 'string'
              ? t(`tickets.priority.${value}`)
              : value === null
                ? '—'
                : String(value);
        return (
          <Box key={field}>
            {t(`detail.fields.${field}`)}: {shown}
          </Box>
        );
      })}
    </>
  );
}

/**
 * Pick one of the agent's records, searched in the local copy as they type: a ticket to receive the text as a
 * comment, or a customer to file a retried new ticket under. `open` with the item it is for; null closes it.
 */
function PickDialog<T extends { id: string }>({
  open,
  title,
  intro,
  searchLabel,
  testId,
  search,
  primary,
  secondary,
  onClose,
  onPick,
}: {
  open: boolean;
  title: string;
  intro?: string;
  searchLabel: string;
  /** not-sent-<testId>-dialog, -search and -pick */
  testId: string;
  search: (text: string) => Promise<T[]>;
  primary: (row: T) => string;
  secondary: (row: T) => string | null;
  onClose: () => void;
  onPick: (row: T) => void;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [rows, setRows] = useState<T[]>([]);
  // Asked again when the replica changes: right after a sign-in or a move the records are still arriving, and a
  // search typed then found nothing for good.
  const [generation, setGeneration] = useState(0);
  useDataChanged(() => {
    if (open) setGeneration((g) => g + 1);
  });
  useEffect(() => {
    if (!open) return;
    let live = true;
    search(text)
      .then((found) => live && setRows(found))
      .catch(() => live && setRows([]));
    return () => {
      live = false;
    };
  }, [open, text, search, generation]);
  return (
    <Dialog open={open} onClose={onClose} maxWidth="sm" fullWidth data-testid={`not-sent-${testId}-dialog`}>
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        {intro && (
          <Typography variant="body2" sx={{ color: 'text.secondary' }}>
            {intro}
          </Typography>
        )}
        <TextField
          autoFocus
          fullWidth
          size="small"
          value={text}
          onChange={(e) => setText(e.target.value)}
          label={searchLabel}
          slotProps={{ htmlInput: { 'data-testid': `not-sent-${testId}-search` } }}
          sx={{ mt: 1 }}
        />
        <List dense>
          {rows.map((r) => (
            <ListItemButton key={r.id} onClick={() => onPick(r)} data-testid={`not-sent-${testId}-pick`}>
              <ListItemText primary={primary(r)} secondary={secondary(r)} />
            </ListItemButton>
          ))}
        </List>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('notSent.cancel')}</Button>
      </DialogActions>
    </Dialog>
  );
}

const searchTickets = (text: string) =>
  getApi()
    .invoke('tickets.search', { text, limit: 20 })
    .then((page) => page.rows);
const searchCustomers = (text: string) =>
  getApi()
    .invoke('customers.search', { text, limit: 20 })
    .then((page) => page.rows);
