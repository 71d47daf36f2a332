import { Button, Checkbox, FormControlLabel, Stack, TableCell, TableRow, TextField } from '@mui/material';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { CustomFieldType, type CustomFieldDefinition, type CustomFieldOption } from '../../shared';
import { NativeSelectField } from '../common/NativeSelectField';
import { useFormat } from '../i18n';
import { useAdmin } from './admin-context';
import { AdminDialog, localRefusal } from './AdminDialog';
import { AdminSection, AdminTable, EmptyRow } from './AdminTable';
import { DepartmentOptions } from '../common/DepartmentOptions';

const optionsText = (os: readonly CustomFieldOption[]) =>
  os.map((o) => `${o.value} | ${o.labelZh} | ${o.labelEn}`).join('\n');

export function CustomFieldsTab() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const { overview, department } = useAdmin();
  const fields = overview.config.customFields;
  const [editing, setEditing] = useState<{ field: CustomFieldDefinition | null } | null>(null);
  return (
    <AdminSection
      title={t('admin.tabs.customFields')}
      count={t('admin.count', { count: fields.length })}
      addLabel={t('admin.fields.newField')}
      onAdd={() => setEditing({ field: null })}
      addTestId="admin-field-new"
    >
      <AdminTable
        testId="admin-fields"
        head={[
          t('admin.fields.department'),
          t('admin.fields.key'),
          t('admin.fields.labelZh'),
          t('admin.fields.labelEn'),
          t('admin.fields.type'),
          t('admin.fields.options'),
          t('admin.fields.required'),
          t('admin.fields.active'),
          '',
        ]}
      >
        {fields.length === 0 && <EmptyRow span={9} text={t('admin.fields.empty')} />}
        {fields.map((f) => (
          <TableRow key={f.id} hover data-testid="admin-field-row">
            <TableCell>{fmt.department(department(f.departmentId))}</TableCell>
            <TableCell sx={{ fontFamily: 'monospace' }}>{f.key}</TableCell>
            <TableCell>{f.labelZh}</TableCell>
            <TableCell>{f.labelEn}</TableCell>
            <TableCell>{t(`admin.fields.types.${f.type}`)}</TableCell>
            <TableCell>
              {f.options
                .map((o) => fmt.department({ id: '', code: '', nameZh: o.labelZh, nameEn: o.labelEn }))
                .join(', ') || t('admin.none')}
            </TableCell>
            <TableCell>{f.required ? t('admin.yes') : t('admin.no')}</TableCell>
            <TableCell>{f.active ? t('admin.yes') : t('admin.no')}</TableCell>
            <TableCell align="right">
              <Button onClick={() => setEditing({ field: f })}>{t('admin.edit')}</Button>
            </TableCell>
          </TableRow>
        ))}
      </AdminTable>
      {editing && <FieldDialog field={editing.field} onClose={() => setEditing(null)} />}
    </AdminSection>
  );
}

const FIELDS = ['departmentId', 'key', 'labelZh', 'labelEn', 'type', 'options'] as const;

function FieldDialog({ field, onClose }: { field: CustomFieldDefinition | null; onClose: () => void }) {
  const { t } = useTranslation();
  const { overview } = useAdmin();
  const [departmentId, setDepartmentId] = useState(field?.departmentId ?? overview.departments[0]?.id ?? '');
  const [key, setKey] = useState(field?.key ?? '');
  const [labelZh, setLabelZh] = useState(field?.labelZh ?? '');
  const [labelEn, setLabelEn] = useState(field?.labelEn ?? '');
  const [type, setType] = useState<CustomFieldType>(field?.type ?? 'text');
  const [options, setOptions] = useState(field ? optionsText(field.options) : '');
  const [required, setRequired] = useState(field?.required ?? false);
  const [active, setActive] = useState(field?.active ?? true);
  const choice = type === 'singleChoice' || type === 'multiChoice';
  const build = () => {
    const parsed: CustomFieldOption[] = [];
    if (choice)
      for (const [i, raw] of options.split('\n').entries()) {
        if (!raw.trim()) continue;
        const parts = raw.split(/[|｜]/).map((p) => p.trim());
        if (parts.length !== 3)
          return localRefusal(t('admin.sla.badLine', { line: i + 1, text: raw.trim() }), 'options');
        parsed.push({ value: parts[0]!, labelZh: parts[1]!, labelEn: parts[2]! });
      }
    const input = { departmentId, key, labelZh, labelEn, type, options: parsed, required, active };
    return field
      ? { op: 'customField.update' as const, id: field.id, input }
      : { op: 'customField.create' as const, input };
  };
  return (
    <AdminDialog
      open
      title={field ? t('admin.fields.editField') : t('admin.fields.newField')}
      testId="admin-field"
      fields={FIELDS}
      onClose={onClose}
      build={build}
    >
      {(err) => (
        <>
          <Stack direction="row" spacing={1}>
            <NativeSelectField
              label={t('admin.fields.department')}
              value={departmentId}
              onChange={setDepartmentId}
              testId="admin-field-department"
              fullWidth
            >
              <DepartmentOptions departments={overview.departments} />
            </NativeSelectField>
            <NativeSelectField
              label={t('admin.fields.type')}
              value={type}
              onChange={(v) => setType(v as CustomFieldType)}
              testId="admin-field-type"
              fullWidth
            >
              {CustomFieldType.options.map((ty) => (
                <option key={ty} value={ty}>
                  {t(`admin.fields.types.${ty}`)}
                </option>
              ))}
            </NativeSelectField>
          </Stack>
          <TextField
            label={t('admin.fields.key')}
            value={key}
            onChange={(e) => setKey(e.target.value)}
            error={!!err('key')}
            helperText={err('key') ?? t('admin.fields.keyHelp')}
            autoFocus
            required
          />
          <Stack direction="row" spacing={1}>
            <TextField
              label={t('admin.fields.labelZh')}
              value={labelZh}
              onChange={(e) => setLabelZh(e.target.value)}
              error={!!err('labelZh')}
              helperText={err('labelZh')}
              required
              fullWidth
            />
            <TextField
              label={t('admin.fields.labelEn')}
              value={labelEn}
              onChange={(e) => setLabelEn(e.target.value)}
              error={!!err('labelEn')}
              helperText={err('labelEn')}
              required
              fullWidth
            />
          </Stack>
          {choice && (
            <TextField
              label={t('admin.fields.options')}
              value={options}
              onChange={(e) => setOptions(e.target.value)}
              error={!!err('options')}
              helperText={err('options') ?? t('admin.fields.optionsHelp')}
              multiline
              minRows={3}
              slotProps={{ htmlInput: { style: { fontFamily: 'monospace', fontSize: 12 } } }}
            />
          )}
          <Stack direction="row" spacing={2}>
            <FormControlLabel
              control={<Checkbox checked={required} onChange={(e) => setRequired(e.target.checked)} />}
              label={t('admin.fields.required')}
            />
            <FormControlLabel
              control={<Checkbox checked={active} onChange={(e) => setActive(e.target.checked)} />}
              label={t('admin.fields.active')}
            />
          </Stack>
        </>
      )}
    </AdminDialog>
  );
}
