import { Checkbox, FormControlLabel, TextField } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody, TicketRow } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { CreateDialog } from '../common/CreateDialog';
import { ErrorAlert } from '../common/ErrorAlert';
import { NativeSelectField } from '../common/NativeSelectField';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n';
import { DepartmentOptions } from '../common/DepartmentOptions';

/**
 * Transfer a ticket to another department with a reason the receiving team reads, optionally asking for it
 * back when their part is done. Opened as a hand-back (`handBack`), the department is the one that asked and
 * the request is settled. Works offline: the ticket stays here, marked not yet synced, until the server has it.
 */
export function TransferDialog({
  ticket,
  handBack,
  open,
  onClose,
  onDone,
}: {
  ticket: TicketRow;
  handBack: boolean;
  open: boolean;
  onClose: () => void;
  onDone: (row: TicketRow) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const directory = useDirectory();
  const others = directory.departments.filter((d) => d.id !== ticket.departmentId);
  const [to, setTo] = useState(handBack && ticket.handBackTo ? ticket.handBackTo : (others[0]?.id ?? ''));
  const [reason, setReason] = useState('');
  const [askBack, setAskBack] = useState(false);
  const [reasonMissing, setReasonMissing] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);

  const save = async () => {
    if (!reason.trim()) {
      setReasonMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const row = await getApi().invoke('tickets.transfer', {
        id: ticket.id,
        toDepartmentId: to,
        reason: reason.trim(),
        handBack: !handBack && askBack,
      });
      onDone(row);
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <CreateDialog
      open={open}
      busy={busy}
      title={handBack ? t('transfer.handBackTitle') : t('transfer.title')}
      testId="transfer"
      maxWidth="sm"
      onSave={() => void save()}
      onClose={onClose}
      saveLabel={handBack ? t('transfer.handBackAction') : t('transfer.action')}
    >
      <NativeSelectField
        label={t('transfer.to')}
        testId="transfer-department"
        value={to}
        disabled={handBack}
        fullWidth
        onChange={setTo}
      >
        <DepartmentOptions
          departments={handBack ? directory.departments.filter((d) => d.id === to) : others}
        />
      </NativeSelectField>
      <TextField
        label={t('transfer.reason')}
        value={reason}
        autoFocus
        required
        multiline
        minRows={2}
        fullWidth
        error={reasonMissing && !reason.trim()}
        helperText={reasonMissing && !reason.trim() ? t('transfer.reasonMissing') : t('transfer.reasonHint')}
        onChange={(e) => setReason(e.target.value)}
        slotProps={{ htmlInput: { 'data-testid': 'transfer-reason', maxLength: 1000 } }}
      />
      {!handBack && (
        <FormControlLabel
          control={
            <Checkbox
              checked={askBack}
              onChange={(e) => setAskBack(e.target.checked)}
              slotProps={{ input: { 'data-testid': 'transfer-hand-back' } as object }}
            />
          }
          label={t('transfer.askBack', {
            department: fmt.department(directory.department(ticket.departmentId)),
          })}
        />
      )}
      {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
    </CreateDialog>
  );
}
