import PersonAddIcon from '@mui/icons-material/PersonAddAlt1Outlined';
import { Box, Button, List, ListItemButton, Stack, Typography } from '@mui/material';
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import type { ScreenPop, TicketRow } from '../../shared';
import { formatPhone } from '../../shared/phone';
import { CustomerCard } from '../customers/CustomerCard';
import { TimelineList } from '../customers/CustomerTimeline';
import { StatusChip } from '../tickets/TicketLabels';
import { ticketNumberText } from '../tickets/TicketListRow';

function TicketLines({
  rows,
  onOpen,
  testId,
}: {
  rows: TicketRow[];
  onOpen: (id: string) => void;
  testId: string;
}) {
  const { t } = useTranslation();
  if (rows.length === 0)
    return (
      <Typography variant="body2" color="textSecondary" sx={{ px: 1 }}>
        {t('phone.pop.noTickets')}
      </Typography>
    );
  return (
    <List dense disablePadding data-testid={testId}>
      {rows.map((r) => (
        <ListItemButton
          key={r.id}
          data-testid="pop-ticket"
          onClick={() => onOpen(r.id)}
          sx={{ gap: 1, py: 0.25, px: 1 }}
        >
          <Box component="span" sx={{ fontSize: 12, color: 'text.secondary', minWidth: 52 }}>
            {ticketNumberText(r.number, t('tickets.localNumber'))}
          </Box>
          <Box
            component="span"
            sx={{ flex: 1, minWidth: 0, overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
          >
            {r.subject}
          </Box>
          <StatusChip status={r.status} />
        </ListItemButton>
      ))}
    </List>
  );
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Box>
      <Typography variant="overline" color="textSecondary" sx={{ px: 1 }}>
        {title}
      </Typography>
      {children}
    </Box>
  );
}

/** Who is calling: the profile, open and recent tickets and their latest contacts, all from this computer's cache. */
export function ScreenPopView({
  pop,
  onOpenTicket,
  onOpenCustomer,
  onCreateCustomer,
}: {
  pop: ScreenPop;
  onOpenTicket: (id: string) => void;
  onOpenCustomer: (id: string) => void;
  onCreateCustomer: () => void;
}) {
  const { t } = useTranslation();
  useEffect(() => {
    // Diagnostics (and bench:screenpop): the frame this caller's pop is painted in, to pair with the
    // engine's switchboard:invite mark.
    const frame = requestAnimationFrame(() =>
      performance.mark('switchboard:screenpop-rendered', { detail: pop.number }),
    );
    return () => cancelAnimationFrame(frame);
  }, [pop]);
  return (
    <Stack spacing={1} data-testid="screen-pop" data-known={pop.customer ? 'yes' : 'no'}>
      {pop.customer ? (
        <CustomerCard customer={pop.customer} onOpen={onOpenCustomer} />
      ) : (
        <Box sx={{ px: 1 }} data-testid="pop-unknown">
          <Typography variant="body2" color="textSecondary">
            {t('phone.pop.unknownHint')} {pop.number ? formatPhone(pop.number) : ''}
          </Typography>
          <Button
            size="small"
            startIcon={<PersonAddIcon />}
            onClick={onCreateCustomer}
            data-testid="pop-create-customer"
          >
            {t('phone.pop.createCustomer')}
          </Button>
        </Box>
      )}
      {pop.customer && (
        <>
          <Section title={t('phone.pop.openTickets')}>
            <TicketLines rows={pop.openTickets} onOpen={onOpenTicket} testId="pop-open-tickets" />
          </Section>
          <Section title={t('phone.pop.recentTickets')}>
            <TicketLines rows={pop.recentTickets} onOpen={onOpenTicket} testId="pop-recent-tickets" />
          </Section>
          <Section title={t('customer.timeline.title')}>
            {pop.timeline.length === 0 ? (
              <Typography variant="body2" color="textSecondary" sx={{ px: 1 }}>
                {t('customer.timeline.empty')}
              </Typography>
            ) : (
              <TimelineList entries={pop.timeline} onOpenTicket={onOpenTicket} dense />
            )}
          </Section>
        </>
      )}
    </Stack>
  );
}
