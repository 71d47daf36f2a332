import AddIcon from '@mui/icons-material/Add';
import ArrowBackIcon from '@mui/icons-material/ArrowBack';
import CallIcon from '@mui/icons-material/Call';
import { Alert, Box, Button, LinearProgress, Paper, Stack, Tooltip, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustomerDetail, ErrorBody } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { useFormat } from '../i18n';
import { useDataChanged } from '../sync/use-data-changed';
import { PriorityLabel, StatusChip } from '../tickets/TicketLabels';
import { ticketNumberText } from '../tickets/TicketListRow';
import { NewTicketDialog } from '../tickets/NewTicketDialog';
import { useNewShortcut } from '../common/use-new-shortcut';
import { formatPhone } from '../../shared/phone';
import { usePhoneDial } from '../softphone/use-phone-dial';
import { CustomerTimeline } from './CustomerTimeline';
// Intake (issue 13): supervisors merge duplicate customers.
import { useSessionInfo } from '../auth/session-context';
import { MergeCustomerDialog } from '../intake/MergeCustomerDialog';
import type { CustomerMergeResult } from '../../shared/intake';

/** A customer's profile and every ticket of theirs in the agent's scope. */
export function CustomerView({
  customerId,
  onOpenTicket,
  onBack,
  backTo = 'tickets',
}: {
  customerId: string;
  backTo?: 'tickets' | 'customers';
  onOpenTicket: (id: string) => void;
  onBack: () => void;
}) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const dial = usePhoneDial();
  const [detail, setDetail] = useState<CustomerDetail | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [generation, setGeneration] = useState(0);
  const [creating, setCreating] = useState(false);
  useNewShortcut(!creating && detail !== null, () => setCreating(true));
  // Intake (issue 13): the merge tool, for supervisors and administrators (the server refuses everyone else).
  const { user } = useSessionInfo();
  const mayMerge = user.role === 'supervisor' || user.role === 'admin';
  const [merging, setMerging] = useState(false);
  const [mergedNote, setMergedNote] = useState<CustomerMergeResult | null>(null);

  useDataChanged((c) => {
    if (
      c.all ||
      c.customerIds.includes(customerId) ||
      detail?.tickets.some((r) => c.ticketIds.includes(r.id))
    )
      setGeneration((g) => g + 1);
  });

  useEffect(() => {
    let live = true;
    getApi()
      .invoke('customers.get', { id: customerId })
      .then(
        (d) => {
          if (!live) return;
          setDetail(d);
          setError(null);
        },
        (e: unknown) => live && setError(errorBodyOf(e)),
      );
    return () => {
      live = false;
    };
  }, [customerId, generation]);

  const c = detail?.customer;
  return (
    <Box
      data-testid="customer-detail"
      data-customer-id={customerId}
      sx={{ p: 2, overflowY: 'auto', flex: 1 }}
    >
      <Button startIcon={<ArrowBackIcon />} onClick={onBack} sx={{ mb: 1 }} data-testid="customer-back">
        {t(backTo === 'tickets' ? 'customer.back' : 'customer.backToCustomers')}
      </Button>
      {!detail && !error && <LinearProgress />}
      {error && <ErrorAlert error={error} />}
      {c && detail && (
        <Stack spacing={2} sx={{ maxWidth: 900 }}>
          <Paper variant="outlined" sx={{ p: 2 }}>
            <Stack direction="row" sx={{ alignItems: 'center', gap: 1 }}>
              <Typography variant="h6" data-testid="customer-name" sx={{ flex: 1 }}>
                {c.name}
              </Typography>
              {mayMerge && (
                <Button size="small" onClick={() => setMerging(true)} data-testid="customer-merge">
                  {t('intake.merge.button')}
                </Button>
              )}
            </Stack>
            {mergedNote && (
              <Alert severity="success" onClose={() => setMergedNote(null)} data-testid="customer-merged">
                {t('intake.merge.done', { tickets: mergedNote.tickets, calls: mergedNote.interactions })}
              </Alert>
            )}
            {c.company && <Typography color="textSecondary">{c.company}</Typography>}
            <Box
              component="dl"
              sx={{
                display: 'grid',
                gridTemplateColumns: 'max-content 1fr',
                columnGap: 2,
                rowGap: 0.5,
                m: 0,
                mt: 1,
              }}
            >
              <Box component="dt" sx={{ color: 'text.secondary' }}>
                {t('customer.phone')}
              </Box>
              <Box component="dd" sx={{ m: 0, display: 'flex', alignItems: 'center', gap: 0.5 }}>
                {c.phone ? formatPhone(c.phone) : t('customer.none')}
                {c.phone && (
                  <Button
                    size="small"
                    startIcon={<CallIcon />}
                    disabled={!dial.canDial}
                    data-testid="customer-page-call"
                    onClick={() => c.phone && dial.call(c.phone)}
                  >
                    {t('phone.call.call')}
                  </Button>
                )}
                {dial.error && (
                  <Typography variant="caption" color="error">
                    {t('phone.call.failed', { message: dial.error })}
                  </Typography>
                )}
              </Box>
              <Box component="dt" sx={{ color: 'text.secondary' }}>
                {t('customer.email')}
              </Box>
              <Box component="dd" sx={{ m: 0 }}>
                {c.email ?? t('customer.none')}
              </Box>
              <Box component="dt" sx={{ color: 'text.secondary' }}>
                {t('customer.language')}
              </Box>
              <Box component="dd" sx={{ m: 0 }}>
                {new Intl.DisplayNames([i18n.language], { type: 'language' }).of(c.language) ?? c.language}
              </Box>
            </Box>
          </Paper>
          <Paper variant="outlined">
            <Stack direction="row" sx={{ alignItems: 'center', pr: 1 }}>
              <Typography variant="overline" color="textSecondary" sx={{ px: 1.5, flex: 1 }}>
                {t('customer.tickets')} ({detail.tickets.length})
              </Typography>
              <Tooltip title={t('create.newTicketHint')}>
                <Button
                  startIcon={<AddIcon />}
                  onClick={() => setCreating(true)}
                  data-testid="customer-new-ticket"
                  aria-keyshortcuts="Alt+N"
                >
                  {t('create.newTicketForCustomer')}
                </Button>
              </Tooltip>
            </Stack>
            {detail.tickets.length === 0 && (
              <Typography variant="body2" color="textSecondary" sx={{ px: 1.5, pb: 1.5 }}>
                {t('customer.noTickets')}
              </Typography>
            )}
            {detail.tickets.map((r) => (
              <Box
                key={r.id}
                data-testid="customer-ticket-row"
                data-ticket-id={r.id}
                role="button"
                tabIndex={0}
                onClick={() => onOpenTicket(r.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') onOpenTicket(r.id);
                }}
                sx={{
                  display: 'flex',
                  alignItems: 'center',
                  gap: 1,
                  px: 1.5,
                  py: 0.75,
                  borderTop: 1,
                  borderColor: 'divider',
                  cursor: 'pointer',
                  '&:hover, &:focus-visible': { bgcolor: 'action.hover', outline: 'none' },
                }}
              >
                <Box
                  component="span"
                  sx={{ color: r.number === null ? 'warning.main' : 'text.secondary', minWidth: 56 }}
                  title={r.number === null ? t('create.provisionalHint') : undefined}
                >
                  {ticketNumberText(r.number, t('tickets.localNumber'))}
                </Box>
                <Box
                  component="span"
                  sx={{
                    flex: 1,
                    minWidth: 0,
                    fontWeight: 600,
                    overflow: 'hidden',
                    textOverflow: 'ellipsis',
                    whiteSpace: 'nowrap',
                  }}
                >
                  {r.subject}
                </Box>
                <StatusChip status={r.status} />
                <PriorityLabel priority={r.priority} />
                <Box
                  component="span"
                  sx={{ color: 'text.secondary', fontSize: 12 }}
                  title={fmt.absolute(r.updatedAt)}
                >
                  {fmt.relative(r.updatedAt)}
                </Box>
              </Box>
            ))}
          </Paper>
          <CustomerTimeline customerId={c.id} onOpenTicket={onOpenTicket} />
        </Stack>
      )}
      {c && merging && (
        <MergeCustomerDialog
          customer={c}
          onClose={() => setMerging(false)}
          onMerged={(r) => {
            setMerging(false);
            setMergedNote(r);
            // The replica moves the tickets when it pulls the merge; a merged-away id then opens the kept one.
            setGeneration((g) => g + 1);
          }}
        />
      )}
      {c && (
        <NewTicketDialog
          open={creating}
          onClose={() => setCreating(false)}
          initial={{ customerId: c.id }}
          onCreated={(ticket) => {
            setCreating(false);
            onOpenTicket(ticket.id);
          }}
        />
      )}
    </Box>
  );
}
