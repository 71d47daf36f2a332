import { Alert, Box, Button, LinearProgress, Tab, Tabs, Typography } from '@mui/material';
import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ErrorAlert } from '../common/ErrorAlert';
import { adminErrorText } from './admin-error-text';
import { AdminProvider, useAdminOverview } from './admin-context';
import { CustomFieldsTab } from './CustomFieldsTab';
import { DepartmentsTab } from './DepartmentsTab';
import { PermissionsTab } from './PermissionsTab';
import { QueuesTab } from './QueuesTab';
import { SlaTab } from './SlaTab';
import { UsersTab } from './UsersTab';
import { WorkflowTab } from './WorkflowTab';
// Intake (issue 13): API keys and messaging channels.
import { ApiKeysTab } from '../intake/ApiKeysTab';
import { ChannelsTab } from '../intake/ChannelsTab';
import { EmailTab } from './EmailTab'; // email (issue 13)

/** One tab of the admin screen. More tabs (an audit trail) join by adding to ADMIN_TABS or `extraTabs`. */
export interface AdminTab {
  id: string;
  /** An i18n key. */
  label: string;
  render: () => ReactNode;
}

export const ADMIN_TABS: readonly AdminTab[] = [
  { id: 'users', label: 'admin.tabs.users', render: () => <UsersTab /> },
  { id: 'departments', label: 'admin.tabs.departments', render: () => <DepartmentsTab /> },
  { id: 'queues', label: 'admin.tabs.queues', render: () => <QueuesTab /> },
  { id: 'sla', label: 'admin.tabs.sla', render: () => <SlaTab /> },
  { id: 'customFields', label: 'admin.tabs.customFields', render: () => <CustomFieldsTab /> },
  { id: 'workflow', label: 'admin.tabs.workflow', render: () => <WorkflowTab /> },
  { id: 'permissions', label: 'admin.tabs.permissions', render: () => <PermissionsTab /> },
  // Intake (issue 13).
  { id: 'apiKeys', label: 'intake.tabs.apiKeys', render: () => <ApiKeysTab /> },
  { id: 'channels', label: 'intake.tabs.channels', render: () => <ChannelsTab /> },
  { id: 'email', label: 'email.admin.tab', render: () => <EmailTab /> }, // email (issue 13)
];

/**
 * The administration screen (administrators only; the entry is absent for everyone else and the server refuses
 * them anyway). Everything is read from and written to the server: nothing here works offline.
 */
export function AdminPage({ extraTabs = [] }: { extraTabs?: readonly AdminTab[] }) {
  const { t } = useTranslation();
  const { overview, error, reload } = useAdminOverview();
  const tabs = [...ADMIN_TABS, ...extraTabs];
  const [tab, setTab] = useState(tabs[0]!.id);
  const current = tabs.find((x) => x.id === tab) ?? tabs[0]!;
  return (
    <Box data-testid="admin-page" sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column' }}>
      <Box
        sx={{
          display: 'flex',
          alignItems: 'center',
          px: 1.5,
          borderBottom: 1,
          borderColor: 'divider',
          bgcolor: 'background.paper',
        }}
      >
        <Typography variant="subtitle1" component="h1" sx={{ fontWeight: 700, mr: 2 }}>
          {t('admin.title')}
        </Typography>
        <Tabs
          value={current.id}
          onChange={(_e, v: string) => {
            setTab(v);
            // Another administrator may have changed something meanwhile: each tab opens on the server's state.
            void reload();
          }}
          variant="scrollable"
          scrollButtons="auto"
          sx={{ minHeight: 36, '& .MuiTab-root': { minHeight: 36, py: 0.5, px: 1.5 } }}
        >
          {tabs.map((x) => (
            <Tab
              key={x.id}
              value={x.id}
              label={t(x.label)}
              id={`admin-tab-${x.id}`}
              aria-controls={`admin-panel-${x.id}`}
              data-testid={`admin-tab-${x.id}`}
            />
          ))}
        </Tabs>
      </Box>
      {!overview && !error && <LinearProgress aria-label={t('admin.loading')} />}
      <Box
        role="tabpanel"
        id={`admin-panel-${current.id}`}
        aria-labelledby={`admin-tab-${current.id}`}
        sx={{ flex: 1, overflow: 'auto', p: 1.5 }}
      >
        {error && (
          <Box sx={{ mb: 1 }}>
            <ErrorAlert describe={adminErrorText} error={error} testId="admin-load-error" />
            <Alert
              severity="info"
              sx={{ mt: 1 }}
              action={<Button onClick={() => void reload()}>{t('admin.reload')}</Button>}
            >
              {t('admin.offline')}
            </Alert>
          </Box>
        )}
        {overview && (
          <AdminProvider overview={overview} reload={reload}>
            {current.render()}
          </AdminProvider>
        )}
      </Box>
    </Box>
  );
}
