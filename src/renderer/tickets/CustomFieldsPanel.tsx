import { Autocomplete, Chip, Stack, TextField, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import {
  fieldsOfDepartment,
  type CustomFieldDefinition,
  type CustomFieldValue,
  type CustomFieldValues,
  type TicketPatch,
} from '../../shared';
import { NativeSelectField } from '../common/NativeSelectField';
import { useAdminConfig } from '../config/use-admin-config';
import { useFormat } from '../i18n';

/**
 * The ticket department's custom fields (defined by admins on the admin screen), each saved as it is left:
 * text and numbers on blur or Enter, choices and dates when picked. A change sends the whole set of values.
 */
export function CustomFieldsPanel({
  departmentId,
  values,
  disabled,
  onChange,
}: {
  departmentId: string;
  values: CustomFieldValues;
  disabled?: boolean;
  onChange: (patch: TicketPatch) => void;
}) {
  const { t } = useTranslation();
  const config = useAdminConfig();
  // The values as the agent left them: a second field saved before the first save comes back must not drop it.
  const valuesKey = JSON.stringify(values);
  const [shown, setShown] = useState(values);
  useEffect(() => setShown(JSON.parse(valuesKey) as CustomFieldValues), [valuesKey]);
  const defs = config ? fieldsOfDepartment(config.customFields, departmentId) : [];
  if (defs.length === 0) return null;
  const set = (key: string, value: CustomFieldValue | null) => {
    const next = { ...shown };
    if (value === null) delete next[key];
    else next[key] = value;
    setShown(next);
    onChange({ fields: next });
  };
  return (
    <section data-testid="ticket-custom-fields">
      <Typography variant="overline" color="textSecondary">
        {t('customFields.title')}
      </Typography>
      <Stack spacing={1.5} sx={{ mt: 0.5 }}>
        {defs.map((def) => (
          <FieldInput
            key={def.id}
            def={def}
            value={shown[def.key]}
            disabled={disabled}
            onSave={(v) => set(def.key, v)}
          />
        ))}
      </Stack>
    </section>
  );
}

function FieldInput({
  def,
  value,
  disabled,
  onSave,
}: {
  def: CustomFieldDefinition;
  value: CustomFieldValue | undefined;
  disabled?: boolean;
  onSave: (value: CustomFieldValue | null) => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const zh = fmt.lang === 'zh-CN';
  const label = zh ? def.labelZh : def.labelEn;
  const optionLabel = (v: string) => {
    const o = def.options.find((x) => x.value === v);
    return o ? (zh ? o.labelZh : o.labelEn) : v;
  };
  const testId = `ticket-field-${def.key}`;
  const shown = value === undefined ? '' : Array.isArray(value) ? '' : String(value);
  const [draft, setDraft] = useState(shown);
  useEffect(() => setDraft(shown), [shown]);

  if (def.type === 'singleChoice') {
    return (
      <NativeSelectField
        label={label}
        testId={testId}
        value={shown}
        disabled={disabled}
        fullWidth
        onChange={(v) => onSave(v || null)}
      >
        <option value="">{def.required ? t('customFields.choose') : t('detail.empty')}</option>
        {def.options.map((o) => (
          <option key={o.value} value={o.value}>
            {optionLabel(o.value)}
          </option>
        ))}
      </NativeSelectField>
    );
  }
  if (def.type === 'multiChoice') {
    const picked = Array.isArray(value) ? value : [];
    return (
      <Autocomplete<string, true>
        multiple
        size="small"
        disabled={disabled}
        options={def.options.map((o) => o.value)}
        getOptionLabel={optionLabel}
        value={picked}
        onChange={(_e, v) => onSave(v.length ? v : null)}
        renderValue={(vals, getItemProps) =>
          vals.map((v, index) => {
            const { key, ...itemProps } = getItemProps({ index });
            return <Chip key={key} size="small" label={optionLabel(v)} {...itemProps} />;
          })
        }
        renderInput={(params) => (
          <TextField
            {...params}
            label={label}
            required={def.required}
            slotProps={{
              ...params.slotProps,
              htmlInput: { ...params.slotProps.htmlInput, 'data-testid': testId },
            }}
          />
        )}
      />
    );
  }
  const save = () => {
    const text = draft.trim();
    if (text === shown) return;
    if (text === '') return onSave(null);
    if (def.type === 'number') {
      const n = Number(text);
      if (Number.isFinite(n)) onSave(n);
      else setDraft(shown);
      return;
    }
    onSave(text);
  };
  return (
    <TextField
      size="small"
      fullWidth
      label={label}
      required={def.required}
      disabled={disabled}
      type={def.type === 'number' ? 'number' : def.type === 'date' ? 'date' : 'text'}
      value={draft}
      onChange={(e) => {
        setDraft(e.target.value);
        // A date is picked whole: save it at once, as a choice is.
        if (def.type === 'date') onSave(e.target.value || null);
      }}
      onBlur={() => def.type !== 'date' && save()}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && def.type !== 'date') {
          e.preventDefault();
          save();
        }
        if (e.key === 'Escape') setDraft(shown);
      }}
      slotProps={{ inputLabel: { shrink: true }, htmlInput: { 'data-testid': testId } }}
    />
  );
}
