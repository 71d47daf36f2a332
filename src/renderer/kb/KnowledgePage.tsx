import AddIcon from '@mui/icons-material/Add';
import CategoryIcon from '@mui/icons-material/Category';
import SearchIcon from '@mui/icons-material/Search';
import {
  Alert,
  Box,
  Button,
  InputAdornment,
  LinearProgress,
  List,
  ListItemButton,
  ListItemText,
  Paper,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import {
  mayEditKb,
  type KbAction,
  type KbArticle,
  type KbHit,
  type KbLanguage,
  type KbState,
} from '../../shared/kb';
import { errorBodyOf, getApi } from '../api';
import { useSessionInfo } from '../auth/session-context';
import { ErrorAlert } from '../common/ErrorAlert';
import { NativeSelectField } from '../common/NativeSelectField';
import { ArticleEditor } from './ArticleEditor';
import { ArticleView } from './ArticleView';
import { CategoriesDialog } from './CategoriesDialog';
import { useKbCategories } from './use-kb-categories';

const DEBOUNCE_MS = 150;
/** What editors may list besides published articles: their drafts, what waits for review, the archive. */
const EDITOR_STATES: readonly KbState[] = ['draft', 'in_review', 'archived'];

/**
 * The knowledge base: search (both languages, BM25 on the server), read, and for supervisors and administrators
 * write and move articles through review. Keyboard: "/" focuses the search, ↑ ↓ choose, Enter opens.
 */
export function KnowledgePage() {
  const { t } = useTranslation();
  const { user } = useSessionInfo();
  const editor = mayEditKb(user);
  const [categoriesGeneration, setCategoriesGeneration] = useState(0);
  const categories = useKbCategories(categoriesGeneration);
  const [managingCategories, setManagingCategories] = useState(false);
  const [text, setText] = useState('');
  const [lang, setLang] = useState<KbLanguage | ''>('');
  const [state, setState] = useState<KbState | ''>('');
  // `q`: the text these hits answer (typing runs several searches; tests wait for the last one's).
  const [hits, setHits] = useState<{ list: KbHit[]; total: number; q: string } | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [selected, setSelected] = useState(0);
  const [open, setOpen] = useState<KbArticle | null>(null);
  const [openError, setOpenError] = useState<ErrorBody | null>(null);
  const [editing, setEditing] = useState<KbArticle | 'new' | null>(null);
  const [busy, setBusy] = useState(false);
  // A key, not a sentence: the notice follows a language switch.
  const [notice, setNotice] = useState<'kb.saved' | `kb.done.${KbAction}` | null>(null);
  const [generation, setGeneration] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const list = useRef<HTMLUListElement>(null);

  useEffect(() => {
    let live = true;
    setLoading(true);
    const timer = setTimeout(() => {
      getApi()
        .invoke('kb.search', {
          q: text.trim(),
          ...(lang ? { lang } : {}),
          ...(editor && state ? { states: [state] } : {}),
          limit: 50,
        })
        .then(
          (r) => {
            if (!live) return;
            setHits({ list: r.hits, total: r.total, q: text.trim() });
            setError(null);
            setSelected(0);
          },
          (e: unknown) => live && setError(errorBodyOf(e)),
        )
        .finally(() => live && setLoading(false));
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text, lang, state, editor, generation]);

  useEffect(() => {
    const focusOnSlash = (e: globalThis.KeyboardEvent) => {
      if (editing) return;
      const inField =
        document.activeElement instanceof HTMLInputElement ||
        document.activeElement instanceof HTMLTextAreaElement;
      if (e.key === '/' && !inField) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', focusOnSlash);
    return () => window.removeEventListener('keydown', focusOnSlash);
  }, [editing]);

  const openArticle = useCallback((id: string) => {
    setOpenError(null);
    setNotice(null);
    getApi()
      .invoke('kb.get', { id })
      .then(setOpen, (e: unknown) => setOpenError(errorBodyOf(e)));
  }, []);

  const rows = hits?.list ?? [];
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setSelected((i) => Math.min(rows.length - 1, i + 1));
    else if (e.key === 'ArrowUp') setSelected((i) => Math.max(0, i - 1));
    else if (e.key === 'Enter' && rows[selected]) openArticle(rows[selected].id);
    else return;
    e.preventDefault();
  };
  useEffect(() => {
    list.current?.querySelector(`[data-index="${selected}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  const act = async (action: KbAction) => {
    if (!open) return;
    setBusy(true);
    setOpenError(null);
    try {
      const next = await getApi().invoke('kb.act', { id: open.id, action, baseVersion: open.version });
      setOpen(next);
      setNotice(`kb.done.${action}`);
      setGeneration((g) => g + 1);
    } catch (e) {
      setOpenError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box data-testid="kb-page" sx={{ flex: 1, display: 'flex', minHeight: 0 }}>
      <Stack
        sx={{ width: 420, flexShrink: 0, borderRight: 1, borderColor: 'divider', p: 2, minHeight: 0 }}
        spacing={1}
      >
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          <Typography variant="h6" component="h1" sx={{ flex: 1 }}>
            {t('kb.title')}
          </Typography>
          {editor && (
            <Button
              size="small"
              startIcon={<CategoryIcon />}
              onClick={() => setManagingCategories(true)}
              data-testid="kb-manage-categories"
            >
              {t('kb.categories.open')}
            </Button>
          )}
          {editor && (
            <Button
              size="small"
              startIcon={<AddIcon />}
              onClick={() => setEditing('new')}
              data-testid="kb-new"
            >
              {t('kb.newArticle')}
            </Button>
          )}
        </Stack>
        <TextField
          inputRef={input}
          autoFocus
          fullWidth
          size="small"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={t('kb.search')}
          helperText={t('kb.searchHint')}
          slotProps={{
            htmlInput: { 'data-testid': 'kb-search', 'aria-label': t('kb.search') },
            input: {
              startAdornment: (
                <InputAdornment position="start">
                  <SearchIcon fontSize="small" />
                </InputAdornment>
              ),
            },
          }}
        />
        <Stack direction="row" spacing={1}>
          <NativeSelectField
            label={t('kb.language')}
            testId="kb-filter-language"
            value={lang}
            onChange={(v) => setLang(v as KbLanguage | '')}
            fullWidth
          >
            <option value="">{t('kb.allLanguages')}</option>
            <option value="zh-CN">{t('kb.languages.zh-CN')}</option>
            <option value="en">{t('kb.languages.en')}</option>
          </NativeSelectField>
          {editor && (
            <NativeSelectField
              label={t('kb.state')}
              testId="kb-filter-state"
              value={state}
              onChange={(v) => setState(v as KbState | '')}
              fullWidth
            >
              <option value="">{t('kb.allStates')}</option>
              {EDITOR_STATES.map((s) => (
                <option key={s} value={s}>
                  {t(`kb.states.${s}`)}
                </option>
              ))}
            </NativeSelectField>
          )}
        </Stack>
        {loading ? <LinearProgress sx={{ height: 2 }} /> : <Box sx={{ height: 2 }} />}
        {error && <ErrorAlert error={error} testId="kb-search-error" />}
        {hits && (
          <Typography variant="caption" color="textSecondary" data-testid="kb-count">
            {hits.list.length === 0 ? t('kb.none') : t('kb.count', { count: hits.total })}
          </Typography>
        )}
        <List
          dense
          ref={list}
          sx={{ flex: 1, overflowY: 'auto', minHeight: 0 }}
          data-testid="kb-results"
          data-query={hits?.q}
        >
          {rows.map((h, i) => (
            <ListItemButton
              key={h.id}
              data-index={i}
              data-testid="kb-result"
              data-article-id={h.id}
              selected={i === selected}
              onClick={() => {
                setSelected(i);
                openArticle(h.id);
              }}
              sx={{ alignItems: 'flex-start' }}
            >
              <ListItemText
                primary={h.title}
                secondary={
                  <>
                    {h.state !== 'published' && (
                      <Box component="span" sx={{ fontWeight: 600, mr: 0.5 }}>
                        [{t(`kb.states.${h.state}`)}]
                      </Box>
                    )}
                    {h.excerpt}
                  </>
                }
                slotProps={{
                  primary: { sx: { fontWeight: 600 } },
                  secondary: {
                    sx: {
                      display: '-webkit-box',
                      WebkitLineClamp: 2,
                      WebkitBoxOrient: 'vertical',
                      overflow: 'hidden',
                    },
                  },
                }}
              />
            </ListItemButton>
          ))}
        </List>
        {!editor && (
          <Typography variant="caption" color="textSecondary">
            {t('kb.readOnlyHint')}
          </Typography>
        )}
      </Stack>
      <Box sx={{ flex: 1, overflowY: 'auto', p: 3, maxWidth: 900 }}>
        {notice && (
          <Alert
            severity="success"
            sx={{ mb: 2, py: 0 }}
            onClose={() => setNotice(null)}
            data-testid="kb-notice"
          >
            {t(notice)}
          </Alert>
        )}
        {openError && (
          <Box sx={{ mb: 2 }}>
            <ErrorAlert error={openError} testId="kb-article-error" onClose={() => setOpenError(null)} />
          </Box>
        )}
        {open ? (
          <Paper variant="outlined" sx={{ p: 3 }}>
            <ArticleView
              article={open}
              categories={categories}
              editable={editor && (user.role === 'admin' || open.departmentId === user.departmentId)}
              busy={busy}
              onEdit={() => setEditing(open)}
              onAction={(a) => void act(a)}
            />
          </Paper>
        ) : (
          <Typography color="textSecondary">{t('kb.pick')}</Typography>
        )}
      </Box>
      {managingCategories && (
        <CategoriesDialog
          categories={categories}
          onClose={() => setManagingCategories(false)}
          onChanged={() => setCategoriesGeneration((g) => g + 1)}
        />
      )}
      {editing && (
        <ArticleEditor
          article={editing === 'new' ? null : editing}
          categories={categories}
          onClose={() => setEditing(null)}
          onSaved={(a) => {
            setEditing(null);
            setOpen(a);
            setNotice('kb.saved');
            setGeneration((g) => g + 1);
          }}
        />
      )}
    </Box>
  );
}
