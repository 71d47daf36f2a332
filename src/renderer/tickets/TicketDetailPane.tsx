import { Alert, Box, Button, Divider, LinearProgress, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody, TicketPatch } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { CustomerCard } from '../customers/CustomerCard';
import { useSessionInfo } from '../auth/session-context';
import { useCan } from '../auth/use-rights';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n';
import { CommentComposer } from './CommentComposer';
import { CommentThread } from './CommentThread';
import { ConflictAlerts } from './ConflictAlerts';
import { CustomFieldsPanel } from './CustomFieldsPanel';
import { DeleteTicketDialog } from './DeleteTicketDialog';
import { HistoryList } from './HistoryList';
import { LinksPanel, MergedBanner } from './LinksPanel';
import { SubjectField } from './SubjectField';
import { SlaPanel } from '../sla/SlaPanel';
import { SyncStateChip } from './SyncStateChip';
import { TagsField } from './TagsField';
import { TicketFields } from './TicketFields';
import { TransferDialog } from './TransferDialog';
import { ticketNumberText } from './TicketListRow';
import { useTicketDetail } from './use-ticket-detail';
import { SuggestedArticles } from '../kb/SuggestedArticles'; // knowledge base (issue 13, kb helper)
import { TriageSection } from '../triage/TriageSection'; // triage (issue 15, desk)
import { SuggestedAnswer } from '../answers/SuggestedAnswer'; // suggested answers (issue 15, answers helper)

type SaveState = 'idle' | 'saving' | 'saved';

export function TicketDetailPane({
  ticketId,
  onOpenCustomer,
  onOpenTicket,
}: {
  ticketId: string;
  onOpenCustomer: (id: string) => void;
  onOpenTicket: (id: string) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const directory = useDirectory();
  const { detail, error, reload, applyRow } = useTicketDetail(ticketId);
  const [saveState, setSaveState] = useState<SaveState>('idle');
  const [saveError, setSaveError] = useState<ErrorBody | null>(null);
  const [transfer, setTransfer] = useState<'to' | 'back' | null>(null);
  const [deleting, setDeleting] = useState(false);
  const session = useSessionInfo();
  const can = useCan();

  const update = async (patch: TicketPatch) => {
    setSaveState('saving');
    setSaveError(null);
    try {
      applyRow(await getApi().invoke('tickets.update', { id: ticketId, patch }));
      setSaveState('saved');
    } catch (e) {
      setSaveError(errorBodyOf(e));
      setSaveState('idle');
      // The select already shows what was picked: put the stored value back.
      reload();
    }
  };

  if (!detail) {
    return error ? (
      <Box sx={{ p: 2 }}>
        <ErrorAlert error={error} />
      </Box>
    ) : (
      <LinearProgress />
    );
  }
  const { ticket } = detail;
  // Ticket ids in the history (links, merges) by number where this replica holds the ticket.
  const linkText = (id: string) => {
    const { parent, children, related, mergedInto, mergedFrom, mentioned } = detail.links;
    const all = [parent, mergedInto, ...children, ...related, ...mergedFrom, ...mentioned];
    const row = all.find((l) => l?.id === id)?.row;
    return row ? ticketNumberText(row.number, t('tickets.localNumber')) : t('links.notHere');
  };
  // A transfer made here that the server has not taken yet: the ticket is still in this replica.
  const leaving = session.user.departmentId !== null && ticket.departmentId !== session.user.departmentId;
  // Deleted here, not yet confirmed: read-only until the server answers (a refusal brings it back).
  const deletePending = ticket.deletePending === true;
  const canHandBack =
    can('transfer') &&
    ticket.handBackTo !== null &&
    ticket.handBackTo !== ticket.departmentId &&
    !leaving &&
    !deletePending;
  const locked = ticket.status === 'closed' || deletePending;

  return (
    <Box data-testid="ticket-detail" data-ticket-id={ticket.id} sx={{ p: 2 }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 0.5 }}>
        <Typography
          data-testid="ticket-number"
          data-provisional={ticket.number === null}
          title={ticket.number === null ? t('create.provisionalHint') : undefined}
          sx={{
            color: ticket.number === null ? 'warning.main' : 'text.secondary',
            fontVariantNumeric: 'tabular-nums',
          }}
        >
          {ticketNumberText(ticket.number, t('tickets.localNumber'))}
        </Typography>
        <SyncStateChip state={ticket.syncState} />
        <Typography
          variant="caption"
          color="textSecondary"
          data-testid="ticket-save-state"
          aria-live="polite"
        >
          {saveState === 'saving'
            ? t('detail.saving')
            : saveState === 'saved'
              ? ticket.syncState === 'pending'
                ? t('detail.savedPending')
                : t('detail.saved')
              : ''}
        </Typography>
        <Box sx={{ flex: 1 }} />
        <Typography variant="caption" color="textSecondary" title={fmt.absolute(ticket.updatedAt)}>
          {fmt.department(directory.department(ticket.departmentId))} ·{' '}
          {t('detail.updated', { time: fmt.relative(ticket.updatedAt) })}
        </Typography>
        {canHandBack && (
          <Button
            size="small"
            variant="outlined"
            data-testid="ticket-hand-back"
            onClick={() => setTransfer('back')}
          >
            {t('transfer.handBack', { department: fmt.department(directory.department(ticket.handBackTo)) })}
          </Button>
        )}
        {ticket.status !== 'closed' && !leaving && !deletePending && can('transfer') && (
          <Button size="small" data-testid="ticket-transfer" onClick={() => setTransfer('to')}>
            {t('transfer.open')}
          </Button>
        )}
        {!deletePending && !leaving && can('delete') && (
          <Button size="small" color="error" data-testid="ticket-delete" onClick={() => setDeleting(true)}>
            {t('deleteTicket.open')}
          </Button>
        )}
      </Stack>
      {deletePending && (
        <Alert severity="warning" sx={{ py: 0, mb: 1 }} data-testid="ticket-delete-pending">
          {t('deleteTicket.pending')}
        </Alert>
      )}
      <DeleteTicketDialog
        open={deleting}
        count={1}
        ticketText={`${ticketNumberText(ticket.number, t('tickets.localNumber'))} ${t('deleteTicket.subject', { subject: ticket.subject })}`}
        onClose={() => setDeleting(false)}
        run={async (reason) => {
          await getApi().invoke('tickets.delete', { id: ticket.id, reason });
          reload();
        }}
      />
      {leaving && (
        <Alert severity="info" sx={{ py: 0, mb: 1 }} data-testid="ticket-leaving">
          {t('transfer.leaving', { department: fmt.department(directory.department(ticket.departmentId)) })}
        </Alert>
      )}
      {transfer && (
        <TransferDialog
          ticket={ticket}
          handBack={transfer === 'back'}
          open
          onClose={() => setTransfer(null)}
          onDone={(row) => {
            setTransfer(null);
            applyRow(row);
          }}
        />
      )}
      {/* A fieldset disables every input inside it at once: a ticket being deleted takes no edits. */}
      <Box component="fieldset" disabled={deletePending} sx={{ border: 0, p: 0, m: 0, minWidth: 0 }}>
        <SubjectField value={ticket.subject} onSave={(subject) => void update({ subject })} />
        <Box sx={{ mt: 2 }}>
          <TicketFields ticket={ticket} onChange={(patch) => void update(patch)} />
        </Box>
      </Box>
      <ConflictAlerts ticketId={ticket.id} conflicts={detail.conflicts} onResolved={reload} />
      {detail.links.mergedInto && <MergedBanner link={detail.links.mergedInto} onOpen={onOpenTicket} />}
      {ticket.status === 'closed' && !detail.links.mergedInto && (
        <Alert severity="info" sx={{ mt: 1, py: 0 }}>
          {t('detail.closedHint')}
        </Alert>
      )}
      {saveError && (
        <Box sx={{ mt: 1 }}>
          <ErrorAlert error={saveError} testId="ticket-save-error" onClose={() => setSaveError(null)} />
        </Box>
      )}
      {error && (
        <Box sx={{ mt: 1 }}>
          <ErrorAlert error={error} />
        </Box>
      )}
      <Stack direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ mt: 2, alignItems: 'flex-start' }}>
        <Stack spacing={2} sx={{ flex: 1, minWidth: 0, width: '100%' }}>
          <TriageSection
            ticket={ticket}
            disabled={locked || leaving}
            onPatch={(patch) => void update(patch)}
            onRow={applyRow}
          />
          <section>
            <Typography variant="overline" color="textSecondary">
              {t('detail.description')}
            </Typography>
            <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
              {ticket.description || t('detail.noDescription')}
            </Typography>
          </section>
          <Divider />
          <section>
            <Typography variant="overline" color="textSecondary">
              {t('detail.comments')}
            </Typography>
            <CommentThread comments={detail.comments} />
          </section>
          {!deletePending && <CommentComposer ticketId={ticket.id} onSent={reload} />}
          <Divider />
          <section>
            <Typography variant="overline" color="textSecondary">
              {t('detail.history')}
            </Typography>
            <HistoryList history={detail.history} ticketText={linkText} />
          </section>
        </Stack>
        <Stack spacing={2} sx={{ width: { xs: '100%', md: 240, xl: 300 }, flexShrink: 0 }}>
          <SlaPanel ticket={ticket} />
          <TagsField tags={ticket.tags} disabled={locked} onChange={(tags) => void update({ tags })} />
          <CustomFieldsPanel
            departmentId={ticket.departmentId}
            values={ticket.fields}
            disabled={locked}
            onChange={(patch) => void update(patch)}
          />
          <LinksPanel
            ticket={ticket}
            links={detail.links}
            disabled={locked}
            onUpdate={(patch) => void update(patch)}
            onOpen={onOpenTicket}
            onChanged={reload}
          />
          <CustomerCard customer={detail.customer} onOpen={onOpenCustomer} />
          {/* Suggested answers (issue 15, answers helper): sources and a draft for the reply box; never blocks. */}
          <SuggestedAnswer
            kind="ticket"
            id={ticket.id}
            replyTestId="comment-input"
            onOpenTicket={onOpenTicket}
          />
          {/* Knowledge base (issue 13, kb helper): articles matching this ticket; never blocks it. */}
          <SuggestedArticles subject={ticket.subject} description={ticket.description} />
        </Stack>
      </Stack>
    </Box>
  );
}
