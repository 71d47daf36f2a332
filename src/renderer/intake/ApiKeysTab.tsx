import {
  Button,
  Chip,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  LinearProgress,
  Stack,
  TableCell,
  TableRow,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import type { ApiKey } from '../../shared/intake';
import { ErrorAlert } from '../common/ErrorAlert';
import { DepartmentOptions } from '../common/DepartmentOptions';
import { NativeSelectField } from '../common/NativeSelectField';
import { useFormat } from '../i18n';
import { useAdmin } from '../admin/admin-context';
import { adminErrorText } from '../admin/admin-error-text';
import { AdminSection, AdminTable, EmptyRow } from '../admin/AdminTable';
import { SecretOnceDialog } from './SecretOnceDialog';
import { useIntake } from './use-intake';

/** Admin tab: API keys for apps and web forms, one department each; the key is shown once, at creation. */
export function ApiKeysTab() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { overview: admin, department } = useAdmin();
  const { overview, error, apply } = useIntake();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const keys = overview?.apiKeys ?? [];
  return (
    <AdminSection
      title={t('intake.tabs.apiKeys')}
      count={t('admin.count', { count: keys.length })}
      addLabel={t('intake.apiKeys.new')}
      onAdd={() => setCreating(true)}
      addTestId="intake-key-new"
    >
      {error && <ErrorAlert describe={adminErrorText} error={error} testId="intake-load-error" />}
      {!overview && !error && <LinearProgress />}
      <AdminTable
        testId="intake-keys"
        head={[
          t('intake.apiKeys.name'),
          t('intake.apiKeys.prefix'),
          t('intake.department'),
          t('intake.apiKeys.created'),
          t('intake.apiKeys.lastUsed'),
          t('intake.status'),
          '',
        ]}
      >
        {overview && keys.length === 0 && <EmptyRow span={7} text={t('intake.apiKeys.empty')} />}
        {keys.map((k) => (
          <TableRow key={k.id} hover data-testid="intake-key-row" data-prefix={k.prefix}>
            <TableCell>{k.name}</TableCell>
            <TableCell sx={{ fontFamily: 'monospace' }}>{k.prefix}…</TableCell>
            <TableCell>{fmt.department(department(k.departmentId))}</TableCell>
            <TableCell title={fmt.absolute(k.createdAt)}>{fmt.relative(k.createdAt)}</TableCell>
            <TableCell title={k.lastUsedAt ? fmt.absolute(k.lastUsedAt) : undefined}>
              {k.lastUsedAt ? fmt.relative(k.lastUsedAt) : t('intake.apiKeys.never')}
            </TableCell>
            <TableCell>
              {k.revokedAt ? (
                <Chip size="small" label={t('intake.apiKeys.revoked')} title={fmt.absolute(k.revokedAt)} />
              ) : (
                <Chip size="small" color="success" label={t('intake.apiKeys.active')} />
              )}
            </TableCell>
            <TableCell align="right">
              {!k.revokedAt && (
                <Button color="error" onClick={() => setRevoking(k)} data-testid="intake-key-revoke">
                  {t('intake.apiKeys.revoke')}
                </Button>
              )}
            </TableCell>
          </TableRow>
        ))}
      </AdminTable>
      {creating && (
        <NewKeyDialog
          departments={admin.departments}
          onClose={() => setCreating(false)}
          onSave={async (name, departmentId) => {
            const r = await apply({ op: 'apiKey.create', input: { name, departmentId } });
            if ('refused' in r) return r.refused;
            setCreating(false);
            setSecret(r.ok.secret ?? null);
            return null;
          }}
        />
      )}
      {revoking && (
        <ConfirmDialog
          title={t('intake.apiKeys.revokeTitle')}
          body={t('intake.apiKeys.revokeBody', { prefix: revoking.prefix, name: revoking.name })}
          confirm={t('intake.apiKeys.revoke')}
          testId="intake-key-revoke"
          onClose={() => setRevoking(null)}
          onConfirm={async () => {
            const r = await apply({ op: 'apiKey.revoke', id: revoking.id });
            if ('refused' in r) return r.refused;
            setRevoking(null);
            return null;
          }}
        />
      )}
      {secret && (
        <SecretOnceDialog
          title={t('intake.apiKeys.shownOnceTitle')}
          body={t('intake.apiKeys.shownOnce')}
          secret={secret}
          onClose={() => setSecret(null)}
        />
      )}
    </AdminSection>
  );
}

function NewKeyDialog({
  departments,
  onClose,
  onSave,
}: {
  departments: Parameters<typeof DepartmentOptions>[0]['departments'];
  onClose: () => void;
  onSave: (name: string, departmentId: string) => Promise<ErrorBody | null>;
}) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [departmentId, setDepartmentId] = useState(departments[0]?.id ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const save = async () => {
    if (busy) return;
    setBusy(true);
    const refused = await onSave(name, departmentId);
    setBusy(false);
    setError(refused);
  };
  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      fullWidth
      maxWidth="sm"
      slotProps={{
        paper: {
          component: 'form',
          noValidate: true,
          onSubmit: (e: React.FormEvent) => {
            e.preventDefault();
            void save();
          },
          'data-testid': 'intake-key-dialog',
        } as object,
      }}
    >
      <DialogTitle>{t('intake.apiKeys.new')}</DialogTitle>
      <DialogContent>
        <Stack spacing={1.5} sx={{ pt: 1 }}>
          <TextField
            label={t('intake.apiKeys.name')}
            value={name}
            onChange={(e) => setName(e.target.value)}
            helperText={t('intake.apiKeys.nameHelp')}
            autoFocus
            required
            slotProps={{ htmlInput: { 'data-testid': 'intake-key-name', maxLength: 100 } }}
          />
          <NativeSelectField
            label={t('intake.department')}
            value={departmentId}
            onChange={setDepartmentId}
            testId="intake-key-department"
          >
            <DepartmentOptions departments={departments} />
          </NativeSelectField>
          {error && <ErrorAlert describe={adminErrorText} error={error} testId="intake-key-error" />}
        </Stack>
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={onClose} disabled={busy}>
          {t('admin.cancel')}
        </Button>
        <Button
          type="submit"
          variant="contained"
          disabled={busy}
          data-testid="intake-key-save"
          endIcon={busy ? <CircularProgress size={12} color="inherit" /> : undefined}
        >
          {t('intake.apiKeys.create')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}

/** A yes/no question before something that cannot be undone; the refusal, if any, stays in it. */
export function ConfirmDialog({
  title,
  body,
  confirm,
  testId,
  onClose,
  onConfirm,
}: {
  title: string;
  body: string;
  confirm: string;
  testId: string;
  onClose: () => void;
  onConfirm: () => Promise<ErrorBody | null>;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      slotProps={{ paper: { 'data-testid': `${testId}-confirm` } as object }}
    >
      <DialogTitle>{title}</DialogTitle>
      <DialogContent>
        <DialogContentText>{body}</DialogContentText>
        {error && <ErrorAlert error={error} testId={`${testId}-error`} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy} autoFocus>
          {t('admin.cancel')}
        </Button>
        <Button
          color="error"
          variant="contained"
          disabled={busy}
          data-testid={`${testId}-yes`}
          onClick={() => {
            setBusy(true);
            void onConfirm().then((r) => {
              setBusy(false);
              setError(r);
            });
          }}
        >
          {confirm}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
