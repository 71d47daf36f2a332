import CloseIcon from '@mui/icons-material/Close';
import {
  Alert,
  Box,
  Button,
  IconButton,
  Link,
  List,
  ListItemButton,
  ListItemText,
  Stack,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ErrorBody, TicketLink, TicketLinks, TicketPatch, TicketRow } from '../../shared';
import { errorBodyOf, getApi } from '../api';
import { CreateDialog } from '../common/CreateDialog';
import { ErrorAlert } from '../common/ErrorAlert';
import { NativeSelectField } from '../common/NativeSelectField';
import { ticketNumberText } from './TicketListRow';

type LinkKind = 'parent' | 'child' | 'related';

/** A linked ticket: its number and subject, opening it; one not in this replica says so instead of vanishing. */
function LinkLine({
  link,
  onOpen,
  onRemove,
  removeLabel,
  testId,
}: {
  link: TicketLink;
  onOpen: (id: string) => void;
  onRemove?: () => void;
  removeLabel?: string;
  testId: string;
}) {
  const { t } = useTranslation();
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center', minWidth: 0 }} data-testid={testId}>
      {link.row ? (
        <Link
          component="button"
          type="button"
          variant="body2"
          underline="hover"
          onClick={() => onOpen(link.id)}
          data-link-id={link.id}
          sx={{
            textAlign: 'left',
            minWidth: 0,
            overflow: 'hidden',
            textOverflow: 'ellipsis',
            whiteSpace: 'nowrap',
          }}
          title={link.row.subject}
        >
          {ticketNumberText(link.row.number, t('tickets.localNumber'))} {link.row.subject} ·{' '}
          {t(`tickets.status.${link.row.status}`)}
        </Link>
      ) : (
        <Typography variant="body2" color="textSecondary" data-link-id={link.id}>
          {t('links.notHere')}
        </Typography>
      )}
      <Box sx={{ flex: 1 }} />
      {onRemove && (
        <Tooltip title={removeLabel}>
          <IconButton
            size="small"
            aria-label={removeLabel}
            onClick={onRemove}
            data-testid={`${testId}-remove`}
          >
            <CloseIcon fontSize="inherit" />
          </IconButton>
        </Tooltip>
      )}
    </Stack>
  );
}

/** A merged ticket's banner: where it went, one click away. */
export function MergedBanner({ link, onOpen }: { link: TicketLink; onOpen: (id: string) => void }) {
  const { t } = useTranslation();
  const label = link.row ? ticketNumberText(link.row.number, t('tickets.localNumber')) : t('links.notHere');
  return (
    <Alert severity="info" sx={{ mt: 1, py: 0 }} data-testid="ticket-merged-banner">
      {t('links.mergedInto')}{' '}
      {link.row ? (
        <Link
          component="button"
          type="button"
          onClick={() => onOpen(link.id)}
          sx={{ verticalAlign: 'baseline' }}
        >
          {label} {link.row.subject}
        </Link>
      ) : (
        label
      )}
    </Alert>
  );
}

/**
 * The ticket's parent, children, related tickets and the tickets merged into it, each opening that ticket;
 * adding a link and merging into another ticket. Links are edits like any other: saved here at once (offline
 * too) and checked by the server, which keeps each related link on both tickets.
 */
export function LinksPanel({
  ticket,
  links,
  disabled,
  onUpdate,
  onOpen,
  onChanged,
}: {
  ticket: TicketRow;
  links: TicketLinks;
  disabled: boolean;
  onUpdate: (patch: TicketPatch) => void;
  onOpen: (id: string) => void;
  onChanged: () => void;
}) {
  const { t } = useTranslation();
  const [dialog, setDialog] = useState<'link' | 'merge' | null>(null);
  const [error, setError] = useState<ErrorBody | null>(null);
  const removeChild = async (id: string) => {
    try {
      await getApi().invoke('tickets.update', { id, patch: { parentId: null } });
      onChanged();
    } catch (e) {
      setError(errorBodyOf(e));
    }
  };
  const empty = !links.parent && links.children.length + links.related.length + links.mergedFrom.length === 0;

  return (
    <Box component="section" data-testid="ticket-links" aria-labelledby="ticket-links-title">
      <Typography variant="overline" color="textSecondary" component="h3" id="ticket-links-title">
        {t('links.title')}
      </Typography>
      {empty && (
        <Typography variant="body2" color="textSecondary">
          {t('links.none')}
        </Typography>
      )}
      {links.parent && (
        <>
          <Typography variant="caption" color="textSecondary" component="div" sx={{ mt: 0.5 }}>
            {t('links.parent')}
          </Typography>
          <LinkLine
            link={links.parent}
            onOpen={onOpen}
            testId="link-parent"
            removeLabel={t('links.removeParent')}
            onRemove={disabled ? undefined : () => onUpdate({ parentId: null })}
          />
        </>
      )}
      {links.children.length > 0 && (
        <>
          <Typography variant="caption" color="textSecondary" component="div" sx={{ mt: 0.5 }}>
            {t('links.children', { count: links.children.length })}
          </Typography>
          {links.children.map((l) => (
            <LinkLine
              key={l.id}
              link={l}
              onOpen={onOpen}
              testId="link-child"
              removeLabel={t('links.removeChild')}
              onRemove={disabled ? undefined : () => void removeChild(l.id)}
            />
          ))}
        </>
      )}
      {links.related.length > 0 && (
        <>
          <Typography variant="caption" color="textSecondary" component="div" sx={{ mt: 0.5 }}>
            {t('links.related', { count: links.related.length })}
          </Typography>
          {links.related.map((l) => (
            <LinkLine
              key={l.id}
              link={l}
              onOpen={onOpen}
              testId="link-related"
              removeLabel={t('links.removeRelated')}
              onRemove={
                disabled
                  ? undefined
                  : () => onUpdate({ relatedIds: ticket.relatedIds.filter((x) => x !== l.id) })
              }
            />
          ))}
        </>
      )}
      {links.mergedFrom.length > 0 && (
        <>
          <Typography variant="caption" color="textSecondary" component="div" sx={{ mt: 0.5 }}>
            {t('links.mergedFrom', { count: links.mergedFrom.length })}
          </Typography>
          {links.mergedFrom.map((l) => (
            <LinkLine key={l.id} link={l} onOpen={onOpen} testId="link-merged-from" />
          ))}
        </>
      )}
      {error && <ErrorAlert error={error} onClose={() => setError(null)} />}
      {!disabled && (
        <Stack direction="row" spacing={1} sx={{ mt: 0.5 }}>
          <Button size="small" onClick={() => setDialog('link')} data-testid="link-add">
            {t('links.add')}
          </Button>
          <Button size="small" color="warning" onClick={() => setDialog('merge')} data-testid="ticket-merge">
            {t('links.merge')}
          </Button>
        </Stack>
      )}
      {dialog && (
        <LinkDialog
          ticket={ticket}
          merge={dialog === 'merge'}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            onChanged();
          }}
        />
      )}
    </Box>
  );
}

/** Tickets of this replica matching a number or words, for picking one to link or merge into. */
function useTicketPicker(exclude: string) {
  const [text, setText] = useState('');
  const [rows, setRows] = useState<TicketRow[]>([]);
  useEffect(() => {
    // "#1024" is how agents write a ticket number; the index holds the number without the sign.
    const q = text.replace(/#/g, ' ').trim();
    if (!q) {
      setRows([]);
      return;
    }
    let stale = false;
    const timer = setTimeout(() => {
      void getApi()
        .invoke('tickets.search', { text: q, limit: 8 })
        .then((page) => !stale && setRows(page.rows.filter((r) => r.id !== exclude)))
        .catch(() => !stale && setRows([]));
    }, 150);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [text, exclude]);
  return { text, setText, rows };
}

function LinkDialog({
  ticket,
  merge,
  onClose,
  onDone,
}: {
  ticket: TicketRow;
  merge: boolean;
  onClose: () => void;
  onDone: () => void;
}) {
  const { t } = useTranslation();
  const picker = useTicketPicker(ticket.id);
  const [kind, setKind] = useState<LinkKind>('related');
  const [chosen, setChosen] = useState<TicketRow | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [missing, setMissing] = useState(false);

  const save = async () => {
    if (!chosen) {
      setMissing(true);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const api = getApi();
      if (merge) {
        await api.invoke('tickets.merge', {
          sourceId: ticket.id,
          targetId: chosen.id,
          ...(note.trim() ? { note: note.trim() } : {}),
        });
      } else if (kind === 'parent') {
        await api.invoke('tickets.update', { id: ticket.id, patch: { parentId: chosen.id } });
      } else if (kind === 'child') {
        await api.invoke('tickets.update', { id: chosen.id, patch: { parentId: ticket.id } });
      } else {
        await api.invoke('tickets.update', {
          id: ticket.id,
          patch: { relatedIds: [...ticket.relatedIds, chosen.id] },
        });
      }
      onDone();
    } catch (e) {
      setError(errorBodyOf(e));
    } finally {
      setBusy(false);
    }
  };

  const number = (r: { number: number | null }) => ticketNumberText(r.number, t('tickets.localNumber'));
  return (
    <CreateDialog
      open
      busy={busy}
      title={merge ? t('links.mergeTitle') : t('links.addTitle')}
      testId={merge ? 'merge' : 'link'}
      maxWidth="sm"
      onSave={() => void save()}
      onClose={onClose}
      saveLabel={merge ? t('links.mergeAction') : t('links.addAction')}
    >
      {!merge && (
        <NativeSelectField
          label={t('links.kind')}
          testId="link-kind"
          value={kind}
          fullWidth
          onChange={(v) => setKind(v as LinkKind)}
        >
          <option value="related">{t('links.kindRelated')}</option>
          <option value="parent">{t('links.kindParent')}</option>
          <option value="child">{t('links.kindChild')}</option>
        </NativeSelectField>
      )}
      <TextField
        autoFocus
        label={t('links.find')}
        placeholder={t('links.findHint')}
        value={picker.text}
        onChange={(e) => {
          picker.setText(e.target.value);
          setChosen(null);
        }}
        error={missing && !chosen}
        helperText={missing && !chosen ? t('links.pickOne') : undefined}
        slotProps={{ htmlInput: { 'data-testid': 'link-search' } }}
      />
      {picker.rows.length > 0 && (
        <List dense disablePadding aria-label={t('links.results')} data-testid="link-results">
          {picker.rows.map((r) => (
            <ListItemButton key={r.id} selected={chosen?.id === r.id} onClick={() => setChosen(r)}>
              <ListItemText
                primary={`${number(r)} ${r.subject}`}
                secondary={`${t(`tickets.status.${r.status}`)} · ${r.customerName}`}
              />
            </ListItemButton>
          ))}
        </List>
      )}
      {picker.text.trim() !== '' && picker.rows.length === 0 && (
        <Typography variant="body2" color="textSecondary">
          {t('links.noMatch')}
        </Typography>
      )}
      {merge && (
        <>
          <TextField
            label={t('links.mergeNote')}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            multiline
            minRows={2}
            slotProps={{ htmlInput: { maxLength: 1000, 'data-testid': 'merge-note' } }}
          />
          <Alert severity="warning" data-testid="merge-explain">
            {chosen
              ? t('links.mergeExplain', { source: number(ticket), target: number(chosen) })
              : t('links.mergeExplainNone', { source: number(ticket) })}
          </Alert>
        </>
      )}
      {error && <ErrorAlert error={error} testId="link-error" />}
    </CreateDialog>
  );
}
