import PersonAddIcon from '@mui/icons-material/PersonAddAlt1Outlined';
import SearchIcon from '@mui/icons-material/Search';
import {
  Alert,
  Box,
  Button,
  InputAdornment,
  LinearProgress,
  List,
  ListItemButton,
  ListItemText,
  Stack,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { CustomerPage, ErrorBody } from '../../shared';
import { formatPhone } from '../../shared/phone';
import { errorBodyOf, getApi } from '../api';
import { ErrorAlert } from '../common/ErrorAlert';
import { useNewShortcut } from '../common/use-new-shortcut';
import { isCatchingUp } from '../sync/catching-up';
import { useDataChanged } from '../sync/use-data-changed';
import { useSyncStatus } from '../sync/use-sync-status';
import { NewCustomerDialog } from './NewCustomerDialog';

const DEBOUNCE_MS = 150;

/**
 * Find a customer in the local replica by name, company, email or phone digits, including customers
 * with no open ticket: the first step when a customer writes in or calls from a number we don't know.
 */
export function CustomersPage({ onOpenCustomer }: { onOpenCustomer: (id: string) => void }) {
  const { t } = useTranslation();
  const catchingUp = isCatchingUp(useSyncStatus());
  const [text, setText] = useState('');
  const [page, setPage] = useState<(CustomerPage & { text: string }) | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [selected, setSelected] = useState(0);
  const [generation, setGeneration] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  const [creating, setCreating] = useState(false);
  useNewShortcut(!creating, () => setCreating(true));
  // What was searched for is the likeliest start of a customer nobody found.
  const typed = text.trim();
  const seed = /^[\d\s()+-]{5,}$/.test(typed) ? { phone: typed } : typed ? { name: typed } : undefined;

  useDataChanged((c) => {
    if (c.all || c.customerIds.length > 0) setGeneration((g) => g + 1);
  });

  useEffect(() => {
    const query = text.trim();
    if (!query) {
      setPage(null);
      return;
    }
    let live = true;
    const timer = setTimeout(() => {
      getApi()
        .invoke('customers.search', { text: query, limit: 50 })
        .then(
          (p) => {
            if (!live) return;
            setPage({ ...p, text: query });
            setError(null);
            setSelected(0);
          },
          (e: unknown) => live && setError(errorBodyOf(e)),
        );
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [text, generation]);

  useEffect(() => {
    const focusOnSlash = (e: globalThis.KeyboardEvent) => {
      if (creating) return;
      if (e.key === '/' && document.activeElement !== input.current) {
        e.preventDefault();
        input.current?.focus();
      }
    };
    window.addEventListener('keydown', focusOnSlash);
    return () => window.removeEventListener('keydown', focusOnSlash);
  }, [creating]);

  const rows = page?.rows ?? [];
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setSelected((i) => Math.min(rows.length - 1, i + 1));
    else if (e.key === 'ArrowUp') setSelected((i) => Math.max(0, i - 1));
    else if (e.key === 'Enter' && rows[selected]) onOpenCustomer(rows[selected].id);
    else return;
    e.preventDefault();
  };

  return (
    <Box data-testid="customers-page" sx={{ flex: 1, p: 2, overflowY: 'auto', maxWidth: 900 }}>
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <TextField
          inputRef={input}
          autoFocus
          fullWidth
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKeyDown}
          placeholder={t('customers.search')}
          slotProps={{
            htmlInput: { 'data-testid': 'customer-search', 'aria-label': t('customers.search') },
            input: {
              startAdornment: (
                <InputAdornment position="start">
                  <SearchIcon fontSize="small" />
                </InputAdornment>
              ),
            },
          }}
        />
        <Tooltip title={t('create.newCustomerHint')}>
          <Button
            variant="outlined"
            startIcon={<PersonAddIcon />}
            onClick={() => setCreating(true)}
            data-testid="new-customer-button"
            aria-keyshortcuts="Alt+N"
            sx={{ flexShrink: 0 }}
          >
            {t('create.newCustomer')}
          </Button>
        </Tooltip>
      </Stack>
      {error && <ErrorAlert error={error} />}
      {text.trim() && !page && !error && <LinearProgress sx={{ mt: 1 }} />}
      {!text.trim() && (
        <Alert severity="info" variant="outlined" sx={{ mt: 2 }}>
          {t('customers.hint')}
        </Alert>
      )}
      {page && (
        <>
          <Typography
            variant="caption"
            color="textSecondary"
            component="div"
            sx={{ mt: 1.5 }}
            data-testid="customer-count"
            data-query={page.text}
          >
            {t('customers.count', { count: page.total })}
          </Typography>
          {rows.length === 0 && (
            <Typography sx={{ mt: 1 }}>
              {t('customers.none')}
              {catchingUp && (
                <Box component="span" data-testid="search-while-syncing" sx={{ display: 'block', mt: 0.5 }}>
                  {t('sync.searchWhileSyncing')}
                </Box>
              )}
            </Typography>
          )}
          <List dense disablePadding>
            {rows.map((c, i) => (
              <ListItemButton
                key={c.id}
                data-testid="customer-row"
                data-customer-id={c.id}
                selected={i === selected}
                onClick={() => onOpenCustomer(c.id)}
                divider
              >
                <ListItemText
                  primary={c.company ? `${c.name} · ${c.company}` : c.name}
                  secondary={[c.phone && formatPhone(c.phone), c.email].filter(Boolean).join('  ·  ')}
                />
              </ListItemButton>
            ))}
          </List>
        </>
      )}
      <NewCustomerDialog
        open={creating}
        onClose={() => setCreating(false)}
        initial={seed}
        onCreated={(customer) => {
          setCreating(false);
          onOpenCustomer(customer.id);
        }}
      />
    </Box>
  );
}
