import {
  Button,
  Checkbox,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared/protocol/errors';
import type { DepartmentLive, WallboardTokenInfo } from '../../shared/protocol/supervisor';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { useFormat } from '../i18n';

/**
 * "Open wallboard": a wallboard-only token for the chosen departments, its board opened in a new window (the
 * token travels in the URL's fragment, never to a log), and the boards made before, to revoke.
 */
export function WallboardDialog({
  open,
  onClose,
  departments,
}: {
  open: boolean;
  onClose: () => void;
  departments: DepartmentLive[];
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const [tokens, setTokens] = useState<WallboardTokenInfo[]>([]);
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [rotate, setRotate] = useState(15);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [busy, setBusy] = useState(false);
  const [opened, setOpened] = useState<string | null>(null);

  const load = useCallback(() => {
    getApi()
      .invoke('wallboard.tokens', {})
      .then(setTokens, (e: unknown) => setError(errorBodyOf(e)));
  }, []);
  useEffect(() => {
    if (!open) return;
    setError(null);
    setOpened(null);
    setName((n) => n || t('supervisor.wallboard.defaultName'));
    setChosen((c) => (c.length ? c : departments.map((d) => d.departmentId)));
    load();
  }, [open, load, departments, t]);

  const create = async () => {
    setBusy(true);
    setError(null);
    try {
      const r = await getApi().invoke('wallboard.create', {
        name: name.trim(),
        departmentIds: chosen,
        rotateSeconds: rotate,
      });
      setOpened(r.url);
      window.open(r.url, '_blank', 'noopener');
      load();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (id: string) => {
    try {
      await getApi().invoke('wallboard.revoke', { id });
      load();
    } catch (e) {
      setError(errorBodyOf(e));
    }
  };
  const deptName = (id: string) => {
    const d = departments.find((x) => x.departmentId === id);
    return d ? (fmt.lang === 'zh-CN' ? d.nameZh : d.nameEn) : id.slice(0, 8);
  };

  return (
    <Dialog
      open={open}
      onClose={onClose}
      maxWidth="md"
      fullWidth
      slotProps={{ paper: { 'data-testid': 'wallboard-dialog' } as object }}
    >
      <DialogTitle>{t('supervisor.wallboard.title')}</DialogTitle>
      <DialogContent>
        <Stack spacing={1.5} sx={{ pt: 1 }}>
          <Typography variant="body2" color="text.secondary">
            {t('supervisor.wallboard.hint')}
          </Typography>
          {error && <ErrorAlert error={error} testId="wallboard-error" onClose={() => setError(null)} />}
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
            <TextField
              size="small"
              label={t('supervisor.wallboard.name')}
              value={name}
              onChange={(e) => setName(e.target.value)}
              slotProps={{ htmlInput: { maxLength: 80, 'data-testid': 'wallboard-name' } }}
            />
            <TextField
              size="small"
              type="number"
              label={t('supervisor.wallboard.rotate')}
              value={rotate}
              onChange={(e) => setRotate(Math.min(600, Math.max(5, Number(e.target.value) || 15)))}
              sx={{ width: 140 }}
            />
            {departments.map((d) => (
              <FormControlLabel
                key={d.departmentId}
                control={
                  <Checkbox
                    size="small"
                    checked={chosen.includes(d.departmentId)}
                    onChange={(e) =>
                      setChosen(
                        e.target.checked
                          ? [...chosen, d.departmentId]
                          : chosen.filter((x) => x !== d.departmentId),
                      )
                    }
                  />
                }
                label={deptName(d.departmentId)}
              />
            ))}
            <Button
              variant="contained"
              size="small"
              disabled={busy || !name.trim() || chosen.length === 0}
              onClick={() => void create()}
              data-testid="wallboard-create"
            >
              {t('supervisor.wallboard.create')}
            </Button>
          </Stack>
          {opened && (
            <Typography variant="body2" data-testid="wallboard-url" sx={{ wordBreak: 'break-all' }}>
              {t('supervisor.wallboard.opened')}{' '}
              <a href={opened} target="_blank" rel="noopener noreferrer">
                {opened.replace(/#.*$/, '#…')}
              </a>{' '}
              <Button
                size="small"
                onClick={() => void navigator.clipboard?.writeText(opened).catch(() => undefined)}
                data-testid="wallboard-copy"
              >
                {t('supervisor.wallboard.copy')}
              </Button>
            </Typography>
          )}
          <Table size="small" data-testid="wallboard-tokens">
            <TableHead>
              <TableRow>
                <TableCell>{t('supervisor.wallboard.name')}</TableCell>
                <TableCell>{t('supervisor.wallboard.departments')}</TableCell>
                <TableCell>{t('supervisor.wallboard.created')}</TableCell>
                <TableCell>{t('supervisor.wallboard.lastSeen')}</TableCell>
                <TableCell />
              </TableRow>
            </TableHead>
            <TableBody>
              {tokens.map((tk) => (
                <TableRow
                  key={tk.id}
                  data-testid="wallboard-token-row"
                  data-revoked={tk.revokedAt ? 'true' : 'false'}
                >
                  <TableCell>{tk.name}</TableCell>
                  <TableCell>{tk.departmentIds.map(deptName).join(', ')}</TableCell>
                  <TableCell>{fmt.absolute(tk.createdAt)}</TableCell>
                  <TableCell>{tk.lastSeenAt ? fmt.relative(tk.lastSeenAt) : '—'}</TableCell>
                  <TableCell align="right">
                    {tk.revokedAt ? (
                      <Typography variant="caption" color="text.secondary">
                        {t('supervisor.wallboard.revoked')}
                      </Typography>
                    ) : (
                      <Button
                        size="small"
                        color="error"
                        onClick={() => void revoke(tk.id)}
                        data-testid="wallboard-revoke"
                      >
                        {t('supervisor.wallboard.revoke')}
                      </Button>
                    )}
                  </TableCell>
                </TableRow>
              ))}
              {tokens.length === 0 && (
                <TableRow>
                  <TableCell colSpan={5} sx={{ color: 'text.secondary' }}>
                    {t('supervisor.wallboard.none')}
                  </TableCell>
                </TableRow>
              )}
            </TableBody>
          </Table>
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>{t('supervisor.close')}</Button>
      </DialogActions>
    </Dialog>
  );
}
