import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Stack,
  TableCell,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import type { Mailbox } from '../../shared/protocol/email';
import { errorBodyOf, getApi } from '../api';
import { DepartmentOptions } from '../common/DepartmentOptions';
import { ErrorAlert } from '../common/ErrorAlert';
import { NativeSelectField } from '../common/NativeSelectField';
import { useFormat } from '../i18n';
import { useAdmin } from './admin-context';
import { AdminSection, AdminTable, EmptyRow } from './AdminTable';

/**
 * email (issue 13): the support mailboxes: which addresses take mail, for which department, through which relay
 * replies go. Read and changed on the server (each change applies to the next mail, and is audited there).
 */
export function EmailTab() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { department } = useAdmin();
  const [mailboxes, setMailboxes] = useState<Mailbox[] | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [editing, setEditing] = useState<{ mailbox: Mailbox | null } | null>(null);
  const reload = useCallback(async () => {
    try {
      setMailboxes((await getApi().invoke('email.mailboxes', {})).mailboxes);
      setError(null);
    } catch (e) {
      setError(errorBodyOf(e));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  const remove = async (m: Mailbox) => {
    if (!window.confirm(t('email.admin.removeConfirm', { address: m.address }))) return;
    try {
      await getApi().invoke('email.mailboxRemove', { address: m.address });
      await reload();
    } catch (e) {
      setError(errorBodyOf(e));
    }
  };
  const list = mailboxes ?? [];
  return (
    <>
      {error && <ErrorAlert error={error} testId="admin-mailbox-error" onClose={() => setError(null)} />}
      <AdminSection
        title={t('email.admin.mailboxes')}
        count={t('admin.count', { count: list.length })}
        addLabel={t('email.admin.new')}
        onAdd={() => setEditing({ mailbox: null })}
        addTestId="admin-mailbox-new"
      >
        <Typography variant="body2" sx={{ color: 'text.secondary', mb: 1 }}>
          {t('email.admin.help')}
        </Typography>
        <AdminTable
          testId="admin-mailboxes"
          head={[
            t('email.admin.address'),
            t('email.admin.department'),
            t('email.admin.displayName'),
            t('email.admin.relay'),
            '',
          ]}
        >
          {mailboxes !== null && list.length === 0 && <EmptyRow span={5} text={t('email.admin.none')} />}
          {list.map((m) => (
            <TableRow key={m.address} hover data-testid="admin-mailbox-row" data-address={m.address}>
              <TableCell sx={{ fontFamily: 'monospace' }}>{m.address}</TableCell>
              <TableCell>{fmt.department(department(m.departmentId))}</TableCell>
              <TableCell>{m.displayName}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }}>
                {m.relayHost ? `${m.relayHost}:${m.relayPort}` : t('email.admin.defaultRelay')}
              </TableCell>
              <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                <Button onClick={() => setEditing({ mailbox: m })}>{t('admin.edit')}</Button>
                <Button color="error" onClick={() => void remove(m)} data-testid="admin-mailbox-remove">
                  {t('email.admin.remove')}
                </Button>
              </TableCell>
            </TableRow>
          ))}
        </AdminTable>
      </AdminSection>
      {editing && (
        <MailboxDialog
          mailbox={editing.mailbox}
          onClose={() => setEditing(null)}
          onSaved={() => {
            setEditing(null);
            void reload();
          }}
        />
      )}
    </>
  );
}

function MailboxDialog({
  mailbox,
  onClose,
  onSaved,
}: {
  mailbox: Mailbox | null;
  onClose: () => void;
  onSaved: () => void;
}) {
  const { t } = useTranslation();
  const { overview } = useAdmin();
  const [address, setAddress] = useState(mailbox?.address ?? '');
  const [departmentId, setDepartmentId] = useState(
    mailbox?.departmentId ?? overview.departments[0]?.id ?? '',
  );
  const [displayName, setDisplayName] = useState(mailbox?.displayName ?? '');
  const [relayHost, setRelayHost] = useState(mailbox?.relayHost ?? '');
  const [relayPort, setRelayPort] = useState(mailbox?.relayPort ? String(mailbox.relayPort) : '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const save = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await getApi().invoke('email.mailboxSave', {
        address: address.trim(),
        input: {
          departmentId,
          displayName,
          relayHost: relayHost.trim() || null,
          relayPort: relayPort.trim() ? Number(relayPort) : null,
        },
      });
      onSaved();
    } catch (err) {
      setError(errorBodyOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog open onClose={onClose} fullWidth maxWidth="sm" data-testid="admin-mailbox-dialog">
      <form onSubmit={(e) => void save(e)}>
        <DialogTitle>{mailbox ? t('email.admin.edit') : t('email.admin.new')}</DialogTitle>
        <DialogContent>
          <Stack spacing={1.5} sx={{ pt: 1 }}>
            <TextField
              label={t('email.admin.address')}
              value={address}
              onChange={(e) => setAddress(e.target.value)}
              disabled={mailbox !== null}
              required
              autoFocus={mailbox === null}
              slotProps={{ htmlInput: { 'data-testid': 'admin-mailbox-address' } }}
            />
            <NativeSelectField
              label={t('email.admin.department')}
              value={departmentId}
              onChange={setDepartmentId}
              testId="admin-mailbox-department"
            >
              <DepartmentOptions departments={overview.departments} />
            </NativeSelectField>
            <TextField
              label={t('email.admin.displayName')}
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              helperText={t('email.admin.displayNameHelp')}
              required
              slotProps={{ htmlInput: { 'data-testid': 'admin-mailbox-name' } }}
            />
            <Stack direction="row" spacing={1}>
              <TextField
                label={t('email.admin.relayHost')}
                value={relayHost}
                onChange={(e) => setRelayHost(e.target.value)}
                helperText={t('email.admin.relayHelp')}
                sx={{ flex: 1 }}
              />
              <TextField
                label={t('email.admin.relayPort')}
                value={relayPort}
                onChange={(e) => setRelayPort(e.target.value)}
                type="number"
                sx={{ width: 120 }}
              />
            </Stack>
            {error && <ErrorAlert error={error} testId="admin-mailbox-dialog-error" />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={onClose}>{t('email.admin.cancel')}</Button>
          <Button type="submit" variant="contained" disabled={busy} data-testid="admin-mailbox-save">
            {t('email.admin.save')}
          </Button>
        </DialogActions>
      </form>
    </Dialog>
  );
}
