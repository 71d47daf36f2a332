import {
  Alert,
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  Link,
  Stack,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import type { KbArticle, KbHit, KbLanguage } from '../../shared/kb';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { ArticleView } from './ArticleView';
import { useKbCategories } from './use-kb-categories';

/** Queries longer than this are cut: a long description adds noise, not precision. */
const QUERY_CHARS = 200;

/**
 * The language of the ticket's text: articles in it only (the same article in both languages is one suggestion,
 * not two); both when the text mixes Chinese with English words.
 */
function languageOf(text: string): KbLanguage | undefined {
  const han = /\p{Script=Han}/u.test(text);
  const latin = /[A-Za-z]{3,}/.test(text);
  if (han && !latin) return 'zh-CN';
  if (latin && !han) return 'en';
  return undefined;
}

/**
 * Articles that match a ticket's subject and description, beside the ticket. It never holds the ticket up: the
 * search runs on its own, and when the server cannot be reached the panel says so in one line and offers a
 * retry, while everything else on the ticket keeps working from the local copy.
 */
export function SuggestedArticles({ subject, description }: { subject: string; description: string }) {
  const { t } = useTranslation();
  const categories = useKbCategories();
  const [hits, setHits] = useState<KbHit[] | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [reading, setReading] = useState<KbArticle | null>(null);
  const [readError, setReadError] = useState<ErrorBody | null>(null);
  const query = `${subject} ${description}`.slice(0, QUERY_CHARS).trim();

  useEffect(() => {
    let live = true;
    setHits(null);
    setError(null);
    if (!query) {
      setHits([]);
      return;
    }
    getApi()
      .invoke('kb.search', { q: query, limit: 5, ...(languageOf(query) ? { lang: languageOf(query) } : {}) })
      .then(
        (r) => live && setHits(r.hits),
        (e: unknown) => live && setError(errorBodyOf(e)),
      );
    return () => {
      live = false;
    };
  }, [query, attempt]);

  const open = (id: string) => {
    setReadError(null);
    getApi()
      .invoke('kb.get', { id })
      .then(setReading, (e: unknown) => setReadError(errorBodyOf(e)));
  };

  return (
    <Box component="section" data-testid="kb-suggested">
      <Typography variant="overline" color="textSecondary">
        {t('kb.suggested')}
      </Typography>
      {error ? (
        error.code === 'unavailable' ? (
          <Alert
            severity="warning"
            sx={{ py: 0 }}
            data-testid="kb-suggested-unreachable"
            action={
              <Button size="small" color="inherit" onClick={() => setAttempt((a) => a + 1)}>
                {t('kb.retry')}
              </Button>
            }
          >
            {t('kb.unreachable')}
          </Alert>
        ) : (
          <ErrorAlert error={error} testId="kb-suggested-error" />
        )
      ) : hits === null ? (
        <Typography variant="body2" color="textSecondary">
          {t('kb.suggestedLoading')}
        </Typography>
      ) : hits.length === 0 ? (
        <Typography variant="body2" color="textSecondary" data-testid="kb-suggested-none">
          {t('kb.suggestedNone')}
        </Typography>
      ) : (
        <Stack spacing={0.5}>
          {hits.map((h) => (
            <Link
              key={h.id}
              component="button"
              variant="body2"
              underline="hover"
              onClick={() => open(h.id)}
              data-testid="kb-suggested-item"
              sx={{ textAlign: 'left' }}
            >
              {h.title}
            </Link>
          ))}
        </Stack>
      )}
      {readError && <ErrorAlert error={readError} onClose={() => setReadError(null)} />}
      <Dialog open={reading !== null} onClose={() => setReading(null)} fullWidth maxWidth="md">
        <DialogContent>
          {reading && <ArticleView article={reading} categories={categories} editable={false} />}
        </DialogContent>
        <DialogActions>
          <Button onClick={() => setReading(null)}>{t('kb.close')}</Button>
        </DialogActions>
      </Dialog>
    </Box>
  );
}
