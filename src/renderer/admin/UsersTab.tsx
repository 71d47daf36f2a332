import SearchIcon from '@mui/icons-material/Search';
import {
  Button,
  Chip,
  InputAdornment,
  Stack,
  TableCell,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AdminUser, ErrorBody, Role } from '../../shared';
import { ErrorAlert } from '../common/ErrorAlert';
import { adminErrorText } from './admin-error-text';
import { NativeSelectField } from '../common/NativeSelectField';
import { useFormat } from '../i18n';
import { useAdmin } from './admin-context';
import { AdminDialog } from './AdminDialog';
import { AdminSection, AdminTable, EmptyRow } from './AdminTable';
import { DepartmentOptions } from '../common/DepartmentOptions';

type Editing = { kind: 'new' } | { kind: 'edit'; user: AdminUser } | { kind: 'password'; user: AdminUser };

export function UsersTab() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { overview, apply } = useAdmin();
  const [text, setText] = useState('');
  const [role, setRole] = useState('');
  const [departmentId, setDepartmentId] = useState('');
  const [status, setStatus] = useState('');
  const [editing, setEditing] = useState<Editing | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);

  const users = useMemo(() => {
    const q = text.trim().toLowerCase();
    return overview.users.filter(
      (u) =>
        (!q || u.username.includes(q) || u.displayName.toLowerCase().includes(q)) &&
        (!role || u.role === role) &&
        (!departmentId || u.departmentId === departmentId) &&
        (!status || String(u.disabled) === status),
    );
  }, [overview.users, text, role, departmentId, status]);

  const toggle = async (u: AdminUser) => {
    if (!u.disabled && !window.confirm(t('admin.users.disableConfirm', { name: u.displayName }))) return;
    setError(await apply({ op: 'user.update', id: u.id, input: { disabled: !u.disabled } }));
  };
  const roleName = (r: Role) => t(`admin.role.${r}`);

  return (
    <AdminSection
      title={t('admin.tabs.users')}
      count={t('admin.count', { count: users.length })}
      addLabel={t('admin.users.newUser')}
      onAdd={() => setEditing({ kind: 'new' })}
      addTestId="admin-user-new"
      tools={
        <Stack direction="row" spacing={1} sx={{ pl: 2, flexWrap: 'wrap', rowGap: 0.5 }}>
          <TextField
            placeholder={t('admin.users.search')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            sx={{ width: 240 }}
            slotProps={{
              htmlInput: { 'data-testid': 'admin-user-search', 'aria-label': t('admin.users.search') },
              input: {
                startAdornment: (
                  <InputAdornment position="start">
                    <SearchIcon fontSize="small" />
                  </InputAdornment>
                ),
              },
            }}
          />
          <NativeSelectField
            label={t('admin.users.role')}
            value={role}
            onChange={setRole}
            testId="admin-user-filter-role"
            sx={{ minWidth: 130 }}
          >
            <option value="">{t('admin.users.anyRole')}</option>
            {overview.roles.map((r) => (
              <option key={r} value={r}>
                {roleName(r)}
              </option>
            ))}
          </NativeSelectField>
          <NativeSelectField
            label={t('admin.users.department')}
            value={departmentId}
            onChange={setDepartmentId}
            testId="admin-user-filter-department"
            sx={{ minWidth: 150 }}
          >
            <option value="">{t('admin.users.anyDepartment')}</option>
            <DepartmentOptions departments={overview.departments} />
          </NativeSelectField>
          <NativeSelectField
            label={t('admin.users.status')}
            value={status}
            onChange={setStatus}
            testId="admin-user-filter-status"
            sx={{ minWidth: 130 }}
          >
            <option value="">{t('admin.users.anyStatus')}</option>
            <option value="false">{t('admin.users.active')}</option>
            <option value="true">{t('admin.users.disabled')}</option>
          </NativeSelectField>
        </Stack>
      }
    >
      {error && (
        <ErrorAlert
          describe={adminErrorText}
          error={error}
          onClose={() => setError(null)}
          testId="admin-user-error"
        />
      )}
      <AdminTable
        testId="admin-users"
        head={[
          t('admin.users.username'),
          t('admin.users.displayName'),
          t('admin.users.role'),
          t('admin.users.department'),
          t('admin.users.skills'),
          t('admin.users.status'),
          t('admin.users.actions'),
        ]}
      >
        {users.length === 0 && <EmptyRow span={7} text={t('admin.users.empty')} />}
        {users.map((u) => (
          <TableRow key={u.id} hover data-testid="admin-user-row" data-username={u.username}>
            <TableCell sx={{ fontFamily: 'monospace' }}>{u.username}</TableCell>
            <TableCell>{u.displayName}</TableCell>
            <TableCell>{roleName(u.role)}</TableCell>
            <TableCell>
              {u.departmentId
                ? fmt.department(overview.departments.find((d) => d.id === u.departmentId))
                : t('shell.noDepartment')}
            </TableCell>
            <TableCell>
              <Typography variant="caption">{u.skills.join(', ') || t('admin.none')}</Typography>
            </TableCell>
            <TableCell>
              {u.disabled ? (
                <Chip label={t('admin.users.disabled')} color="default" variant="outlined" />
              ) : (
                <Chip label={t('admin.users.active')} color="success" variant="outlined" />
              )}
            </TableCell>
            <TableCell sx={{ whiteSpace: 'nowrap' }}>
              <Button onClick={() => setEditing({ kind: 'edit', user: u })} data-testid="admin-user-edit">
                {t('admin.edit')}
              </Button>
              <Button
                onClick={() => setEditing({ kind: 'password', user: u })}
                data-testid="admin-user-password"
              >
                {t('admin.users.resetPassword')}
              </Button>
              <Button
                color={u.disabled ? 'primary' : 'warning'}
                onClick={() => void toggle(u)}
                data-testid="admin-user-toggle"
              >
                {u.disabled ? t('admin.users.enable') : t('admin.users.disable')}
              </Button>
            </TableCell>
          </TableRow>
        ))}
      </AdminTable>
      {editing?.kind === 'password' ? (
        <PasswordDialog user={editing.user} onClose={() => setEditing(null)} />
      ) : (
        editing && (
          <UserDialog user={editing.kind === 'edit' ? editing.user : null} onClose={() => setEditing(null)} />
        )
      )}
    </AdminSection>
  );
}

const USER_FIELDS = ['username', 'displayName', 'role', 'departmentId', 'password'] as const;

function UserDialog({ user, onClose }: { user: AdminUser | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { overview } = useAdmin();
  const [username, setUsername] = useState(user?.username ?? '');
  const [displayName, setDisplayName] = useState(user?.displayName ?? '');
  const [role, setRole] = useState<Role>(user?.role ?? 'agent');
  const [departmentId, setDepartmentId] = useState(
    user ? (user.departmentId ?? '') : (overview.departments[0]?.id ?? ''),
  );
  const [password, setPassword] = useState('');
  return (
    <AdminDialog
      open
      title={user ? t('admin.users.editUser') : t('admin.users.newUser')}
      testId="admin-user"
      fields={USER_FIELDS}
      onClose={onClose}
      build={() =>
        user
          ? {
              op: 'user.update',
              id: user.id,
              input: { displayName, role, departmentId: departmentId || null },
            }
          : {
              op: 'user.create',
              input: { username, displayName, role, departmentId: departmentId || null, password },
            }
      }
    >
      {(err) => (
        <>
          <TextField
            label={t('admin.users.username')}
            value={username}
            disabled={user !== null}
            onChange={(e) => setUsername(e.target.value)}
            error={!!err('username')}
            helperText={err('username') ?? t('admin.users.usernameHelp')}
            autoFocus={!user}
            required
            slotProps={{ htmlInput: { 'data-testid': 'admin-user-username', autoComplete: 'off' } }}
          />
          <TextField
            label={t('admin.users.displayName')}
            value={displayName}
            onChange={(e) => setDisplayName(e.target.value)}
            error={!!err('displayName')}
            helperText={err('displayName')}
            autoFocus={!!user}
            required
            slotProps={{ htmlInput: { 'data-testid': 'admin-user-display-name' } }}
          />
          <Stack direction="row" spacing={1}>
            <NativeSelectField
              label={t('admin.users.role')}
              value={role}
              onChange={(v) => setRole(v as Role)}
              testId="admin-user-role"
              fullWidth
            >
              {overview.roles.map((r) => (
                <option key={r} value={r}>
                  {t(`admin.role.${r}`)}
                </option>
              ))}
            </NativeSelectField>
            <NativeSelectField
              label={t('admin.users.department')}
              value={departmentId}
              onChange={setDepartmentId}
              testId="admin-user-department"
              fullWidth
            >
              <option value="">{t('admin.users.noDepartment')}</option>
              <DepartmentOptions departments={overview.departments} />
            </NativeSelectField>
          </Stack>
          {err('departmentId') && (
            <Typography variant="caption" color="error">
              {err('departmentId')}
            </Typography>
          )}
          {!user && (
            <TextField
              label={t('admin.users.password')}
              type="password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
              error={!!err('password')}
              helperText={err('password') ?? t('admin.users.passwordHelp')}
              required
              slotProps={{
                htmlInput: { 'data-testid': 'admin-user-password-input', autoComplete: 'new-password' },
              }}
            />
          )}
        </>
      )}
    </AdminDialog>
  );
}

function PasswordDialog({ user, onClose }: { user: AdminUser; onClose: () => void }) {
  const { t } = useTranslation();
  const [password, setPassword] = useState('');
  return (
    <AdminDialog
      open
      title={`${t('admin.users.resetPassword')} · ${user.displayName}`}
      testId="admin-password"
      fields={['password'] as const}
      onClose={onClose}
      build={() => ({ op: 'user.password', id: user.id, input: { password } })}
    >
      {(err) => (
        <>
          <Typography variant="body2">{t('admin.users.resetHint', { name: user.displayName })}</Typography>
          <TextField
            label={t('admin.users.newPassword')}
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            error={!!err('password')}
            helperText={err('password') ?? t('admin.users.passwordHelp')}
            autoFocus
            required
            slotProps={{ htmlInput: { 'data-testid': 'admin-password-input', autoComplete: 'new-password' } }}
          />
        </>
      )}
    </AdminDialog>
  );
}
