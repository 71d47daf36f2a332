import { Box, MenuItem, Tab, Tabs, TextField, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSessionInfo } from '../auth/session-context';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n/use-format';
import { MyReviews } from './MyReviews';
import { ReviewScreen } from './ReviewScreen';
import { RulesEditor } from './RulesEditor';
import { useMyReviews } from './use-my-reviews';

/**
 * Quality review (质检, issue 15): supervisors (their department) and admins (any) review sampled contacts and
 * set the rules; agents see the reviews returned to them.
 */
export function QualityPage() {
  const session = useSessionInfo();
  const reviewer = session.user.role === 'supervisor' || session.user.role === 'admin';
  return reviewer ? <ReviewerPage /> : <AgentPage />;
}

function AgentPage() {
  const mine = useMyReviews();
  return <MyReviews mine={mine.mine} error={mine.error} onAcknowledge={mine.acknowledge} />;
}

function ReviewerPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const session = useSessionInfo();
  const directory = useDirectory();
  const isAdmin = session.user.role === 'admin';
  const [tab, setTab] = useState<'review' | 'rules'>('review');
  const [departmentId, setDepartmentId] = useState<string>(session.user.departmentId ?? '');
  useEffect(() => {
    if (isAdmin && !departmentId && tab === 'rules' && directory.departments[0])
      setDepartmentId(directory.departments[0].id);
  }, [isAdmin, departmentId, tab, directory.departments]);
  return (
    <Box
      sx={{ flex: 1, minWidth: 0, display: 'flex', flexDirection: 'column', p: 1, gap: 1 }}
      data-testid="quality-page"
    >
      <Box sx={{ display: 'flex', alignItems: 'center', gap: 2 }}>
        <Typography variant="h6">{t('quality.title')}</Typography>
        <Tabs value={tab} onChange={(_, v: 'review' | 'rules') => setTab(v)} sx={{ minHeight: 36 }}>
          <Tab
            value="review"
            label={t('quality.tabs.review')}
            sx={{ minHeight: 36 }}
            data-testid="quality-tab-review"
          />
          <Tab
            value="rules"
            label={t('quality.tabs.rules')}
            sx={{ minHeight: 36 }}
            data-testid="quality-tab-rules"
          />
        </Tabs>
        <Box sx={{ flex: 1 }} />
        {isAdmin && (
          <TextField
            select
            size="small"
            label={t('quality.department')}
            value={departmentId}
            onChange={(e) => setDepartmentId(e.target.value)}
            sx={{ minWidth: 180 }}
          >
            {tab === 'review' && <MenuItem value="">{t('quality.allDepartments')}</MenuItem>}
            {directory.departments.map((d) => (
              <MenuItem key={d.id} value={d.id}>
                {fmt.department(d)}
              </MenuItem>
            ))}
          </TextField>
        )}
      </Box>
      {tab === 'review' && <ReviewScreen departmentId={departmentId || undefined} />}
      {tab === 'rules' && departmentId && <RulesEditor departmentId={departmentId} />}
    </Box>
  );
}
