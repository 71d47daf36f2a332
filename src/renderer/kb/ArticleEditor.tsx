import {
  Box,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Stack,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import {
  KB_BODY_MAX,
  KB_TITLE_MAX,
  type KbArticle,
  type KbArticleInput,
  type KbAudience,
  type KbCategory,
  type KbLanguage,
} from '../../shared/kb';
import { errorBodyOf, getApi } from '../api';
import { useSessionInfo } from '../auth/session-context';
import { DepartmentOptions } from '../common/DepartmentOptions';
import { ErrorAlert } from '../common/ErrorAlert';
import { NativeSelectField } from '../common/NativeSelectField';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n';
import { categoryName } from './use-kb-categories';

const ALL = '';

/**
 * Writing an article (supervisors: their department's; administrators: any, or all departments). Saved as a
 * draft when new; the server checks everything again and its refusal is shown with the fields it names.
 */
export function ArticleEditor({
  article,
  categories,
  onClose,
  onSaved,
}: {
  /** null: a new article. */
  article: KbArticle | null;
  categories: readonly KbCategory[];
  onClose: () => void;
  onSaved: (a: KbArticle) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { user } = useSessionInfo();
  const directory = useDirectory();
  const admin = user.role === 'admin';
  const [departmentId, setDepartmentId] = useState<string>(
    article ? (article.departmentId ?? ALL) : (user.departmentId ?? ALL),
  );
  const [categoryId, setCategoryId] = useState<string>(article?.categoryId ?? '');
  const [audience, setAudience] = useState<KbAudience>(article?.audience ?? 'internal');
  const [language, setLanguage] = useState<KbLanguage>(
    article?.language ?? (fmt.lang === 'zh-CN' ? 'zh-CN' : 'en'),
  );
  const [title, setTitle] = useState(article?.title ?? '');
  const [body, setBody] = useState(article?.body ?? '');
  const [tags, setTags] = useState((article?.tags ?? []).join(', '));
  const [error, setError] = useState<ErrorBody | null>(null);
  const [saving, setSaving] = useState(false);

  const dept = departmentId === ALL ? null : departmentId;
  const usableCategories = categories.filter((c) => c.departmentId === null || c.departmentId === dept);
  const issue = (field: string) => error?.issues?.find((i) => i.path === field)?.message;

  const save = async () => {
    const input: KbArticleInput = {
      departmentId: dept,
      categoryId: usableCategories.some((c) => c.id === categoryId) ? categoryId : null,
      audience,
      language,
      title,
      body,
      tags: tags
        .split(/[,，]/)
        .map((x) => x.trim())
        .filter(Boolean),
    };
    setSaving(true);
    setError(null);
    try {
      const saved = article
        ? await getApi().invoke('kb.edit', { ...input, id: article.id, baseVersion: article.version })
        : await getApi().invoke('kb.create', input);
      onSaved(saved);
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Dialog open onClose={saving ? undefined : onClose} fullWidth maxWidth="md" data-testid="kb-editor">
      <DialogTitle>{article ? t('kb.editorEdit') : t('kb.editorNew')}</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ mt: 1 }}>
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
            <NativeSelectField
              label={t('kb.department')}
              testId="kb-editor-department"
              value={departmentId}
              // Supervisors write their own department's articles only: nothing to choose.
              disabled={!admin}
              onChange={setDepartmentId}
              fullWidth
            >
              {admin && <option value={ALL}>{t('kb.allDepartments')}</option>}
              <DepartmentOptions
                departments={directory.departments.filter((d) => admin || d.id === user.departmentId)}
              />
            </NativeSelectField>
            <NativeSelectField
              label={t('kb.category')}
              testId="kb-editor-category"
              value={usableCategories.some((c) => c.id === categoryId) ? categoryId : ''}
              onChange={setCategoryId}
              fullWidth
            >
              <option value="">{t('kb.noCategory')}</option>
              {usableCategories.map((c) => (
                <option key={c.id} value={c.id}>
                  {categoryName(c, fmt.lang)}
                </option>
              ))}
            </NativeSelectField>
          </Stack>
          <Stack direction={{ xs: 'column', sm: 'row' }} spacing={2}>
            <NativeSelectField
              label={t('kb.audience')}
              testId="kb-editor-audience"
              value={audience}
              onChange={(v) => setAudience(v as KbAudience)}
              fullWidth
            >
              <option value="internal">{t('kb.audiences.internal')}</option>
              <option value="public">{t('kb.audiences.public')}</option>
            </NativeSelectField>
            <NativeSelectField
              label={t('kb.language')}
              testId="kb-editor-language"
              value={language}
              onChange={(v) => setLanguage(v as KbLanguage)}
              fullWidth
            >
              <option value="zh-CN">{t('kb.languages.zh-CN')}</option>
              <option value="en">{t('kb.languages.en')}</option>
            </NativeSelectField>
          </Stack>
          <TextField
            label={t('kb.titleField')}
            value={title}
            onChange={(e) => {
              setTitle(e.target.value);
              setError(null);
            }}
            required
            autoFocus
            error={Boolean(issue('title'))}
            helperText={issue('title')}
            slotProps={{ htmlInput: { maxLength: KB_TITLE_MAX, 'data-testid': 'kb-editor-title' } }}
          />
          <TextField
            label={t('kb.body')}
            value={body}
            onChange={(e) => {
              setBody(e.target.value);
              setError(null);
            }}
            required
            multiline
            minRows={8}
            maxRows={20}
            error={Boolean(issue('body'))}
            helperText={issue('body') ?? t('kb.bodyHint')}
            slotProps={{ htmlInput: { maxLength: KB_BODY_MAX, 'data-testid': 'kb-editor-body' } }}
          />
          <TextField
            label={t('kb.tags')}
            value={tags}
            onChange={(e) => {
              setTags(e.target.value);
              setError(null);
            }}
            error={Boolean(issue('tags'))}
            helperText={issue('tags') ?? t('kb.tagsHint')}
            slotProps={{ htmlInput: { 'data-testid': 'kb-editor-tags' } }}
          />
          {error && (
            <Box>
              <ErrorAlert error={error} testId="kb-editor-error" onClose={() => setError(null)} />
            </Box>
          )}
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={saving}>
          {t('kb.cancel')}
        </Button>
        <Button
          variant="contained"
          onClick={() => void save()}
          disabled={saving}
          data-testid="kb-editor-save"
        >
          {saving ? t('kb.saving') : t('kb.save')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
