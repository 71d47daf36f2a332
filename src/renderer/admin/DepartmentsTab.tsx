import { Button, TableCell, TableRow, TextField } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Department } from '../../shared';
import { useAdmin } from './admin-context';
import { AdminDialog } from './AdminDialog';
import { AdminSection, AdminTable } from './AdminTable';

export function DepartmentsTab() {
  const { t } = useTranslation();
  const { overview } = useAdmin();
  const [editing, setEditing] = useState<{ department: Department | null } | null>(null);
  return (
    <AdminSection
      title={t('admin.tabs.departments')}
      count={t('admin.count', { count: overview.departments.length })}
      addLabel={t('admin.departments.newDepartment')}
      onAdd={() => setEditing({ department: null })}
      addTestId="admin-department-new"
    >
      <AdminTable
        testId="admin-departments"
        head={[
          t('admin.departments.code'),
          t('admin.departments.nameZh'),
          t('admin.departments.nameEn'),
          t('admin.departments.users'),
          '',
        ]}
      >
        {overview.departments.map((d) => (
          <TableRow key={d.id} hover data-testid="admin-department-row" data-code={d.code}>
            <TableCell sx={{ fontFamily: 'monospace' }}>{d.code}</TableCell>
            <TableCell>{d.nameZh}</TableCell>
            <TableCell>{d.nameEn}</TableCell>
            <TableCell>{overview.users.filter((u) => u.departmentId === d.id).length}</TableCell>
            <TableCell align="right">
              <Button onClick={() => setEditing({ department: d })}>{t('admin.edit')}</Button>
            </TableCell>
          </TableRow>
        ))}
      </AdminTable>
      {editing && <DepartmentDialog department={editing.department} onClose={() => setEditing(null)} />}
    </AdminSection>
  );
}

function DepartmentDialog({ department, onClose }: { department: Department | null; onClose: () => void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState(department?.code ?? '');
  const [nameZh, setNameZh] = useState(department?.nameZh ?? '');
  const [nameEn, setNameEn] = useState(department?.nameEn ?? '');
  const input = { code, nameZh, nameEn };
  return (
    <AdminDialog
      open
      title={department ? t('admin.departments.editDepartment') : t('admin.departments.newDepartment')}
      testId="admin-department"
      fields={['code', 'nameZh', 'nameEn'] as const}
      onClose={onClose}
      build={() =>
        department
          ? { op: 'department.update', id: department.id, input }
          : { op: 'department.create', input }
      }
    >
      {(err) => (
        <>
          <TextField
            label={t('admin.departments.code')}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            error={!!err('code')}
            helperText={err('code') ?? t('admin.departments.codeHelp')}
            autoFocus
            required
            slotProps={{ htmlInput: { 'data-testid': 'admin-department-code' } }}
          />
          <TextField
            label={t('admin.departments.nameZh')}
            value={nameZh}
            onChange={(e) => setNameZh(e.target.value)}
            error={!!err('nameZh')}
            helperText={err('nameZh')}
            required
            slotProps={{ htmlInput: { 'data-testid': 'admin-department-name-zh' } }}
          />
          <TextField
            label={t('admin.departments.nameEn')}
            value={nameEn}
            onChange={(e) => setNameEn(e.target.value)}
            error={!!err('nameEn')}
            helperText={err('nameEn')}
            required
            slotProps={{ htmlInput: { 'data-testid': 'admin-department-name-en' } }}
          />
        </>
      )}
    </AdminDialog>
  );
}
