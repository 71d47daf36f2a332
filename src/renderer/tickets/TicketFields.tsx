import { Stack, TextField } from '@mui/material';
import { useTranslation } from 'react-i18next';
import {
  TicketPriority,
  TicketStatus,
  canTransition,
  type TicketPatch,
  type TicketRow,
  type User,
} from '../../shared';
import { useCan } from '../auth/use-rights';
import { NativeSelectField } from '../common/NativeSelectField';
import { useDirectory } from '../directory/DirectoryProvider';

/**
 * Status, priority and assignee as native selects: quick by keyboard, and each change is one patch. What the
 * user's role may not do is left out (closing, reopening, the priority select), not offered and then refused.
 */
export function TicketFields({
  ticket,
  onChange,
}: {
  ticket: TicketRow;
  onChange: (patch: TicketPatch) => void;
}) {
  const { t } = useTranslation();
  const directory = useDirectory();
  const assignees: User[] = directory.users.filter(
    (u) => u.departmentId === ticket.departmentId || u.id === ticket.assigneeId,
  );
  const assigneeKnown = !ticket.assigneeId || assignees.some((u) => u.id === ticket.assigneeId);
  const can = useCan();
  // The ticket's own status is always listed: it is what the select shows.
  const offered = (s: TicketStatus) =>
    s === ticket.status || ((s !== 'closed' || can('close')) && (s !== 'reopened' || can('reopen')));

  return (
    <Stack direction="row" spacing={1.5} sx={{ flexWrap: 'wrap', rowGap: 1.5 }}>
      <NativeSelectField
        label={t('detail.status')}
        testId="ticket-status"
        value={ticket.status}
        sx={{ minWidth: 130 }}
        onChange={(v) => onChange({ status: v as TicketStatus })}
      >
        {TicketStatus.options.filter(offered).map((s) => (
          <option key={s} value={s} disabled={!canTransition(ticket.status, s)}>
            {t(`tickets.status.${s}`)}
          </option>
        ))}
      </NativeSelectField>
      {can('changePriority') ? (
        <NativeSelectField
          label={t('detail.priority')}
          testId="ticket-priority"
          value={ticket.priority}
          sx={{ minWidth: 110 }}
          onChange={(v) => onChange({ priority: v as TicketPriority })}
        >
          {TicketPriority.options.map((p) => (
            <option key={p} value={p}>
              {t(`tickets.priority.${p}`)}
            </option>
          ))}
        </NativeSelectField>
      ) : (
        // Read, not edited: the value without a control to change it.
        <TextField
          label={t('detail.priority')}
          value={t(`tickets.priority.${ticket.priority}`)}
          size="small"
          sx={{ minWidth: 110, width: 110 }}
          slotProps={{ input: { readOnly: true }, htmlInput: { 'data-testid': 'ticket-priority-text' } }}
        />
      )}
      <NativeSelectField
        label={t('detail.assignee')}
        testId="ticket-assignee"
        value={ticket.assigneeId ?? ''}
        sx={{ minWidth: 160 }}
        onChange={(v) => onChange({ assigneeId: v || null })}
      >
        <option value="">{t('tickets.unassigned')}</option>
        {!assigneeKnown && ticket.assigneeId && <option value={ticket.assigneeId}>…</option>}
        {assignees.map((u) => (
          <option key={u.id} value={u.id}>
            {u.displayName}
          </option>
        ))}
      </NativeSelectField>
    </Stack>
  );
}
