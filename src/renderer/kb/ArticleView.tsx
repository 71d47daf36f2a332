import EditIcon from '@mui/icons-material/EditOutlined';
import { Box, Button, Chip, Stack, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import { KB_TRANSITIONS, type KbAction, type KbArticle, type KbCategory } from '../../shared/kb';
import { useFormat } from '../i18n';
import { categoryName } from './use-kb-categories';

const ACTIONS: readonly KbAction[] = ['submit', 'publish', 'archive', 'restore'];

/**
 * One article as agents read it. The body is plain text shown as written (pre-wrap): never parsed as HTML,
 * so nothing an author types can run or change the page. Editors get the actions its state allows.
 */
export function ArticleView({
  article,
  categories,
  editable,
  busy,
  onEdit,
  onAction,
}: {
  article: KbArticle;
  categories: readonly KbCategory[];
  /** Supervisors (their department) and administrators: absent controls for everyone else. */
  editable: boolean;
  busy?: boolean;
  onEdit?: () => void;
  onAction?: (action: KbAction) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const category = categories.find((c) => c.id === article.categoryId);
  return (
    <Box data-testid="kb-article" data-article-id={article.id} data-state={article.state}>
      <Typography variant="h6" component="h2" data-testid="kb-article-title" sx={{ wordBreak: 'break-word' }}>
        {article.title}
      </Typography>
      <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap', my: 1 }}>
        <Chip
          size="small"
          color={article.state === 'published' ? 'success' : 'default'}
          label={t(`kb.states.${article.state}`)}
          data-testid="kb-article-state"
        />
        <Chip size="small" variant="outlined" label={t(`kb.audienceShort.${article.audience}`)} />
        <Chip size="small" variant="outlined" label={t(`kb.languages.${article.language}`)} />
        {category && <Chip size="small" variant="outlined" label={categoryName(category, fmt.lang)} />}
        {article.tags.map((tag) => (
          <Chip key={tag} size="small" label={`#${tag}`} />
        ))}
      </Stack>
      <Typography variant="caption" color="textSecondary">
        {t('kb.updated', { when: fmt.relative(article.updatedAt), author: article.authorName || '—' })}
      </Typography>
      <Typography
        variant="body2"
        data-testid="kb-article-body"
        sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word', mt: 2, lineHeight: 1.7 }}
      >
        {article.body}
      </Typography>
      {editable && (
        <Stack direction="row" spacing={1} useFlexGap sx={{ mt: 2, flexWrap: 'wrap' }}>
          {article.state !== 'archived' && (
            <Button
              size="small"
              startIcon={<EditIcon />}
              onClick={onEdit}
              disabled={busy}
              data-testid="kb-edit"
            >
              {t('kb.edit')}
            </Button>
          )}
          {ACTIONS.filter((a) => KB_TRANSITIONS[a].from.includes(article.state)).map((a) => (
            <Button
              key={a}
              size="small"
              variant={a === 'publish' ? 'contained' : 'outlined'}
              color={a === 'archive' ? 'warning' : 'primary'}
              disabled={busy}
              onClick={() => onAction?.(a)}
              data-testid={`kb-action-${a}`}
            >
              {t(`kb.actions.${a}`)}
            </Button>
          ))}
        </Stack>
      )}
    </Box>
  );
}
