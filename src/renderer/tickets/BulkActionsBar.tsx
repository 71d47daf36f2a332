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
        <NativeSelectField
          label={t('detail.status')}
          testId="bulk-status"
          value=""
          disabled={busy}
          sx={{ minWidth: 120 }}
          onChange={(v) => v && void apply({ status: v as TicketStatus })}
        >
          <option value="">{t('bulk.keep')}</option>
          {TicketStatus.options
            .filter((s) => s !== 'new')
            .map((s) => (
              <option key={s} value={s}>
                {t(`tickets.status.${s}`)}
              </option>
            ))}
        </NativeSelectField>
        <NativeSelectField
          label={t('detail.priority')}
          testId="bulk-priority"
          value=""
          disabled={busy}
          sx={{ minWidth: 110 }}
          onChange={(v) => v && void apply({ priority: v as TicketPriority })}
        >
          <option value="">{t('bulk.keep')}</option>
          {TicketPriority.options.map((p) => (
            <option key={p} value={p}>
              {t(`tickets.priority.${p}`)}
            </option>
          ))}
        </NativeSelectField>
        <NativeSelectField
          label={t('detail.assignee')}
          testId="bulk-assignee"
          value=""
          disabled={busy}
          sx={{ minWidth: 140 }}
          onChange={(v) => v && void apply({ assigneeId: v === '-' ? null : v })}
        >
          <option value="">{t('bulk.keep')}</option>
          <option value="-">{t('tickets.unassigned')}</option>
          {agents.map((u) => (
            <option key={u.id} value={u.id}>
              {u.displayName}
            </option>
          ))}
        </NativeSelectField>
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
