import {
  Button,
  Checkbox,
  Chip,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  FormControlLabel,
  LinearProgress,
  Stack,
  TableCell,
  TableRow,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody } from '../../shared';
import type { MessagingChannel, MessagingKind } from '../../shared/intake';
import { ErrorAlert } from '../common/ErrorAlert';
import { DepartmentOptions } from '../common/DepartmentOptions';
import { NativeSelectField } from '../common/NativeSelectField';
import { useFormat } from '../i18n';
import { useAdmin } from '../admin/admin-context';
import { adminErrorText } from '../admin/admin-error-text';
import { AdminSection, AdminTable, EmptyRow } from '../admin/AdminTable';
import { SecretOnceDialog } from './SecretOnceDialog';
import { useIntake } from './use-intake';

/**
 * Admin tab: messaging channels (a webhook each, WeCom-style or generic JSON), the department they feed, where
 * agents' replies go, and how those replies are faring. A secret is shown once, when made or replaced.
 */
export function ChannelsTab() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { department } = useAdmin();
  const { overview, error, apply } = useIntake();
  const [editing, setEditing] = useState<{ channel: MessagingChannel | null } | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const channels = overview?.channels ?? [];
  return (
    <AdminSection
      title={t('intake.tabs.channels')}
      count={t('admin.count', { count: channels.length })}
      addLabel={t('intake.channels.new')}
      onAdd={() => setEditing({ channel: null })}
      addTestId="intake-channel-new"
    >
      {error && <ErrorAlert describe={adminErrorText} error={error} testId="intake-load-error" />}
      {!overview && !error && <LinearProgress />}
      <AdminTable
        testId="intake-channels"
        head={[
          t('intake.channels.name'),
          t('intake.channels.kind'),
          t('intake.department'),
          t('intake.channels.webhook'),
          t('intake.channels.outbound'),
          t('intake.status'),
          '',
        ]}
      >
        {overview && channels.length === 0 && <EmptyRow span={7} text={t('intake.channels.empty')} />}
        {channels.map((c) => (
          <TableRow key={c.id} hover data-testid="intake-channel-row">
            <TableCell>{c.name}</TableCell>
            <TableCell>{t(`intake.channels.kinds.${c.kind}`)}</TableCell>
            <TableCell>{fmt.department(department(c.departmentId))}</TableCell>
            <TableCell sx={{ fontFamily: 'monospace', fontSize: 12 }}>{c.webhookPath}</TableCell>
            <TableCell>
              {c.outboundUrl
                ? t('intake.channels.outboundCounts', c.outbound)
                : t('intake.channels.noOutbound')}
            </TableCell>
            <TableCell>
              <Chip
                size="small"
                color={c.enabled ? 'success' : 'default'}
                label={c.enabled ? t('intake.channels.on') : t('intake.channels.off')}
              />
            </TableCell>
            <TableCell align="right">
              <Button onClick={() => setEditing({ channel: c })}>{t('admin.edit')}</Button>
            </TableCell>
          </TableRow>
        ))}
      </AdminTable>
      {editing && (
        <ChannelDialog
          channel={editing.channel}
          onClose={() => setEditing(null)}
          onSave={async (input) => {
            const r = await apply(
              editing.channel
                ? { op: 'channel.update', id: editing.channel.id, input }
                : { op: 'channel.create', input },
            );
            if ('refused' in r) return r.refused;
            setEditing(null);
            setSecret(r.ok.secret ?? null);
            return null;
          }}
        />
      )}
      {secret && (
        <SecretOnceDialog
          title={t('intake.channels.secretTitle')}
          body={t('intake.channels.secretBody')}
          secret={secret}
          onClose={() => setSecret(null)}
        />
      )}
    </AdminSection>
  );
}

interface ChannelForm {
  name: string;
  kind: MessagingKind;
  departmentId: string;
  outboundUrl: string | null;
  enabled: boolean;
  secret?: string;
}

function ChannelDialog({
  channel,
  onClose,
  onSave,
}: {
  channel: MessagingChannel | null;
  onClose: () => void;
  onSave: (input: ChannelForm) => Promise<ErrorBody | null>;
}) {
  const { t } = useTranslation();
  const { overview } = useAdmin();
  const [name, setName] = useState(channel?.name ?? '');
  const [kind, setKind] = useState<MessagingKind>(channel?.kind ?? 'json');
  const [departmentId, setDepartmentId] = useState(
    channel?.departmentId ?? overview.departments[0]?.id ?? '',
  );
  const [outboundUrl, setOutboundUrl] = useState(channel?.outboundUrl ?? '');
  const [enabled, setEnabled] = useState(channel?.enabled ?? true);
  const [secret, setSecret] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const fieldError = (f: string) =>
    error?.issues?.find((i) => i.path === f || i.path === `input.${f}`)?.message;
  const save = async () => {
    if (busy) return;
    setBusy(true);
    const refused = await onSave({
      name,
      kind,
      departmentId,
      outboundUrl: outboundUrl.trim() ? outboundUrl.trim() : null,
      enabled,
      ...(secret.trim() ? { secret: secret.trim() } : {}),
    });
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
          'data-testid': 'intake-channel-dialog',
        } as object,
      }}
    >
      <DialogTitle>{channel ? t('intake.channels.edit') : t('intake.channels.new')}</DialogTitle>
      <DialogContent>
        <Stack spacing={1.5} sx={{ pt: 1 }}>
          <TextField
            label={t('intake.channels.name')}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={!!fieldError('name')}
            helperText={fieldError('name')}
            autoFocus
            required
            slotProps={{ htmlInput: { 'data-testid': 'intake-channel-name', maxLength: 100 } }}
          />
          <NativeSelectField
            label={t('intake.channels.kind')}
            value={kind}
            onChange={(v) => setKind(v as MessagingKind)}
            testId="intake-channel-kind"
          >
            <option value="json">{t('intake.channels.kinds.json')}</option>
            <option value="wecom">{t('intake.channels.kinds.wecom')}</option>
          </NativeSelectField>
          <NativeSelectField
            label={t('intake.department')}
            value={departmentId}
            onChange={setDepartmentId}
            testId="intake-channel-department"
          >
            <DepartmentOptions departments={overview.departments} />
          </NativeSelectField>
          <TextField
            label={t('intake.channels.outboundUrl')}
            value={outboundUrl}
            onChange={(e) => setOutboundUrl(e.target.value)}
            error={!!fieldError('outboundUrl')}
            helperText={fieldError('outboundUrl') ?? t('intake.channels.outboundUrlHelp')}
            slotProps={{ htmlInput: { 'data-testid': 'intake-channel-url' } }}
          />
          <TextField
            label={t('intake.channels.secret')}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            error={!!fieldError('secret')}
            helperText={fieldError('secret') ?? t('intake.channels.secretHelp')}
            autoComplete="off"
            slotProps={{ htmlInput: { 'data-testid': 'intake-channel-secret' } }}
          />
          <FormControlLabel
            control={<Checkbox checked={enabled} onChange={(e) => setEnabled(e.target.checked)} />}
            label={t('intake.channels.enabled')}
          />
          {error && <ErrorAlert describe={adminErrorText} error={error} testId="intake-channel-error" />}
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
          data-testid="intake-channel-save"
          endIcon={busy ? <CircularProgress size={12} color="inherit" /> : undefined}
        >
          {t('admin.save')}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
