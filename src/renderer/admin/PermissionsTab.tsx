import {
  Alert,
  Box,
  Button,
  Checkbox,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ConfigurableRole, Right, type ErrorBody, type RolePermissions } from '../../shared';
import { ErrorAlert } from '../common/ErrorAlert';
import { adminErrorText } from './admin-error-text';
import { useAdmin } from './admin-context';

/**
 * The role × right grid. Administrators hold every right: their column is shown ticked and fixed, so nobody
 * can lock the administrators out of what they must be able to do.
 */
export function PermissionsTab() {
  const { t } = useTranslation();
  const { overview, apply } = useAdmin();
  const [matrix, setMatrix] = useState<RolePermissions>(overview.config.rolePermissions);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const roles = ConfigurableRole.options;

  const toggle = (role: ConfigurableRole, right: Right, on: boolean) => {
    setSaved(false);
    setMatrix((m) => ({
      ...m,
      // Kept in the enum's order, so the saved matrix (and its audit record) reads the same every time.
      [role]: Right.options.filter((r) => (r === right ? on : m[role].includes(r))),
    }));
  };
  const save = async () => {
    setBusy(true);
    setSaved(false);
    const refused = await apply({ op: 'permissions.update', input: matrix });
    setBusy(false);
    setError(refused);
    setSaved(!refused);
  };

  return (
    <Stack spacing={1.5} sx={{ maxWidth: 720 }}>
      <Typography variant="subtitle2" component="h2" sx={{ fontWeight: 700 }}>
        {t('admin.tabs.permissions')}
      </Typography>
      <Typography variant="body2" color="textSecondary">
        {t('admin.permissions.intro')}
      </Typography>
      <Table size="small" data-testid="admin-permissions">
        <TableHead>
          <TableRow>
            <TableCell>{t('admin.permissions.right')}</TableCell>
            {/* Role names whole on one line: 管理员 broke into a character per line. */}
            {roles.map((role) => (
              <TableCell key={role} align="center" sx={{ whiteSpace: 'nowrap' }}>
                {t(`admin.role.${role}`)}
              </TableCell>
            ))}
            <TableCell align="center" sx={{ whiteSpace: 'nowrap' }}>
              {t('admin.role.admin')}
            </TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {Right.options.map((right) => (
            <TableRow key={right}>
              <TableCell>{t(`admin.permissions.rights.${right}`)}</TableCell>
              {roles.map((role) => (
                <TableCell key={role} align="center" padding="checkbox">
                  <Checkbox
                    checked={matrix[role].includes(right)}
                    onChange={(e) => toggle(role, right, e.target.checked)}
                    slotProps={{
                      input: {
                        'aria-label': `${t(`admin.role.${role}`)}: ${t(`admin.permissions.rights.${right}`)}`,
                        'data-testid': `admin-permission-${role}-${right}`,
                      } as object,
                    }}
                  />
                </TableCell>
              ))}
              <TableCell align="center" padding="checkbox">
                <Checkbox
                  checked
                  disabled
                  slotProps={{ input: { 'aria-label': t('admin.permissions.adminFixed') } as object }}
                />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <Typography variant="caption" color="textSecondary">
        {t('admin.permissions.adminFixed')}
      </Typography>
      {error && <ErrorAlert describe={adminErrorText} error={error} />}
      {saved && <Alert severity="success">{t('admin.saved')}</Alert>}
      <Box>
        <Button
          variant="contained"
          disabled={busy}
          data-testid="admin-permissions-save"
          onClick={() => void save()}
        >
          {t('admin.save')}
        </Button>
      </Box>
    </Stack>
  );
}
