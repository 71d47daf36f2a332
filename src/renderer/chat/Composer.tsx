import SendIcon from '@mui/icons-material/Send';
import {
  Box,
  IconButton,
  List,
  ListItemButton,
  ListItemText,
  Paper,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CannedResponse } from '../../shared/chat/agent-protocol';
import { CHAT_MAX_TEXT } from '../../shared/chat/limits';
import type { ErrorBody } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { AttachButton, FileLimits } from './ChatFiles';
import { cannedQuery, fillCanned, filterCanned, type CannedValues } from './canned';

/** Typing is said again at most this often while the agent keeps typing, and stopped after this long idle. */
const TYPING_REPEAT_MS = 3000;
const TYPING_IDLE_MS = 4000;

/**
 * Where the agent writes: Enter sends, Shift+Enter starts a new line (Enter that ends an input method's
 * composition does neither). "/" and a shortcut opens the canned responses: ↑ ↓ to choose, Enter or Tab to
 * insert it with its variables filled, Esc to close.
 */
export function Composer({
  chatId,
  disabled,
  canned,
  values,
  language,
}: {
  chatId: string;
  disabled: boolean;
  canned: readonly CannedResponse[];
  values: CannedValues;
  /** The chat's language, when known: its canned responses come first. */
  language: CannedResponse['language'] | null;
}) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [caret, setCaret] = useState(0);
  const [pick, setPick] = useState(0);
  const [closedAt, setClosedAt] = useState<string | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const input = useRef<HTMLTextAreaElement | null>(null);
  const typing = useRef<{ since: number; idle: ReturnType<typeof setTimeout> | null }>({
    since: 0,
    idle: null,
  });

  const q = cannedQuery(text, caret);
  const matches = q && closedAt !== text ? filterCanned(canned, q.query, language) : [];
  const picking = matches.length > 0;

  const sayTyping = (on: boolean) => {
    void getApi()
      .invoke('chat.typing', { chatId, typing: on })
      .catch(() => undefined); // only a hint: never worth an error on screen
  };
  const typed = () => {
    const now = Date.now();
    const tp = typing.current;
    if (now - tp.since > TYPING_REPEAT_MS) {
      tp.since = now;
      sayTyping(true);
    }
    if (tp.idle) clearTimeout(tp.idle);
    tp.idle = setTimeout(() => {
      tp.since = 0;
      tp.idle = null;
      sayTyping(false);
    }, TYPING_IDLE_MS);
  };
  const stopTyping = () => {
    const tp = typing.current;
    if (tp.idle) clearTimeout(tp.idle);
    tp.idle = null;
    if (tp.since) sayTyping(false);
    tp.since = 0;
  };
  useEffect(
    () => () => {
      if (typing.current.idle) clearTimeout(typing.current.idle);
    },
    [],
  );

  const send = () => {
    const body = text.trim();
    if (!body || disabled) return;
    setText('');
    setCaret(0);
    setError(null);
    stopTyping();
    // The services keep it (and send it again when the connection is back); an error means it was not kept.
    getApi()
      .invoke('chat.send', { chatId, text: body })
      .catch((e: unknown) => {
        setText((now) => (now ? `${body}\n${now}` : body));
        setError(errorBodyOf(e));
      });
  };

  const insert = (c: CannedResponse) => {
    if (!q) return;
    const filled = fillCanned(c.text, values);
    const next = text.slice(0, q.start) + filled + text.slice(caret);
    const at = q.start + filled.length;
    setText(next);
    setCaret(at);
    setPick(0);
    requestAnimationFrame(() => input.current?.setSelectionRange(at, at));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.nativeEvent.isComposing) return;
    if (picking) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const d = e.key === 'ArrowDown' ? 1 : -1;
        setPick((p) => (p + d + matches.length) % matches.length);
        return;
      }
      if (e.key === 'Enter' || e.key === 'Tab') {
        e.preventDefault();
        insert(matches[Math.min(pick, matches.length - 1)]!);
        return;
      }
      if (e.key === 'Escape') {
        e.preventDefault();
        setClosedAt(text);
        return;
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.ctrlKey && !e.altKey && !e.metaKey) {
      e.preventDefault();
      send();
    }
  };

  return (
    <Box sx={{ position: 'relative', borderTop: 1, borderColor: 'divider', p: 1 }}>
      {picking && (
        <Paper
          elevation={6}
          data-testid="canned-picker"
          sx={{
            position: 'absolute',
            bottom: '100%',
            left: 8,
            right: 8,
            mb: 0.5,
            zIndex: 2,
            maxHeight: 280,
            overflow: 'auto',
          }}
        >
          <Typography variant="caption" color="textSecondary" sx={{ px: 1.5, pt: 0.5, display: 'block' }}>
            {t('chat.canned.hint')}
          </Typography>
          <List dense disablePadding>
            {matches.map((c, i) => (
              <ListItemButton
                key={c.id}
                selected={i === Math.min(pick, matches.length - 1)}
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => insert(c)}
                data-testid="canned-item"
                data-shortcut={c.shortcut}
              >
                <ListItemText
                  primary={`/${c.shortcut} · ${c.title}`}
                  secondary={fillCanned(c.text, values)}
                  slotProps={{ secondary: { noWrap: true } }}
                />
              </ListItemButton>
            ))}
          </List>
        </Paper>
      )}
      {error && <ErrorAlert error={error} onClose={() => setError(null)} testId="chat-send-error" />}
      <Box sx={{ display: 'flex', alignItems: 'flex-end', gap: 1 }}>
        <AttachButton chatId={chatId} disabled={disabled} />
        <TextField
          inputRef={input}
          multiline
          maxRows={6}
          fullWidth
          size="small"
          disabled={disabled}
          placeholder={t('chat.composer.placeholder')}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setCaret(e.target.selectionStart ?? e.target.value.length);
            setPick(0);
            if (e.target.value) typed();
          }}
          onSelect={(e) => setCaret((e.target as HTMLTextAreaElement).selectionStart ?? 0)}
          onKeyDown={onKeyDown}
          onBlur={stopTyping}
          slotProps={{ htmlInput: { maxLength: CHAT_MAX_TEXT, 'data-testid': 'chat-composer' } }}
        />
        <IconButton
          color="primary"
          disabled={disabled || !text.trim()}
          onClick={send}
          aria-label={t('chat.composer.send')}
          data-testid="chat-send"
        >
          <SendIcon />
        </IconButton>
      </Box>
      <Typography variant="caption" color="textSecondary">
        {t('chat.composer.hint')}
      </Typography>
      <FileLimits />
    </Box>
  );
}
