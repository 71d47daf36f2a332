import ChatIcon from '@mui/icons-material/ChatBubbleOutlined';
import { Alert, Box, Button, Stack } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatOffer } from '../../shared/chat/agent-protocol';
import type { ErrorBody } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { CHORDS, chordLabel, matchesChord } from '../common/shortcuts';
import { useNow } from '../i18n';
import { useChats } from './ChatProvider';

/**
 * A chat offered to this agent, above whatever page is showing: who, the first words, the seconds left, and
 * Accept (Alt+C) / Decline (Alt+Shift+C). The oldest offer is in front; the rest wait behind it.
 */
export function OfferBanner({ onAccepted }: { onAccepted: (chatId: string) => void }) {
  const { t } = useTranslation();
  const { state, setActiveId } = useChats();
  const now = useNow(1000);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const offers = state.offers.filter((o) => new Date(o.expiresAt).getTime() > now);
  const offer: ChatOffer | undefined = offers[0];

  const act = (accept: boolean) => {
    if (!offer || busy) return;
    setBusy(true);
    setError(null);
    const call = accept
      ? getApi()
          .invoke('chat.accept', { offerId: offer.offerId })
          .then((c) => {
            setActiveId(c.id);
            onAccepted(c.id);
          })
      : getApi()
          .invoke('chat.decline', { offerId: offer.offerId })
          .then(() => undefined);
    call.catch((e: unknown) => setError(errorBodyOf(e))).finally(() => setBusy(false));
  };
  const actRef = useRef(act);
  useEffect(() => {
    actRef.current = act;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (matchesChord(e, CHORDS.acceptChat)) {
        e.preventDefault();
        actRef.current(true);
      } else if (matchesChord(e, CHORDS.declineChat)) {
        e.preventDefault();
        actRef.current(false);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (!offer) return error ? <ErrorAlert error={error} onClose={() => setError(null)} /> : null;
  const seconds = Math.max(0, Math.ceil((new Date(offer.expiresAt).getTime() - now) / 1000));
  const v = offer.chat.visitor;
  const who = v.name || v.email || v.phone || t('chat.visitor');
  const last = offer.chat.lastMessage?.text ?? '';
  return (
    <Box data-testid="chat-offer" data-offer={offer.offerId}>
      <Alert
        severity="info"
        icon={<ChatIcon fontSize="small" />}
        sx={{ borderRadius: 0, py: 0, alignItems: 'center' }}
        action={
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
            <Box
              component="span"
              data-testid="chat-offer-seconds"
              sx={{ fontVariantNumeric: 'tabular-nums' }}
            >
              {t('chat.offer.seconds', { count: seconds })}
            </Box>
            <Button
              variant="contained"
              size="small"
              disabled={busy || !state.online}
              onClick={() => act(true)}
              data-testid="chat-offer-accept"
              title={chordLabel(CHORDS.acceptChat)}
            >
              {t('chat.offer.accept')} ({chordLabel(CHORDS.acceptChat)})
            </Button>
            <Button
              size="small"
              color="inherit"
              disabled={busy || !state.online}
              onClick={() => act(false)}
              data-testid="chat-offer-decline"
            >
              {t('chat.offer.decline')} ({chordLabel(CHORDS.declineChat)})
            </Button>
          </Stack>
        }
      >
        <Box component="span" sx={{ fontWeight: 600 }}>
          {t('chat.offer.title', { name: who })}
        </Box>
        {offers.length > 1 && (
          <Box component="span" sx={{ ml: 1, opacity: 0.8 }}>
            {t('chat.offer.more', { count: offers.length - 1 })}
          </Box>
        )}
        {last && (
          <Box
            component="span"
            sx={{
              ml: 1,
              opacity: 0.8,
              maxWidth: 420,
              display: 'inline-block',
              verticalAlign: 'bottom',
              whiteSpace: 'nowrap',
              overflow: 'hidden',
              textOverflow: 'ellipsis',
            }}
          >
            {/* The visitor's words, as text. */}“{last.length > 120 ? `${last.slice(0, 120)}…` : last}”
          </Box>
        )}
      </Alert>
      {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
    </Box>
  );
}
