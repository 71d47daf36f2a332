import {
  Alert,
  Box,
  Button,
  Chip,
  Dialog,
  DialogActions,
  DialogContent,
  Link,
  Stack,
  Tooltip,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import type { AnswerSuggestions } from '../../shared/answers';
import type { KbArticle } from '../../shared/kb';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { chordLabel, CHORDS, matchesChord } from '../common/shortcuts';
import { ArticleView } from '../kb/ArticleView';
import { useKbCategories } from '../kb/use-kb-categories';
import { insertIntoReply } from './insert-reply';

/**
 * "Suggested answer" beside a ticket or a chat (issue 15): the knowledge-base articles and similar solved tickets
 * that match the contact's words, each opening the article or the ticket, and a draft reply citing them by
 * number. "Insert into reply" (Alt+I) puts the draft into the reply editor for the agent to edit; nothing is
 * ever sent from here. When the optional LLM failed and the local draft stands, a small mark says so. Offline,
 * one line says the suggestions need the server, and the rest of the screen works as before.
 */
export function SuggestedAnswer({
  kind,
  id,
  refreshKey,
  replyTestId,
  onOpenTicket,
}: {
  kind: 'ticket' | 'chat';
  id: string;
  /** Changes when the contact's words change (a new chat message): the suggestions are asked again. */
  refreshKey?: string;
  /** The data-testid of the reply editor the draft goes into. */
  replyTestId: string;
  onOpenTicket: (id: string) => void;
}) {
  const { t } = useTranslation();
  const categories = useKbCategories();
  const [data, setData] = useState<AnswerSuggestions | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [reading, setReading] = useState<KbArticle | null>(null);
  const [readError, setReadError] = useState<ErrorBody | null>(null);
  const [notice, setNotice] = useState<'inserted' | 'noEditor' | null>(null);

  useEffect(() => {
    let live = true;
    setError(null);
    setNotice(null);
    getApi()
      .invoke(kind === 'ticket' ? 'answers.ticket' : 'answers.chat', { id })
      .then(
        (r) => live && setData(r),
        (e: unknown) => {
          if (!live) return;
          setData(null);
          setError(errorBodyOf(e));
        },
      );
    return () => {
      live = false;
    };
  }, [kind, id, refreshKey, attempt]);

  const draft = data?.draft ?? null;
  const insert = useCallback(() => {
    if (!draft) return;
    setNotice(insertIntoReply(replyTestId, draft.text) ? 'inserted' : 'noEditor');
  }, [draft, replyTestId]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!matchesChord(e, CHORDS.insertAnswer)) return;
      e.preventDefault();
      insert();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [insert]);

  const openArticle = (articleId: string) => {
    setReadError(null);
    getApi()
      .invoke('kb.get', { id: articleId })
      .then(setReading, (e: unknown) => setReadError(errorBodyOf(e)));
  };
  const open = (c: { kind: 'article' | 'ticket'; id: string }) =>
    c.kind === 'article' ? openArticle(c.id) : onOpenTicket(c.id);

  return (
    <Box component="section" data-testid="answers-panel" aria-labelledby={`answers-${id}`}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Typography variant="overline" color="textSecondary" id={`answers-${id}`} sx={{ flexGrow: 1 }}>
          {t('answers.title')}
        </Typography>
        {data && (data.llm === 'timeout' || data.llm === 'failed') && (
          <Tooltip title={t(`answers.llm.${data.llm}`)}>
            <Chip
              size="small"
              variant="outlined"
              label={t('answers.llm.local')}
              data-testid="answers-llm-mark"
              sx={{ height: 18, fontSize: 11, color: 'text.secondary' }}
            />
          </Tooltip>
        )}
      </Stack>
      {error ? (
        error.code === 'unavailable' ? (
          <Alert
            severity="info"
            sx={{ py: 0 }}
            data-testid="answers-offline"
            action={
              <Button size="small" color="inherit" onClick={() => setAttempt((a) => a + 1)}>
                {t('answers.retry')}
              </Button>
            }
          >
            {t('answers.offline')}
          </Alert>
        ) : (
          <ErrorAlert error={error} testId="answers-error" />
        )
      ) : data === null ? (
        <Typography variant="body2" color="textSecondary">
          {t('answers.loading')}
        </Typography>
      ) : !draft && data.tickets.length === 0 ? (
        <Typography variant="body2" color="textSecondary" data-testid="answers-none">
          {t('answers.none')}
        </Typography>
      ) : (
        <Stack spacing={1}>
          {draft && (
            <>
              <Box
                data-testid="answers-draft"
                sx={{
                  whiteSpace: 'pre-wrap',
                  fontSize: 13,
                  p: 1,
                  borderRadius: 1,
                  border: 1,
                  borderColor: 'divider',
                  bgcolor: 'action.hover',
                  maxHeight: 260,
                  overflowY: 'auto',
                }}
              >
                {draft.text}
              </Box>
              <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
                <Tooltip title={t('answers.insertHint', { keys: chordLabel(CHORDS.insertAnswer) })}>
                  <Button size="small" variant="contained" onClick={insert} data-testid="answers-insert">
                    {t('answers.insert')}
                  </Button>
                </Tooltip>
                <Typography variant="caption" color="textSecondary" role="status">
                  {notice === 'inserted'
                    ? t('answers.inserted')
                    : notice === 'noEditor'
                      ? t('answers.noEditor')
                      : chordLabel(CHORDS.insertAnswer)}
                </Typography>
              </Stack>
              <Box component="ol" sx={{ m: 0, pl: 2.5 }} data-testid="answers-citations">
                {draft.citations.map((c) => (
                  <li key={c.n} value={c.n}>
                    <Link
                      component="button"
                      variant="body2"
                      underline="hover"
                      onClick={() => open(c)}
                      sx={{ textAlign: 'left' }}
                    >
                      {c.kind === 'ticket' ? t('answers.ticketSource', { title: c.title }) : c.title}
                    </Link>
                  </li>
                ))}
              </Box>
            </>
          )}
          {data.articles.length > (draft?.citations.length ?? 0) && (
            <Box>
              <Typography variant="caption" color="textSecondary">
                {t('answers.articles')}
              </Typography>
              <Stack spacing={0.25}>
                {data.articles
                  .filter((a) => !draft?.citations.some((c) => c.id === a.id))
                  .map((a) => (
                    <Tooltip key={a.id} title={a.snippet} placement="left">
                      <Link
                        component="button"
                        variant="body2"
                        underline="hover"
                        onClick={() => openArticle(a.id)}
                        data-testid="answers-article"
                        sx={{ textAlign: 'left' }}
                      >
                        {a.title}
                      </Link>
                    </Tooltip>
                  ))}
              </Stack>
            </Box>
          )}
          {data.tickets.length > 0 && (
            <Box>
              <Typography variant="caption" color="textSecondary">
                {t('answers.tickets')}
              </Typography>
              <Stack spacing={0.25}>
                {data.tickets.map((x) => (
                  <Link
                    key={x.id}
                    component="button"
                    variant="body2"
                    underline="hover"
                    onClick={() => onOpenTicket(x.id)}
                    data-testid="answers-ticket"
                    sx={{ textAlign: 'left' }}
                  >
                    {x.number !== null ? `#${x.number} ` : ''}
                    {x.subject}
                  </Link>
                ))}
              </Stack>
            </Box>
          )}
        </Stack>
      )}
      {readError && <ErrorAlert error={readError} onClose={() => setReadError(null)} />}
      <Dialog open={reading !== null} onClose={() => setReading(null)} fullWidth maxWidth="md">
        <DialogContent>
          {reading && <ArticleView article={reading} categories={categories} editable={false} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setReading(null)}>{t('answers.close')}</Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
