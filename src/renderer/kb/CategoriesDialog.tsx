import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  List,
  ListItem,
  ListItemText,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import { KB_CATEGORY_NAME_MAX, type KbCategory } from '../../shared/kb';
import { errorBodyOf, getApi } from '../api';
import { useSessionInfo } from '../auth/session-context';
import { DepartmentOptions } from '../common/DepartmentOptions';
import { ErrorAlert } from '../common/ErrorAlert';
import { NativeSelectField } from '../common/NativeSelectField';
import { useDirectory } from '../directory/DirectoryProvider';
import { errorText, useFormat } from '../i18n';
import { categoryName } from './use-kb-categories';

const ALL = '';

/**
 * Supervisors and administrators manage the categories articles are filed under: supervisors their
 * department's, administrators any (and the shared ones). The server checks every change again; a category
 * still in use is refused there, with the number of articles, and the refusal is shown as it comes.
 */
export function CategoriesDialog({
  categories,
  onClose,
  onChanged,
}: {
  categories: readonly KbCategory[];
  onClose: () => void;
  onChanged: () => void;
}) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const { user } = useSessionInfo();
  const directory = useDirectory();
  const admin = user.role === 'admin';
  const [nameZh, setNameZh] = useState('');
  const [nameEn, setNameEn] = useState('');
  const [departmentId, setDepartmentId] = useState<string>(user.departmentId ?? ALL);
  const [renaming, setRenaming] = useState<{ id: string; nameZh: string; nameEn: string } | null>(null);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // `inUse`: a delete refused because articles are filed under the category; `count`: how many, as the service
  // gave it (issue 'articles'), said in the reader's language instead of the service's English sentence.
  const [error, setError] = useState<{ body: ErrorBody; inUse: boolean; count: number | null } | null>(null);

  const mine = (c: KbCategory) => admin || (c.departmentId !== null && c.departmentId === user.departmentId);
  const shown = categories.filter(
    (c) => admin || c.departmentId === null || c.departmentId === user.departmentId,
  );

  const run = async (work: () => Promise<unknown>, after?: () => void, deleting = false) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      after?.();
      onChanged();
    } catch (e) {
      const body = errorBodyOf(e);
      const inUse = deleting && body.code === 'conflict';
      const count = Number(body.issues?.find((i) => i.path === 'articles')?.message);
      setError(
        inUse && Number.isInteger(count) && count > 0
          ? { body: { ...body, issues: undefined }, inUse, count }
          : { body, inUse, count: null },
      );
      setDeleting(null);
    } finally {
      setBusy(false);
    }
  };

  const add = () =>
    run(
      () =>
        getApi().invoke('kb.categoryCreate', {
          nameZh,
          nameEn,
          departmentId: departmentId === ALL ? null : departmentId,
        }),
      () => {
        setNameZh('');
        setNameEn('');
      },
    );

  const departmentName = (id: string | null) => {
    if (id === null) return t('kb.allDepartments');
    const d = directory.departments.find((x) => x.id === id);
    return d ? fmt.department(d) : '';
  };

  return (
    <Dialog open onClose={busy ? undefined : onClose} fullWidth maxWidth="sm" data-testid="kb-categories">
      <DialogTitle>{t('kb.categories.title')}</DialogTitle>
      <DialogContent>
        {error && (
          <ErrorAlert
            error={error.body}
            testId="kb-categories-error"
            onClose={() => setError(null)}
            // The generic conflict sentence ("someone changed this") would mislead here.
            describe={
              error.inUse
                ? (tt, body) =>
                    error.count !== null
                      ? { headline: tt('kb.categories.inUseCount', { count: error.count }), detail: null }
                      : { ...errorText(tt, body), headline: tt('kb.categories.inUse') }
                : undefined
            }
          />
        )}
        <List dense data-testid="kb-categories-list">
          {shown.length === 0 && (
            <Typography color="textSecondary" variant="body2">
              {t('kb.categories.none')}
            </Typography>
          )}
          {shown.map((c) =>
            renaming?.id === c.id ? (
              <ListItem key={c.id} data-testid="kb-category" data-category-id={c.id} disableGutters>
                <Stack direction="row" spacing={1} sx={{ flex: 1, alignItems: 'center' }}>
                  <TextField
                    size="small"
                    label={t('kb.categories.nameZh')}
                    value={renaming.nameZh}
                    onChange={(e) => setRenaming({ ...renaming, nameZh: e.target.value })}
                    slotProps={{
                      htmlInput: { maxLength: KB_CATEGORY_NAME_MAX, 'data-testid': 'kb-category-rename-zh' },
                    }}
                  />
                  <TextField
                    size="small"
                    label={t('kb.categories.nameEn')}
                    value={renaming.nameEn}
                    onChange={(e) => setRenaming({ ...renaming, nameEn: e.target.value })}
                    slotProps={{
                      htmlInput: { maxLength: KB_CATEGORY_NAME_MAX, 'data-testid': 'kb-category-rename-en' },
                    }}
                  />
                  <Button
                    size="small"
                    disabled={busy}
                    data-testid="kb-category-rename-save"
                    onClick={() =>
                      void run(
                        () => getApi().invoke('kb.categoryRename', renaming),
                        () => setRenaming(null),
                      )
                    }
                  >
                    {t('kb.save')}
                  </Button>
                  <Button size="small" disabled={busy} onClick={() => setRenaming(null)}>
                    {t('kb.cancel')}
                  </Button>
                </Stack>
              </ListItem>
            ) : (
              <ListItem
                key={c.id}
                data-testid="kb-category"
                data-category-id={c.id}
                disableGutters
                secondaryAction={
                  mine(c) &&
                  (deleting === c.id ? (
                    <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
                      <Typography variant="body2">{t('kb.categories.confirmDelete')}</Typography>
                      <Button
                        size="small"
                        color="error"
                        variant="contained"
                        disabled={busy}
                        data-testid="kb-category-delete-confirm"
                        onClick={() =>
                          void run(
                            () => getApi().invoke('kb.categoryDelete', { id: c.id }),
                            () => setDeleting(null),
                            true,
                          )
                        }
                      >
                        {t('kb.categories.delete')}
                      </Button>
                      <Button size="small" disabled={busy} onClick={() => setDeleting(null)}>
                        {t('kb.cancel')}
                      </Button>
                    </Stack>
                  ) : (
                    <Stack direction="row" spacing={1}>
                      <Button
                        size="small"
                        disabled={busy}
                        data-testid="kb-category-rename"
                        onClick={() => {
                          setDeleting(null);
                          setRenaming({ id: c.id, nameZh: c.nameZh, nameEn: c.nameEn });
                        }}
                      >
                        {t('kb.categories.rename')}
                      </Button>
                      <Button
                        size="small"
                        color="error"
                        disabled={busy}
                        data-testid="kb-category-delete"
                        onClick={() => {
                          setRenaming(null);
                          setDeleting(c.id);
                        }}
                      >
                        {t('kb.categories.delete')}
                      </Button>
                    </Stack>
                  ))
                }
              >
                <ListItemText
                  primary={categoryName(c, i18n.language)}
                  secondary={`${i18n.language === 'zh-CN' ? c.nameEn : c.nameZh} · ${departmentName(c.departmentId)}`}
                />
              </ListItem>
            ),
          )}
        </List>
        <Typography variant="subtitle2" sx={{ mt: 2, mb: 1 }}>
          {t('kb.categories.add')}
        </Typography>
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1}>
          <TextField
            size="small"
            label={t('kb.categories.nameZh')}
            value={nameZh}
            onChange={(e) => setNameZh(e.target.value)}
            slotProps={{
              htmlInput: { maxLength: KB_CATEGORY_NAME_MAX, 'data-testid': 'kb-category-new-zh' },
            }}
          />
          <TextField
            size="small"
            label={t('kb.categories.nameEn')}
            value={nameEn}
            onChange={(e) => setNameEn(e.target.value)}
            slotProps={{
              htmlInput: { maxLength: KB_CATEGORY_NAME_MAX, 'data-testid': 'kb-category-new-en' },
            }}
          />
          <NativeSelectField
            label={t('kb.department')}
            testId="kb-category-new-department"
            value={departmentId}
            // Supervisors make their own department's categories only: nothing to choose.
            disabled={!admin}
            onChange={setDepartmentId}
          >
            {admin && <option value={ALL}>{t('kb.allDepartments')}</option>}
            <DepartmentOptions
              departments={directory.departments.filter((d) => admin || d.id === user.departmentId)}
            />
          </NativeSelectField>
          <Button
            variant="contained"
            disabled={busy || !nameZh.trim() || !nameEn.trim()}
            data-testid="kb-category-add"
            onClick={() => void add()}
          >
            {t('kb.categories.addButton')}
          </Button>
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy} data-testid="kb-categories-close">
          {t('kb.close')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
