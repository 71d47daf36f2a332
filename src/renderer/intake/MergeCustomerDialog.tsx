import {
  Alert,
  Box,
  Button,
  ButtonGroup,
  CircularProgress,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  FormControlLabel,
  List,
  ListItemButton,
  ListItemText,
  Radio,
  RadioGroup,
  Stack,
  TextField,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Customer, ErrorBody } from '../../shared';
import type { CustomerMergeResult } from '../../shared/intake';
import { formatPhone } from '../../shared/phone';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';

const describe = (c: Customer) =>
  [c.phone && formatPhone(c.phone), c.email, c.company].filter(Boolean).join(' · ');

/**
 * Supervisors: find a duplicate of this customer among the cached ones (same phone, email or name), choose which
 * record stays, confirm; the server moves every ticket and call to the kept one (customers/merge.ts).
 */
export function MergeCustomerDialog({
  customer,
  onClose,
  onMerged,
}: {
  customer: Customer;
  onClose: () => void;
  onMerged: (result: CustomerMergeResult) => void;
}) {
  const { t } = useTranslation();
  const digits = customer.phone?.replace(/^\+86/, '') ?? '';
  const [text, setText] = useState(digits || customer.email || customer.name);
  const [rows, setRows] = useState<Customer[] | null>(null);
  const [other, setOther] = useState<Customer | null>(null);
  const [keep, setKeep] = useState<'this' | 'other'>('this');
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);

  useEffect(() => {
    let live = true;
    const q = text.trim();
    if (!q) {
      setRows([]);
      return;
    }
    const timer = setTimeout(() => {
      getApi()
        .invoke('customers.search', { text: q, limit: 20 })
        .then(
          (p) => live && setRows(p.rows.filter((r) => r.id !== customer.id)),
          (e: unknown) => live && setError(errorBodyOf(e)),
        );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text, customer.id]);

  const kept = keep === 'this' ? customer : other;
  const merged = keep === 'this' ? other : customer;
  const merge = async () => {
    if (!kept || !merged) return;
    setBusy(true);
    try {
      const result = await getApi().invoke('customers.merge', { keepId: kept.id, mergeId: merged.id });
      onMerged(result);
    } catch (e) {
      setError(errorBodyOf(e));
      setConfirming(false);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open
      onClose={busy ? undefined : onClose}
      fullWidth
      maxWidth="sm"
      slotProps={{ paper: { 'data-testid': 'merge-dialog' } as object }}
    >
      <DialogTitle>{t('intake.merge.title')}</DialogTitle>
      <DialogContent>
        <Stack spacing={1.5} sx={{ pt: 1 }}>
          <TextField
            label={t('intake.merge.search')}
            value={text}
            onChange={(e) => setText(e.target.value)}
            autoFocus
            slotProps={{ htmlInput: { 'data-testid': 'merge-search' } }}
          />
          <ButtonGroup size="small" variant="text">
            <Button disabled={!customer.phone} onClick={() => setText(digits)}>
              {t('intake.merge.byPhone')}
            </Button>
            <Button disabled={!customer.email} onClick={() => setText(customer.email ?? '')}>
              {t('intake.merge.byEmail')}
            </Button>
            <Button onClick={() => setText(customer.name)}>{t('intake.merge.byName')}</Button>
          </ButtonGroup>
          <Box sx={{ border: 1, borderColor: 'divider', borderRadius: 1, maxHeight: 240, overflow: 'auto' }}>
            {rows?.length === 0 && (
              <Typography variant="body2" color="textSecondary" sx={{ p: 1.5 }}>
                {t('intake.merge.none')}
              </Typography>
            )}
            <List dense disablePadding>
              {rows?.map((r) => (
                <ListItemButton
                  key={r.id}
                  selected={other?.id === r.id}
                  onClick={() => setOther(r)}
                  data-testid="merge-candidate"
                >
                  <ListItemText primary={r.name} secondary={describe(r)} />
                </ListItemButton>
              ))}
            </List>
          </Box>
          {other && (
            <RadioGroup value={keep} onChange={(e) => setKeep(e.target.value as 'this' | 'other')}>
              <Typography variant="subtitle2">{t('intake.merge.keep')}</Typography>
              <FormControlLabel
                value="this"
                control={<Radio />}
                label={t('intake.merge.keepThis', { name: customer.name, details: describe(customer) })}
              />
              <FormControlLabel
                value="other"
                control={<Radio />}
                label={t('intake.merge.keepOther', { name: other.name, details: describe(other) })}
              />
            </RadioGroup>
          )}
          {error && <ErrorAlert error={error} testId="merge-error" />}
          {!other && <Alert severity="info">{t('intake.merge.pick')}</Alert>}
        </Stack>
      </DialogContent>
      <DialogActions sx={{ px: 3, pb: 2 }}>
        <Button onClick={onClose} disabled={busy}>
          {t('admin.cancel')}
        </Button>
        <Button
          variant="contained"
          disabled={!other || busy}
          onClick={() => setConfirming(true)}
          data-testid="merge-next"
        >
          {t('intake.merge.mergeButton')}
        </Button>
      </DialogActions>
      {confirming && kept && merged && (
        <Dialog
          open
          onClose={busy ? undefined : () => setConfirming(false)}
          slotProps={{ paper: { 'data-testid': 'merge-confirm' } as object }}
        >
          <DialogTitle>{t('intake.merge.confirmTitle')}</DialogTitle>
          <DialogContent>
            <DialogContentText>
              {t('intake.merge.confirmBody', { merged: merged.name, kept: kept.name })}
            </DialogContentText>
          </DialogContent>
          <DialogActions>
            <Button onClick={() => setConfirming(false)} disabled={busy} autoFocus>
              {t('admin.cancel')}
            </Button>
            <Button
              color="warning"
              variant="contained"
              onClick={() => void merge()}
              disabled={busy}
              data-testid="merge-confirm-yes"
              endIcon={busy ? <CircularProgress size={12} color="inherit" /> : undefined}
            >
              {t('intake.merge.confirm')}
            </Button>
          </DialogActions>
        </Dialog>
      )}
    </Dialog>
  );
}
