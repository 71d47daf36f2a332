import CallEndIcon from '@mui/icons-material/CallEnd';
import CallIcon from '@mui/icons-material/Call';
import DialpadIcon from '@mui/icons-material/Dialpad';
import MicIcon from '@mui/icons-material/MicNoneOutlined';
import MicOffIcon from '@mui/icons-material/MicOffOutlined';
import PauseIcon from '@mui/icons-material/Pause';
import PlayArrowIcon from '@mui/icons-material/PlayArrow';
import PhoneForwardedIcon from '@mui/icons-material/PhoneForwardedOutlined';
import {
  Alert,
  Box,
  Button,
  Chip,
  IconButton,
  Paper,
  Popover,
  Stack,
  Tooltip,
  Typography,
} from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Customer, TicketRow } from '../../shared';
import { formatPhone } from '../../shared/phone';
import { displayNumber } from './display-number';
import { useNow } from '../i18n/use-now';
import { callDuration } from './call-time';
import { DialDialog } from './DialDialog';
import { Keypad } from './Keypad';
import { QUEUE_HEADER } from './phone-session';
import { usePhoneSession, usePhoneState } from './PhoneProvider';
import { ScreenPopView } from './ScreenPopView';
import { SHORTCUT_KEYS, usePhoneShortcuts } from './use-phone-shortcuts';
import { useScreenPop } from './use-screen-pop';
import { WrapUpForm } from './WrapUpForm';
import type { CallState } from './types';

export interface CallPanelActions {
  onOpenTicket: (id: string) => void;
  onOpenCustomer: (id: string) => void;
  /** Quick-create a customer for an unknown caller (prefilled with the number). */
  onCreateCustomer: ((phone: string, onCreated: (customer: Customer) => void) => void) | null;
  /** Create a ticket from the call, prefilled; the wrap-up links it. */
  onCreateTicket:
    | ((
        prefill: {
          customerId: string | null;
          subject: string;
          description: string;
          interactionId: string | null;
        },
        onCreated: (ticket: TicketRow) => void,
      ) => void)
    | null;
}

function useCallTimer(call: CallState | null): string {
  const now = useNow(1000);
  if (!call) return '';
  const from = call.answeredAt ?? call.startedAt;
  const to = call.endedAt ?? now;
  return callDuration(to - from);
}

function shortcut(label: string, key: keyof typeof SHORTCUT_KEYS): string {
  return `${label} (${SHORTCUT_KEYS[key]})`;
}

/**
 * The call in the workbench: who it is (screen pop), the controls, then the after-call work. Docked on
 * the right so the ticket being worked on stays in view.
 */
export function CallPanel(actions: CallPanelActions) {
  const { t } = useTranslation();
  const session = usePhoneSession();
  const { phone: ps, wrapUp, queues } = usePhoneState();
  const { i18n } = useTranslation();
  const phone = session?.phone ?? null;
  const [dismissed, setDismissed] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [keypadAnchor, setKeypadAnchor] = useState<HTMLElement | null>(null);
  const [transferOpen, setTransferOpen] = useState(false);
  const [createdTickets, setCreatedTickets] = useState<TicketRow[]>([]);

  const run = (fn: () => void | Promise<void>) => {
    setError(null);
    try {
      const r = fn();
      if (r instanceof Promise) r.catch((e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const call = ps?.call ?? null;
  const consultation = ps?.consultation && ps.consultation.state !== 'ended' ? ps.consultation : null;
  const shown: CallState | null = wrapUp?.call ?? (call && call.id !== dismissed ? call : null);
  const remote = shown?.remoteNumber ?? null;
  const { pop, reload } = useScreenPop(remote, shown?.callId ?? null);
  const timer = useCallTimer(shown);
  const consultTimer = useCallTimer(consultation);

  useEffect(() => {
    setError(null);
    setCreatedTickets([]);
  }, [shown?.id]);

  // A finished wrap-up closes the panel: the call is done and in the customer's history.
  const wrapUpCallId = wrapUp?.call.id ?? null;
  const lastWrapUp = useRef<string | null>(null);
  useEffect(() => {
    if (lastWrapUp.current && wrapUpCallId === null) setDismissed(lastWrapUp.current);
    lastWrapUp.current = wrapUpCallId;
  }, [wrapUpCallId]);

  usePhoneShortcuts({
    answer: () => {
      if (ps?.call?.direction === 'incoming' && ps.call.state === 'ringing') run(() => phone?.answer());
    },
    hangup: () => {
      const c = ps?.consultation?.state !== 'ended' ? ps?.consultation : null;
      const target = c ?? ps?.call;
      if (!target || target.state === 'ended') return;
      if (target.direction === 'incoming' && target.state === 'ringing') run(() => phone?.decline());
      else run(() => phone?.hangup());
    },
    hold: () => {
      const target =
        ps?.consultation?.state === 'active' || ps?.consultation?.state === 'held'
          ? ps.consultation
          : ps?.call;
      if (target?.state === 'active') run(() => phone?.hold());
      else if (target?.state === 'held') run(() => phone?.resume());
    },
    mute: () => {
      const target = ps?.consultation && ps.consultation.state !== 'ended' ? ps.consultation : ps?.call;
      if (!target || !['active', 'held'].includes(target.state)) return;
      run(() => (target.muted ? phone?.unmute() : phone?.mute()));
    },
    keypad: () => {
      if (ps?.call && ps.call.state !== 'ended')
        setKeypadAnchor(document.querySelector<HTMLElement>('[data-testid="call-keypad"]'));
    },
  });

  if (!shown || !phone) return null;

  const act = run;

  const live = shown.state !== 'ended';
  const ringingIn = shown.direction === 'incoming' && shown.state === 'ringing';
  const focus = consultation ?? shown;
  const queueNumber = shown.headers[QUEUE_HEADER] ?? null;
  const queueInfo = queueNumber ? queues[queueNumber] : undefined;
  const queue = queueNumber
    ? queueInfo
      ? `${i18n.language === 'zh-CN' ? queueInfo.nameZh : queueInfo.nameEn} · ${queueNumber}`
      : t('phone.call.queue', { queue: queueNumber })
    : null;
  const otherHeaders = Object.entries(shown.headers).filter(([k]) => k !== QUEUE_HEADER);
  const name = pop?.customer?.name ?? shown.remoteDisplayName ?? t('phone.call.unknownCaller');

  return (
    <Paper
      square
      elevation={0}
      data-testid="call-panel"
      data-call-state={shown.state}
      data-call-id={shown.callId}
      sx={{
        width: 380,
        flexShrink: 0,
        borderLeft: 1,
        borderColor: 'divider',
        display: 'flex',
        flexDirection: 'column',
        minHeight: 0,
      }}
    >
      <Box sx={{ p: 1.5, borderBottom: 1, borderColor: 'divider' }}>
        <Box sx={{ display: 'flex', alignItems: 'baseline', justifyContent: 'space-between', gap: 1 }}>
          <Typography variant="overline" color="textSecondary">
            {shown.direction === 'incoming' ? t('phone.call.incoming') : t('phone.call.outgoing')} ·{' '}
            <span data-testid="call-state">{t(`phone.call.state.${shown.state}`)}</span>
          </Typography>
          <Typography sx={{ fontVariantNumeric: 'tabular-nums' }} data-testid="call-timer">
            {timer}
          </Typography>
        </Box>
        <Typography variant="h6" sx={{ lineHeight: 1.2 }} data-testid="call-name">
          {name}
        </Typography>
        <Typography color="textSecondary" data-testid="call-number">
          {pop?.number ? formatPhone(pop.number) : displayNumber(shown.remoteNumber)}
        </Typography>
        <Stack direction="row" spacing={0.5} sx={{ mt: 0.5, flexWrap: 'wrap', rowGap: 0.5 }}>
          {queue && <Chip size="small" data-testid="call-queue" label={queue} />}
          {otherHeaders.map(([k, v]) => (
            <Chip key={k} size="small" variant="outlined" label={`${k.replace(/^X-/i, '')}: ${v}`} />
          ))}
          {shown.muted && live && <Chip size="small" color="warning" label={t('phone.call.muted')} />}
          {shown.remoteHeld && live && <Chip size="small" label={t('phone.call.remoteHeld')} />}
        </Stack>

        {ringingIn && (
          <Stack direction="row" spacing={1} sx={{ mt: 1.25 }}>
            <Button
              variant="contained"
              color="success"
              startIcon={<CallIcon />}
              data-testid="call-answer"
              autoFocus
              onClick={() => act(() => phone.answer())}
              sx={{ flex: 1 }}
            >
              {shortcut(t('phone.call.answer'), 'answer')}
            </Button>
            <Button
              variant="outlined"
              color="error"
              startIcon={<CallEndIcon />}
              data-testid="call-decline"
              onClick={() => act(() => phone.decline())}
              sx={{ flex: 1 }}
            >
              {t('phone.call.decline')}
            </Button>
          </Stack>
        )}

        {live && !ringingIn && (
          <Stack direction="row" spacing={0.5} sx={{ mt: 1.25, alignItems: 'center' }}>
            {focus.state === 'held' ? (
              <Tooltip title={shortcut(t('phone.call.resume'), 'hold')}>
                <IconButton data-testid="call-resume" onClick={() => act(() => phone.resume())}>
                  <PlayArrowIcon />
                </IconButton>
              </Tooltip>
            ) : (
              <Tooltip title={shortcut(t('phone.call.hold'), 'hold')}>
                <span>
                  <IconButton
                    data-testid="call-hold"
                    disabled={focus.state !== 'active'}
                    onClick={() => act(() => phone.hold())}
                  >
                    <PauseIcon />
                  </IconButton>
                </span>
              </Tooltip>
            )}
            <Tooltip title={shortcut(focus.muted ? t('phone.call.unmute') : t('phone.call.mute'), 'mute')}>
              <IconButton
                data-testid="call-mute"
                aria-pressed={focus.muted}
                color={focus.muted ? 'warning' : 'default'}
                onClick={() => act(() => (focus.muted ? phone.unmute() : phone.mute()))}
              >
                {focus.muted ? <MicOffIcon /> : <MicIcon />}
              </IconButton>
            </Tooltip>
            <Tooltip title={shortcut(t('phone.call.keypad'), 'keypad')}>
              <IconButton data-testid="call-keypad" onClick={(e) => setKeypadAnchor(e.currentTarget)}>
                <DialpadIcon />
              </IconButton>
            </Tooltip>
            <Tooltip title={t('phone.call.transfer')}>
              <span>
                <IconButton
                  data-testid="call-transfer"
                  disabled={consultation !== null || !['active', 'held'].includes(shown.state)}
                  onClick={() => setTransferOpen(true)}
                >
                  <PhoneForwardedIcon />
                </IconButton>
              </span>
            </Tooltip>
            <Box sx={{ flex: 1 }} />
            <Button
              variant="contained"
              color="error"
              startIcon={<CallEndIcon />}
              data-testid="call-hangup"
              onClick={() => act(() => phone.hangup())}
            >
              {shortcut(t('phone.call.hangup'), 'hangup')}
            </Button>
          </Stack>
        )}

        {consultation && (
          <Paper variant="outlined" sx={{ mt: 1, p: 1 }} data-testid="consultation">
            <Typography variant="body2">
              {t('phone.call.consulting', { number: displayNumber(consultation.remoteNumber) })} ·{' '}
              {t(`phone.call.state.${consultation.state}`)} · {consultTimer}
            </Typography>
            <Stack direction="row" spacing={1} sx={{ mt: 0.75 }}>
              <Button
                size="small"
                variant="contained"
                disabled={consultation.state !== 'active'}
                data-testid="transfer-complete"
                onClick={() => act(() => phone.completeTransfer())}
              >
                {t('phone.call.completeTransfer')}
              </Button>
              <Button
                size="small"
                data-testid="transfer-cancel"
                onClick={() => act(() => phone.cancelConsultation())}
              >
                {t('phone.call.cancelConsultation')}
              </Button>
            </Stack>
          </Paper>
        )}

        {!live && !wrapUp && (
          <Button size="small" sx={{ mt: 1 }} data-testid="call-close" onClick={() => setDismissed(shown.id)}>
            {t('phone.call.close')}
          </Button>
        )}
        {error && (
          <Alert
            severity="error"
            sx={{ mt: 1, py: 0 }}
            data-testid="call-error"
            onClose={() => setError(null)}
          >
            {error}
          </Alert>
        )}
      </Box>

      <Box sx={{ flex: 1, minHeight: 0, overflow: 'auto', py: 1 }}>
        {pop && (
          <ScreenPopView
            pop={pop}
            onOpenTicket={actions.onOpenTicket}
            onOpenCustomer={actions.onOpenCustomer}
            onCreateCustomer={() => {
              const create = actions.onCreateCustomer;
              if (create) create(pop.number ?? shown.remoteNumber, () => reload());
            }}
          />
        )}
      </Box>

      {wrapUp && (
        <WrapUpForm
          key={wrapUp.call.id}
          wrapUp={wrapUp}
          tickets={pop?.openTickets ?? []}
          extraTickets={createdTickets}
          onComplete={(input) =>
            void session?.completeWrapUp({ ...input, customerId: pop?.customer?.id ?? null })
          }
          onDismiss={wrapUp.routed ? null : () => session?.dismissWrapUp()}
          onCreateTicket={
            actions.onCreateTicket
              ? (onCreated) =>
                  actions.onCreateTicket?.(
                    {
                      customerId: pop?.customer?.id ?? null,
                      subject: t('phone.wrapUp.ticketSubject', {
                        caller: pop?.customer?.name ?? displayNumber(wrapUp.call.remoteNumber),
                      }),
                      description: '',
                      interactionId: wrapUp.interactionId,
                    },
                    (ticket) => {
                      setCreatedTickets((list) => [ticket, ...list]);
                      onCreated(ticket);
                    },
                  )
              : null
          }
        />
      )}

      <Popover
        open={keypadAnchor !== null && live}
        anchorEl={keypadAnchor}
        onClose={() => setKeypadAnchor(null)}
        anchorOrigin={{ vertical: 'bottom', horizontal: 'left' }}
      >
        <Box sx={{ p: 1 }}>
          <Keypad testId="dtmf-keypad" onKey={(k) => act(() => phone.sendDtmf(k))} />
        </Box>
      </Popover>
      <DialDialog
        open={transferOpen}
        title={t('phone.transfer.title')}
        hint={t('phone.transfer.hint')}
        testId="transfer-dialog"
        onClose={() => setTransferOpen(false)}
        actions={[
          {
            label: t('phone.transfer.blind'),
            testId: 'transfer-blind',
            run: (target) => act(() => phone.blindTransfer(target)),
          },
          {
            label: t('phone.transfer.consult'),
            testId: 'transfer-consult',
            run: (target) => act(() => phone.startConsultation(target)),
          },
        ]}
      />
    </Paper>
  );
}
