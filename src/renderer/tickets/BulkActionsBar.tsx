import CloseIcon from '@mui/icons-material/Close';
import { Alert, Box, Button, IconButton, Stack, TextField, Tooltip, Typography } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  TicketPriority,
  TicketStatus,
  type ErrorBody,
  type MethodInput,
  type MethodOutput,
} from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { useSessionInfo } from '../auth/session-context';
import { useCan } from '../auth/use-rights';
import { ErrorAlert } from '../common/ErrorAlert';
import { NativeSelectField } from '../common/NativeSelectField';
import { useDirectory } from '../directory/DirectoryProvider';
import { DeleteTicketDialog } from './DeleteTicketDialog';
import { ticketNumberText } from './TicketListRow';

type Patch = MethodInput<'tickets.bulkUpdate'>['patch'];
/** deleted: the outcome of a bulk delete (`updated` then counts the tickets queued for deletion). */
export type BulkOutcome = MethodOutput<'tickets.bulkUpdate'> & { deleted?: boolean };

/**
 * What a team lead or supervisor does to the checked tickets at once: status, priority, assignee, a tag. Each
 * pick applies at once (offline too) and says how many changed and which were skipped and why.
 */
export function BulkActionsBar({
  ids,
  onClear,
  onResult,
}: {
  ids: string[];
  onClear: () => void;
  /** What the change did; BulkResult shows it, and stays when a change that applied everywhere clears the bar. */
  onResult: (result: BulkOutcome) => void;
}) {
  const { t } = useTranslation();
  const directory = useDirectory();
  const { user } = useSessionInfo();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [tag, setTag] = useState('');
  const [deleting, setDeleting] = useState(false);
  const can = useCan();
  const agents = directory.users.filter(
    (u) => user.departmentId === null || u.departmentId === user.departmentId,
  );

  const apply = async (patch: Patch) => {
    setBusy(true);
    setError(null);
    try {
      const r = await getApi().invoke('tickets.bulkUpdate', { ids, patch });
      onResult(r);
      if (r.skipped.length === 0) onClear();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Box
      data-testid="bulk-bar"
      sx={{ px: 1.5, py: 1, borderBottom: 1, borderColor: 'divider', bgcolor: 'action.selected' }}
    >
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap', rowGap: 1 }}>
        <Typography variant="body2" sx={{ fontWeight: 600 }} data-testid="bulk-count">
          {t('bulk.selected', { count: ids.length })}
        </Typography>
        <BulkPick
          label={t('detail.status')}
          testId="bulk-status"
          disabled={busy}
          minWidth={120}
          options={TicketStatus.options
            .filter((s) => s !== 'new')
            .map((s) => [s, t(`tickets.status.${s}`)] as const)}
          onPick={(v) => void apply({ status: v as TicketStatus })}
        />
        <BulkPick
          label={t('detail.priority')}
          testId="bulk-priority"
          disabled={busy}
          minWidth={110}
          options={TicketPriority.options.map((p) => [p, t(`tickets.priority.${p}`)] as const)}
          onPick={(v) => void apply({ priority: v as TicketPriority })}
        />
        <BulkPick
          label={t('detail.assignee')}
          testId="bulk-assignee"
          disabled={busy}
          minWidth={140}
          options={[
            ['-', t('tickets.unassigned')] as const,
            ...agents.map((u) => [u.id, u.displayName] as const),
          ]}
          onPick={(v) => void apply({ assigneeId: v === '-' ? null : v })}
        />
        <TextField
          size="small"
          label={t('bulk.addTag')}
          value={tag}
          disabled={busy}
          sx={{ width: 130 }}
          onChange={(e) => setTag(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && tag.trim()) {
              e.preventDefault();
              void apply({ addTags: [tag.trim()] }).then(() => setTag(''));
            }
          }}
          slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': 'bulk-tag' } }}
        />
        {can('delete') && (
          <Button
            size="small"
            color="error"
            disabled={busy}
            onClick={() => setDeleting(true)}
            data-testid="bulk-delete"
          >
            {t('bulk.delete')}
          </Button>
        )}
        <Box sx={{ flex: 1 }} />
        <Tooltip title={t('bulk.clearHint')}>
          <IconButton size="small" onClick={onClear} aria-label={t('bulk.clear')} data-testid="bulk-clear">
            <CloseIcon fontSize="small" />
          </IconButton>
        </Tooltip>
      </Stack>
      {error && (
        <Box sx={{ mt: 1 }}>
          <ErrorAlert error={error} onClose={() => setError(null)} />
        </Box>
      )}
      <DeleteTicketDialog
        open={deleting}
        count={ids.length}
        onClose={() => setDeleting(false)}
        run={async (reason) => {
          const r = await getApi().invoke('tickets.bulkDelete', { ids, reason });
          onResult({ ...r, deleted: true });
          if (r.skipped.length === 0) onClear();
        }}
      />
    </Box>
  );
}

/** A select that applies its pick to every checked ticket at once and goes back to "(keep)". */
function BulkPick({
  label,
  testId,
  disabled,
  minWidth,
  options,
  onPick,
}: {
  label: string;
  testId: string;
  disabled: boolean;
  minWidth: number;
  options: readonly (readonly [value: string, text: string])[];
  onPick: (value: string) => void;
}) {
  const { t } = useTranslation();
  return (
    <NativeSelectField
      label={label}
      testId={testId}
      value=""
      disabled={disabled}
      sx={{ minWidth }}
      onChange={(v) => v && onPick(v)}
    >
      <option value="">{t('bulk.keep')}</option>
      {options.map(([value, text]) => (
        <option key={value} value={value}>
          {text}
        </option>
      ))}
    </NativeSelectField>
  );
}

/** How many tickets a bulk change changed, and each one it skipped with the reason (the detail on hover). */
export function BulkResult({ result, onClose }: { result: BulkOutcome; onClose: () => void }) {
  const { t } = useTranslation();
  return (
    <Alert
      severity={result.skipped.length ? 'warning' : 'success'}
      sx={{ mx: 1.5, my: 0.5, py: 0 }}
      data-testid="bulk-result"
      onClose={onClose}
    >
      {result.deleted
        ? t('bulk.deleted', { count: result.updated })
        : t('bulk.updated', { count: result.updated })}
      {result.skipped.length > 0 && ` ${t('bulk.skipped', { count: result.skipped.length })}`}
      {result.skipped.length > 0 && (
        <Box component="ul" sx={{ m: 0, pl: 2 }}>
          {result.skipped.slice(0, 10).map((s) => (
            <li key={s.id} data-testid="bulk-skipped" title={s.message}>
              {ticketNumberText(s.number, t('tickets.localNumber'))}: {t(`bulk.reason.${s.reason}`)}
            </li>
          ))}
          {result.skipped.length > 10 && <li>{t('bulk.more', { count: result.skipped.length - 10 })}</li>}
        </Box>
      )}
    </Alert>
  );
}
