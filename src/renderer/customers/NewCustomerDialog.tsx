import { Stack, TextField } from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { CountryCode } from 'libphonenumber-js';
import type { Customer, ErrorBody } from '../../shared';
import { languageForPhone } from '../../shared/phone';
import { errorBodyOf, getApi } from '../api';
import { CreateDialog } from '../common/CreateDialog';
import { ErrorAlert } from '../common/ErrorAlert';
import { splitFieldErrors } from '../common/form-errors';
import { NativeSelectField } from '../common/NativeSelectField';

/** Where a number typed without a country code is read; the agent's usual callers come first. */
const REGIONS = ['CN', 'HK', 'MO', 'TW', 'SG', 'US', 'GB'] as const;
const FIELDS = ['name', 'phone', 'email', 'company'] as const;

/**
 * A new customer, saved on this computer at once (offline too) and synced. Reused by the softphone's screen
 * pop for an unknown caller (initial.phone), so the props stay as they are.
 */
export function NewCustomerDialog({
  open,
  onClose,
  onCreated,
  initial,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (customer: Customer) => void;
  initial?: { phone?: string; name?: string };
}) {
  const { t, i18n } = useTranslation();
  const [name, setName] = useState('');
  const [phone, setPhone] = useState('');
  const [region, setRegion] = useState<string>('CN');
  const [email, setEmail] = useState('');
  const [company, setCompany] = useState('');
  // Until the agent picks one, the language follows the number (a +86 caller is served in Chinese even
  // when the agent's screen is in English), then the agent's own language.
  const [chosenLanguage, setChosenLanguage] = useState<'zh-CN' | 'en' | null>(null);
  const language =
    chosenLanguage ??
    languageForPhone(phone, region as CountryCode) ??
    (i18n.language === 'en' ? 'en' : 'zh-CN');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const nameRef = useRef<HTMLInputElement>(null);

  // Every opening starts from what the caller of the dialog knows, not from the last customer typed.
  useEffect(() => {
    if (!open) return;
    setName(initial?.name ?? '');
    setPhone(initial?.phone ?? '');
    setRegion('CN');
    setEmail('');
    setCompany('');
    setChosenLanguage(null);
    setError(null);
    setBusy(false);
  }, [open, initial?.name, initial?.phone]);

  const save = async () => {
    if (busy) return;
    if (!name.trim()) {
      setError({
        code: 'bad_request',
        message: '',
        issues: [{ path: 'name', message: t('create.nameRequired') }],
      });
      nameRef.current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const customer = await getApi().invoke('customers.create', {
        name: name.trim(),
        phone: phone.trim() || null,
        email: email.trim() || null,
        company: company.trim() || null,
        language,
        region,
      });
      onCreated(customer);
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  const { byField, rest } = splitFieldErrors(error, FIELDS);
  // The services explain a refused number in English; say it in the agent's language, keeping their
  // words (they name the customer who has the number) as the detail.
  if (byField.phone && error?.code === 'bad_request') byField.phone = t('create.phoneInvalid', { region });
  else if (byField.phone && error?.code === 'conflict') {
    byField.phone = t('create.phoneTaken', { detail: byField.phone });
  }
  const field = (key: (typeof FIELDS)[number]) => ({
    error: byField[key] !== undefined,
    helperText: byField[key],
  });

  return (
    <CreateDialog
      open={open}
      busy={busy}
      title={t('create.customerTitle')}
      testId="new-customer"
      maxWidth="xs"
      onSave={() => void save()}
      onClose={onClose}
    >
      <TextField
        inputRef={nameRef}
        autoFocus={!initial?.name}
        required
        label={t('create.name')}
        value={name}
        onChange={(e) => setName(e.target.value)}
        {...field('name')}
        slotProps={{ htmlInput: { 'data-testid': 'new-customer-name', maxLength: 200 } }}
      />
      <Stack direction="row" spacing={1}>
        <TextField
          autoFocus={Boolean(initial?.name)}
          label={t('create.phone')}
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
          {...field('phone')}
          helperText={byField.phone ?? t('create.phoneHelp')}
          sx={{ flex: 1 }}
          slotProps={{
            htmlInput: { 'data-testid': 'new-customer-phone', inputMode: 'tel', maxLength: 64 },
          }}
        />
        <NativeSelectField
          label={t('create.region')}
          testId="new-customer-region"
          value={region}
          onChange={setRegion}
          sx={{ width: 84 }}
        >
          {REGIONS.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </NativeSelectField>
      </Stack>
      <TextField
        label={t('create.email')}
        type="email"
        value={email}
        onChange={(e) => setEmail(e.target.value)}
        {...field('email')}
        slotProps={{ htmlInput: { 'data-testid': 'new-customer-email' } }}
      />
      <Stack direction="row" spacing={1}>
        <TextField
          label={t('create.company')}
          value={company}
          onChange={(e) => setCompany(e.target.value)}
          {...field('company')}
          sx={{ flex: 1 }}
          slotProps={{ htmlInput: { 'data-testid': 'new-customer-company', maxLength: 200 } }}
        />
        <NativeSelectField
          label={t('create.language')}
          testId="new-customer-language"
          value={language}
          onChange={(v) => setChosenLanguage(v === 'en' ? 'en' : 'zh-CN')}
          sx={{ width: 110 }}
        >
          <option value="zh-CN">{t('create.languages.zh')}</option>
          <option value="en">{t('create.languages.en')}</option>
        </NativeSelectField>
      </Stack>
      {rest && <ErrorAlert error={rest} testId="new-customer-error" onClose={() => setError(null)} />}
    </CreateDialog>
  );
}
