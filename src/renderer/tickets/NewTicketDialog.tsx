import PersonAddIcon from '@mui/icons-material/PersonAddAlt1Outlined';
import {
  Autocomplete,
  Box,
  Button,
  Checkbox,
  FormControlLabel,
  Stack,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { TicketPriority, type Customer, type ErrorBody, type TicketRow } from '../../shared';
import { formatPhone } from '../../shared/phone';
import { errorBodyOf, getApi } from '../api';
import { CreateDialog } from '../common/CreateDialog';
import { ErrorAlert } from '../common/ErrorAlert';
import { splitFieldErrors } from '../common/form-errors';
import { NativeSelectField } from '../common/NativeSelectField';
import { NewCustomerDialog } from '../customers/NewCustomerDialog';

const SEARCH_DEBOUNCE_MS = 150;
const FIELDS = ['customerId', 'subject', 'description'] as const;

const customerLine = (c: Customer) =>
  [c.company, c.phone && formatPhone(c.phone), c.email].filter(Boolean).join(' · ');

/** Customers matching what the agent types, from the local replica (so it works offline). */
function useCustomerOptions(text: string, enabled: boolean): { options: Customer[]; loading: boolean } {
  const [options, setOptions] = useState<Customer[]>([]);
  const [loading, setLoading] = useState(false);
  useEffect(() => {
    const query = text.trim();
    if (!enabled || !query) {
      setOptions([]);
      setLoading(false);
      return;
    }
    let live = true;
    setLoading(true);
    const timer = setTimeout(() => {
      getApi()
        .invoke('customers.search', { text: query, limit: 20 })
        .then(
          (page) => live && setOptions(page.rows),
          () => live && setOptions([]),
        )
        .finally(() => live && setLoading(false));
    }, SEARCH_DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text, enabled]);
  return { options, loading };
}

/** What the agent typed into the customer picker, as a head start for a new customer. */
function customerSeed(text: string): { name?: string; phone?: string } {
  const typed = text.trim();
  if (!typed) return {};
  return /^[\d\s()+-]{5,}$/.test(typed) ? { phone: typed } : { name: typed };
}

/**
 * A new ticket in the agent's department, saved on this computer at once (offline too; the number follows
 * when it syncs). Reused by the softphone (a ticket from a call: initial customerId, subject, interactionId),
 * so the props stay as they are.
 */
export function NewTicketDialog({
  open,
  onClose,
  onCreated,
  initial,
  startCustomerId,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (ticket: TicketRow) => void;
  initial?: { customerId?: string; subject?: string; description?: string; interactionId?: string };
  /**
   * The customer on screen (of the ticket open beside the list): picked already, and the agent may pick another.
   * initial.customerId instead fixes the customer (a ticket from a call).
   */
  startCustomerId?: string;
}) {
  const { t } = useTranslation();
  const [customer, setCustomer] = useState<Customer | null>(null);
  const [customerText, setCustomerText] = useState('');
  const [subject, setSubject] = useState('');
  const [description, setDescription] = useState('');
  const [priority, setPriority] = useState<TicketPriority>('normal');
  // Triage (issue 15): a priority the agent picked is theirs; left alone, the triage model sets it.
  const [priorityChosen, setPriorityChosen] = useState(false);
  const [assignMe, setAssignMe] = useState(true);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [creatingCustomer, setCreatingCustomer] = useState(false);
  const subjectRef = useRef<HTMLInputElement>(null);
  const customerRef = useRef<HTMLInputElement>(null);
  const fixedCustomerId = initial?.customerId;
  // The agent has typed in the customer field since the dialog opened: the customer on screen no longer applies.
  const typedCustomer = useRef(false);
  // Typing over a customer already picked (the one on screen, say) searches again; picking replaces it.
  const { options, loading } = useCustomerOptions(
    customerText,
    open && !fixedCustomerId && (!customer || customerText !== customer.name),
  );

  useEffect(() => {
    if (!open) return;
    setCustomer(null);
    setCustomerText('');
    typedCustomer.current = false;
    setSubject(initial?.subject ?? '');
    setDescription(initial?.description ?? '');
    setPriority('normal');
    setPriorityChosen(false);
    setAssignMe(true);
    setError(null);
    setBusy(false);
  }, [open, initial?.subject, initial?.description]);

  // The customer on screen is the first guess: picked, and changeable.
  useEffect(() => {
    if (!open || fixedCustomerId || !startCustomerId) return;
    let live = true;
    getApi()
      .invoke('customers.get', { id: startCustomerId })
      .then(
        (d) => {
          // Only if the agent has not started picking one already.
          if (!live || typedCustomer.current) return;
          setCustomer(d.customer);
          setCustomerText(d.customer.name);
          // Not if the agent started typing a customer in the meantime: moving the focus would blur the field,
          // which puts the guessed customer's name back over what they typed.
          requestAnimationFrame(() => !typedCustomer.current && subjectRef.current?.focus());
        },
        () => {},
      );
    return () => {
      live = false;
    };
  }, [open, fixedCustomerId, startCustomerId]);

  // A given customer is shown, not picked: load it once per opening.
  useEffect(() => {
    if (!open || !fixedCustomerId) return;
    let live = true;
    getApi()
      .invoke('customers.get', { id: fixedCustomerId })
      .then(
        (d) => live && setCustomer(d.customer),
        (e: unknown) => live && setError(errorBodyOf(e)),
      );
    return () => {
      live = false;
    };
  }, [open, fixedCustomerId]);

  const save = async () => {
    if (busy) return;
    const customerId = customer?.id ?? fixedCustomerId;
    const missing = [
      !customerId && { path: 'customerId', message: t('create.pickCustomer') },
      !subject.trim() && { path: 'subject', message: t('create.subjectRequired') },
    ].filter((x): x is { path: string; message: string } => Boolean(x));
    if (!customerId || missing.length > 0) {
      setError({ code: 'bad_request', message: '', issues: missing });
      (customerId ? subjectRef : customerRef).current?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const ticket = await getApi().invoke('tickets.create', {
        customerId,
        subject: subject.trim(),
        description,
        priority,
        priorityChosen,
        assigneeId: assignMe ? 'me' : null,
        interactionId: initial?.interactionId ?? null,
      });
      onCreated(ticket);
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  const { byField, rest } = splitFieldErrors(error, FIELDS);

  return (
    <CreateDialog
      open={open}
      busy={busy}
      title={t('create.ticketTitle')}
      testId="new-ticket"
      maxWidth="sm"
      onSave={() => void save()}
      onClose={onClose}
      after={
        <NewCustomerDialog
          open={creatingCustomer}
          onClose={() => setCreatingCustomer(false)}
          initial={customerSeed(customerText)}
          onCreated={(c) => {
            setCreatingCustomer(false);
            setCustomer(c);
            setCustomerText(c.name);
            requestAnimationFrame(() => subjectRef.current?.focus());
          }}
        />
      }
    >
      {fixedCustomerId ? (
        <Box data-testid="new-ticket-customer-fixed" data-customer-id={fixedCustomerId}>
          <Typography variant="caption" color="textSecondary">
            {t('create.customer')}
          </Typography>
          <Typography sx={{ fontWeight: 600 }}>{customer?.name ?? '…'}</Typography>
          {customer && (
            <Typography variant="body2" color="textSecondary">
              {customerLine(customer)}
            </Typography>
          )}
        </Box>
      ) : (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'flex-start' }}>
          <Autocomplete<Customer>
            sx={{ flex: 1 }}
            value={customer}
            onChange={(_e, c) => {
              setCustomer(c);
              if (c) requestAnimationFrame(() => subjectRef.current?.focus());
            }}
            inputValue={customerText}
            onInputChange={(_e, text, reason) => {
              setCustomerText(text);
              if (reason === 'input') typedCustomer.current = true;
            }}
            options={options}
            loading={loading}
            filterOptions={(x) => x}
            isOptionEqualToValue={(a, b) => a.id === b.id}
            getOptionLabel={(c) => c.name}
            noOptionsText={customerText.trim() ? t('create.noCustomerMatch') : t('create.customerSearch')}
            loadingText={t('create.searching')}
            renderOption={({ key, ...props }, c) => (
              <Box
                component="li"
                key={key}
                {...props}
                data-testid="new-ticket-customer-option"
                data-customer-id={c.id}
              >
                <Stack sx={{ minWidth: 0 }}>
                  <Box component="span" sx={{ fontWeight: 600 }}>
                    {c.name}
                  </Box>
                  <Box component="span" sx={{ fontSize: 12, color: 'text.secondary' }}>
                    {customerLine(c)}
                  </Box>
                </Stack>
              </Box>
            )}
            renderInput={(params) => (
              <TextField
                {...params}
                inputRef={customerRef}
                autoFocus
                required
                label={t('create.customer')}
                placeholder={t('create.customerSearch')}
                error={byField.customerId !== undefined}
                helperText={byField.customerId}
                slotProps={{
                  ...params.slotProps,
                  htmlInput: { ...params.slotProps.htmlInput, 'data-testid': 'new-ticket-customer' },
                }}
              />
            )}
          />
          <Tooltip title={t('create.newCustomer')}>
            <Button
              onClick={() => setCreatingCustomer(true)}
              startIcon={<PersonAddIcon />}
              data-testid="new-ticket-new-customer"
              sx={{ mt: 0.5, flexShrink: 0 }}
            >
              {t('create.newCustomer')}
            </Button>
          </Tooltip>
        </Stack>
      )}
      <TextField
        inputRef={subjectRef}
        autoFocus={Boolean(fixedCustomerId)}
        required
        label={t('create.subject')}
        value={subject}
        onChange={(e) => setSubject(e.target.value)}
        error={byField.subject !== undefined}
        helperText={byField.subject}
        slotProps={{ htmlInput: { 'data-testid': 'new-ticket-subject', maxLength: 300 } }}
      />
      <TextField
        multiline
        minRows={3}
        maxRows={10}
        label={t('create.description')}
        value={description}
        onChange={(e) => setDescription(e.target.value)}
        error={byField.description !== undefined}
        helperText={byField.description}
        slotProps={{ htmlInput: { 'data-testid': 'new-ticket-description', maxLength: 20000 } }}
      />
      <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
        <NativeSelectField
          label={t('create.priority')}
          testId="new-ticket-priority"
          value={priority}
          onChange={(v) => {
            setPriority(v as TicketPriority);
            setPriorityChosen(true);
          }}
          sx={{ minWidth: 120 }}
        >
          {TicketPriority.options.map((p) => (
            <option key={p} value={p}>
              {t(`tickets.priority.${p}`)}
            </option>
          ))}
        </NativeSelectField>
        <FormControlLabel
          control={
            <Checkbox
              checked={assignMe}
              onChange={(e) => setAssignMe(e.target.checked)}
              slotProps={{ input: { 'data-testid': 'new-ticket-assign-me' } as object }}
            />
          }
          label={<Typography variant="body2">{t('create.assignToMe')}</Typography>}
        />
      </Stack>
      {rest && <ErrorAlert error={rest} testId="new-ticket-error" onClose={() => setError(null)} />}
    </CreateDialog>
  );
}
