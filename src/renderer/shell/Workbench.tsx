import { Box, LinearProgress, Tooltip } from '@mui/material';
import { useCallback, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { SessionInfo } from '../../shared';
import { AdminPage, type AdminTab } from '../admin/AdminPage';
import { AuditPanel } from '../audit/AuditPanel';
import { CustomersPage } from '../customers/CustomersPage';
import { CustomerView } from '../customers/CustomerView';
import { DirectoryProvider } from '../directory/DirectoryProvider';
import type { Customer, TicketRow } from '../../shared';
import { NewCustomerDialog } from '../customers/NewCustomerDialog';
import { useHelpShortcut } from '../common/use-help-shortcut';
import { CallPanel, type CallPanelActions } from '../softphone/CallPanel';
import { NewTicketDialog } from '../tickets/NewTicketDialog';
import { AgentStateNotice } from '../softphone/AgentStateNotice';
import { PhoneProvider } from '../softphone/PhoneProvider';
import { ConnectionBanner } from '../sync/ConnectionBanner';
import { isCatchingUp } from '../sync/catching-up';
import { useSyncStatus } from '../sync/use-sync-status';
import { SlaAlerts } from '../sla/SlaAlerts';
import { TicketsPage } from '../tickets/TicketsPage';
import { KnowledgePage } from '../kb/KnowledgePage'; // knowledge base (issue 13, kb helper)
// Web chat, agent desk (issue 13, chat desk).
import { ChatDesk } from '../chat/ChatDesk';
import { ChatNavButton } from '../chat/ChatNavButton';
import { ChatProvider } from '../chat/ChatProvider';
import { OfferBanner } from '../chat/OfferBanner';
import { SessionContext } from '../auth/session-context';
// Supervisors (issue 14, desk): the queue monitor, and supervisors' notices on every desktop.
import { MonitorPage } from '../supervisor/MonitorPage';
import { NoticeStack } from '../supervisor/NoticeStack';
import { useMonitorShortcut } from '../supervisor/use-monitor-shortcut';
import { HostBanner } from './HostBanner';
import { OfflineSignInBanner } from './OfflineSignInBanner';
import { ShortcutsDialog } from './ShortcutsDialog';
import { TopBar } from './TopBar';
import { ReportsPage } from '../reports/ReportsPage'; // reports (issue 14)
// Quality review (issue 15, quality helper): the review screen, rules, and the agent's own reviews.
import { QualityNav } from '../quality/QualityNav';
import { QualityPage } from '../quality/QualityPage';
import { Button } from '@mui/material';

/** The audit trail (verify, search, export) as the admin screen's last tab. */
const AUDIT_TAB: readonly AdminTab[] = [{ id: 'audit', label: 'audit.title', render: () => <AuditPanel /> }];

type Section = 'tickets' | 'customers';
type View =
  | { kind: Section }
  | { kind: 'admin' }
  | { kind: 'knowledge' } // knowledge base (issue 13, kb helper)
  | { kind: 'chats' } // web chat (issue 13, chat desk)
  | { kind: 'reports' } // reports (issue 14): supervisors, team leads and administrators
  | { kind: 'monitor' } // supervisors (issue 14, desk)
  | { kind: 'quality' } // quality review (issue 15)
  | { kind: 'customer'; id: string; from: Section };

type WorkbenchProps = { session: SessionInfo; onLogout: (forgetDevice: boolean) => void };

/** Web chat (issue 13, chat desk): the agent's chats for the whole workspace, one session's worth. */
export function Workbench(props: WorkbenchProps) {
  return (
    <ChatProvider>
      <WorkbenchPage {...props} />
    </ChatProvider>
  );
}

/** The signed-in workspace. The ticket page stays mounted under a customer view so its scroll and cache survive. */
function WorkbenchPage({
  session,
  onLogout,
}: {
  session: SessionInfo;
  onLogout: (forgetDevice: boolean) => void;
}) {
  const { t } = useTranslation();
  const status = useSyncStatus();
  const [view, setView] = useState<View>({ kind: 'tickets' });
  const [openTicketId, setOpenTicketId] = useState<string | null>(null);
  const [shortcutsOpen, setShortcutsOpen] = useState(false);
  const [assigneeFilter, setAssigneeFilter] = useState<{ userId: string; at: number } | null>(null);
  useHelpShortcut(() => setShortcutsOpen(true));
  const supervises = session.user.role === 'supervisor' || session.user.role === 'admin';
  useMonitorShortcut(supervises ? () => setView({ kind: 'monitor' }) : null);

  const openTicket = useCallback((id: string) => {
    setOpenTicketId(id);
    setView({ kind: 'tickets' });
  }, []);
  const openCustomerFrom = useCallback(
    (from: Section) => (id: string) => setView({ kind: 'customer', id, from }),
    [],
  );
  const section: Section | 'admin' | 'knowledge' | 'chats' | 'reports' | 'monitor' | 'quality' =
    view.kind === 'customer' ? view.from : view.kind;
  // Reports (issue 14): agents have none (the server refuses them too).
  const seesReports = session.user.role !== 'agent';

  // Quick-create from a call: a customer for an unknown caller, a ticket prefilled from the call.
  const [newCustomer, setNewCustomer] = useState<{ phone: string; done: (c: Customer) => void } | null>(null);
  type TicketPrefill = Parameters<NonNullable<CallPanelActions['onCreateTicket']>>[0];
  const [newTicket, setNewTicket] = useState<{ prefill: TicketPrefill; done: (t: TicketRow) => void } | null>(
    null,
  );

  const catchingUp = isCatchingUp(status);
  const progress = status && status.head > 0 ? Math.min(100, (status.cursor / status.head) * 100) : undefined;

  return (
    <SessionContext.Provider value={session}>
      <DirectoryProvider>
        <PhoneProvider agentId={session.user.id}>
          <Box data-testid="workbench" sx={{ height: '100vh', display: 'flex', flexDirection: 'column' }}>
            <TopBar
              session={session}
              status={status}
              view={section}
              onNavigateTickets={() => setView({ kind: 'tickets' })}
              onNavigateCustomers={() => setView({ kind: 'customers' })}
              onNavigateAdmin={session.user.role === 'admin' ? () => setView({ kind: 'admin' }) : undefined}
              onNavigateKnowledge={() => setView({ kind: 'knowledge' })} // knowledge base (issue 13, kb helper)
              onNavigateMonitor={supervises ? () => setView({ kind: 'monitor' }) : undefined} // issue 14, desk
              chatNav={
                <>
                  <ChatNavButton active={view.kind === 'chats'} onClick={() => setView({ kind: 'chats' })} />
                  {seesReports && (
                    <Button
                      color={view.kind === 'reports' ? 'primary' : 'inherit'}
                      onClick={() => setView({ kind: 'reports' })}
                      data-testid="nav-reports"
                      aria-current={view.kind === 'reports' ? 'page' : undefined}
                    >
                      {t('reports.nav')}
                    </Button>
                  )}
                  <QualityNav active={view.kind === 'quality'} onOpen={() => setView({ kind: 'quality' })} />
                </>
              }
              onLogout={onLogout}
              onShowShortcuts={() => setShortcutsOpen(true)}
            />
            <ShortcutsDialog open={shortcutsOpen} onClose={() => setShortcutsOpen(false)} />
            <SlaAlerts onOpenTicket={openTicket} />
            <NoticeStack />
            <AgentStateNotice />
            <OfferBanner onAccepted={() => setView({ kind: 'chats' })} />
            <HostBanner />
            <OfflineSignInBanner session={session} />
            {/* Sync waits for the password, not the network: the offline sign-in banner says so instead. */}
            <ConnectionBanner status={session.offline?.check === 'password' ? null : status} />
            {catchingUp && (
              <Tooltip title={t('shell.initialSync')}>
                <LinearProgress
                  data-testid="initial-sync-progress"
                  variant={progress === undefined ? 'indeterminate' : 'determinate'}
                  value={progress}
                />
              </Tooltip>
            )}
            <Box sx={{ flex: 1, minHeight: 0, display: 'flex', bgcolor: 'background.default' }}>
              <TicketsPage
                session={session}
                active={view.kind === 'tickets'}
                openId={openTicketId}
                onOpen={setOpenTicketId}
                onOpenCustomer={openCustomerFrom('tickets')}
                assigneeFilter={assigneeFilter}
              />
              {view.kind === 'customers' && <CustomersPage onOpenCustomer={openCustomerFrom('customers')} />}
              {view.kind === 'admin' && session.user.role === 'admin' && <AdminPage extraTabs={AUDIT_TAB} />}
              {/* Knowledge base (issue 13, kb helper). */}
              {view.kind === 'knowledge' && <KnowledgePage />}
              {/* Web chat (issue 13, chat desk): the chats beside the call panel. */}
              {view.kind === 'chats' && <ChatDesk onOpenTicket={openTicket} />}
              {view.kind === 'reports' && seesReports && <ReportsPage onOpenTicket={openTicket} />}
              {view.kind === 'quality' && <QualityPage />}
              {/* Supervisors (issue 14, desk): the live queue monitor. */}
              {view.kind === 'monitor' && supervises && (
                <MonitorPage
                  onOpenTickets={(userId) => {
                    setAssigneeFilter({ userId, at: Date.now() });
                    setView({ kind: 'tickets' });
                  }}
                />
              )}
              {view.kind === 'customer' && (
                <CustomerView
                  customerId={view.id}
                  onOpenTicket={openTicket}
                  onBack={() => setView({ kind: view.from })}
                  backTo={view.from}
                />
              )}
              <CallPanel
                onOpenTicket={openTicket}
                onOpenCustomer={openCustomerFrom(
                  section === 'admin' ||
                    section === 'knowledge' ||
                    section === 'chats' ||
                    section === 'reports' ||
                    section === 'monitor' ||
                    section === 'quality'
                    ? 'tickets'
                    : section,
                )}
                onCreateCustomer={(phone, done) => setNewCustomer({ phone, done })}
                onCreateTicket={(prefill, done) => setNewTicket({ prefill, done })}
              />
              <NewCustomerDialog
                open={newCustomer !== null}
                initial={{ phone: newCustomer?.phone ?? '' }}
                onClose={() => setNewCustomer(null)}
                onCreated={(c) => {
                  newCustomer?.done(c);
                  setNewCustomer(null);
                }}
              />
              <NewTicketDialog
                open={newTicket !== null}
                initial={{
                  customerId: newTicket?.prefill.customerId ?? undefined,
                  subject: newTicket?.prefill.subject,
                  description: newTicket?.prefill.description,
                  interactionId: newTicket?.prefill.interactionId ?? undefined,
                }}
                onClose={() => setNewTicket(null)}
                onCreated={(t) => {
                  newTicket?.done(t);
                  setNewTicket(null);
                }}
              />
            </Box>
          </Box>
        </PhoneProvider>
      </DirectoryProvider>
    </SessionContext.Provider>
  );
}
