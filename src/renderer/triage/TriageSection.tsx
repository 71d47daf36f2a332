import ArrowDropDownIcon from '@mui/icons-material/ArrowDropDown';
import {
  Box,
  Button,
  Chip,
  ListSubheader,
  Menu,
  MenuItem,
  Paper,
  Stack,
  Tooltip,
  Typography,
} from '@mui/material';
import { useId, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { TicketPriority, type ErrorBody, type TicketPatch, type TicketRow } from '../../shared';
import type { TriagePrediction, TriageTerm } from '../../shared/triage/schemas';
import {
  CATEGORIES_BY_DEPARTMENT,
  TRIAGE_DEPARTMENTS,
  type TicketCategory,
  type TriageDepartment,
} from '../../shared/triage/taxonomy';
import { errorBodyOf, getApi } from '../api';
import { useSessionInfo } from '../auth/session-context';
import { useCan } from '../auth/use-rights';
import { ErrorAlert } from '../common/ErrorAlert';
import { useDirectory } from '../directory/DirectoryProvider';
import { serviceDepartmentOf, triageDepartmentOf, useTaxonomyName } from './taxonomy';
import { useTriageModel } from './use-triage-model';

const percent = (c: number) => `${Math.round(c * 100)}%`;

/**
 * The ticket's triage (issue 15): what the model predicted for department, category, priority and self-service,
 * each with its confidence (in the warning colour below the review threshold), why (the words that pushed each
 * field, the matched article), and a one-click correction per field: an ordinary edit of the ticket (a transfer
 * for the department), so it works offline and syncs like any other. A ticket in the triage queue has a
 * Confirm. A control the user's role may not use is not shown.
 */
export function TriageSection({
  ticket,
  disabled,
  onPatch,
  onRow,
}: {
  ticket: TicketRow;
  /** Closed or being deleted: nothing to correct. */
  disabled: boolean;
  /** An ordinary edit of the ticket (the detail's own save, with its saving state and errors). */
  onPatch: (patch: TicketPatch) => void;
  /** The ticket as a transfer left it. */
  onRow: (row: TicketRow) => void;
}) {
  const { t } = useTranslation();
  const name = useTaxonomyName();
  const directory = useDirectory();
  const can = useCan();
  const session = useSessionInfo();
  const model = useTriageModel();
  const [error, setError] = useState<ErrorBody | null>(null);
  const threshold = model?.threshold ?? 0;
  const p: TriagePrediction | null = ticket.triage;

  const currentDepartment = triageDepartmentOf(
    directory.department(ticket.departmentId),
    directory.departments,
  );
  const transfer = async (to: TriageDepartment) => {
    const target = serviceDepartmentOf(to, directory.departments);
    if (!target || target.id === ticket.departmentId) return;
    setError(null);
    try {
      onRow(
        await getApi().invoke('tickets.transfer', {
          id: ticket.id,
          toDepartmentId: target.id,
          reason: t('triage.transferReason', { department: name(to) }),
        }),
      );
    } catch (e) {
      setError(errorBodyOf(e));
    }
  };
  // The prediction stands: the category named as it is, an ordinary edit (offline too) that ends the review.
  const confirm = (prediction: TriagePrediction) =>
    onPatch({ category: ticket.category ?? prediction.category.value });

  // Only the departments this deployment has (a correction moves the ticket there).
  const departments = TRIAGE_DEPARTMENTS.filter((d) => serviceDepartmentOf(d, directory.departments));
  // A transfer made here that the server has not taken yet: no second one on top.
  const leaving = session.user.departmentId !== null && ticket.departmentId !== session.user.departmentId;

  return (
    <Paper variant="outlined" sx={{ p: 1.25 }} data-testid="triage-section" component="section">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 0.5 }}>
        <Typography variant="overline" color="textSecondary" sx={{ lineHeight: 1.5 }}>
          {t('triage.title')}
        </Typography>
        {p?.needsReview && (
          <Chip
            size="small"
            color="warning"
            label={t('triage.needsReview')}
            data-testid="triage-needs-review"
            sx={{ height: 20 }}
          />
        )}
        <Box sx={{ flex: 1 }} />
        {p && (
          <Typography variant="caption" color="textSecondary" data-testid="triage-model">
            {t('triage.modelLine', {
              version: p.modelVersion,
              source: t(`triage.source.${p.source}`),
            })}
          </Typography>
        )}
      </Stack>
      {!p && (
        <Typography variant="body2" color="textSecondary" data-testid="triage-none" sx={{ mb: 0.5 }}>
          {/* On the service with no prediction: it came in before triage; it will not be triaged later. */}
          {t(ticket.syncState === 'synced' ? 'triage.noPrediction' : 'triage.notTriaged')}
        </Typography>
      )}
      <Box
        sx={{
          display: 'grid',
          gridTemplateColumns: 'repeat(auto-fill, minmax(170px, 1fr))',
          columnGap: 2,
          rowGap: 0.5,
        }}
      >
        <FieldRow
          field="department"
          label={t('triage.field.department')}
          value={currentDepartment ? name(currentDepartment) : '—'}
          predicted={p ? { text: name(p.department.value), confidence: p.department.confidence } : null}
          corrected={!!p && !!currentDepartment && currentDepartment !== p.department.value}
          threshold={threshold}
          menu={
            can('transfer') && !disabled && !leaving && departments.length > 1
              ? {
                  items: departments.map((d) => ({ value: d, label: name(d) })),
                  selected: currentDepartment ?? null,
                  onPick: (d) => void transfer(d as TriageDepartment),
                }
              : null
          }
        />
        <FieldRow
          field="category"
          label={t('triage.field.category')}
          value={ticket.category ? name(ticket.category) : t('triage.noCategory')}
          predicted={p ? { text: name(p.category.value), confidence: p.category.confidence } : null}
          corrected={!!p && ticket.category !== null && ticket.category !== p.category.value}
          threshold={threshold}
          menu={
            can('changeCategory') && !disabled
              ? {
                  groups: TRIAGE_DEPARTMENTS.map((d) => ({
                    label: name(d),
                    items: CATEGORIES_BY_DEPARTMENT[d].map((c) => ({ value: c, label: name(c) })),
                  })),
                  selected: ticket.category,
                  onPick: (c) => onPatch({ category: c as TicketCategory }),
                }
              : null
          }
        />
        <FieldRow
          field="priority"
          label={t('triage.field.priority')}
          value={t(`tickets.priority.${ticket.priority}`)}
          predicted={
            p ? { text: t(`tickets.priority.${p.priority.value}`), confidence: p.priority.confidence } : null
          }
          corrected={!!p && ticket.priority !== p.priority.value}
          threshold={threshold}
          menu={
            can('changePriority') && !disabled
              ? {
                  items: TicketPriority.options.map((v) => ({ value: v, label: t(`tickets.priority.${v}`) })),
                  selected: ticket.priority,
                  onPick: (v) => onPatch({ priority: v as TicketPriority }),
                }
              : null
          }
        />
        {p && (
          <FieldRow
            field="selfService"
            label={t('triage.field.selfService')}
            value={p.selfService.value ? t('triage.yes') : t('triage.no')}
            predicted={{
              text: p.selfService.value ? t('triage.yes') : t('triage.no'),
              confidence: p.selfService.confidence,
            }}
            corrected={false}
            threshold={threshold}
            menu={null}
          />
        )}
      </Box>
      {p && <Why prediction={p} />}
      {p?.needsReview && !disabled && (
        <Button
          size="small"
          variant="contained"
          sx={{ mt: 1 }}
          onClick={() => confirm(p)}
          data-testid="triage-confirm"
        >
          {t('triage.confirm')}
        </Button>
      )}
      {error && (
        <Box sx={{ mt: 1 }}>
          <ErrorAlert error={error} testId="triage-error" onClose={() => setError(null)} />
        </Box>
      )}
    </Paper>
  );
}

interface MenuSpec {
  items?: { value: string; label: string }[];
  groups?: { label: string; items: { value: string; label: string }[] }[];
  selected: string | null;
  onPick: (value: string) => void;
}

/** One field: its name, the ticket's value (a menu button when it may be corrected), the model's confidence. */
function FieldRow({
  field,
  label,
  value,
  predicted,
  corrected,
  threshold,
  menu,
}: {
  field: string;
  label: string;
  value: string;
  predicted: { text: string; confidence: number } | null;
  corrected: boolean;
  threshold: number;
  menu: MenuSpec | null;
}) {
  const { t } = useTranslation();
  const [anchor, setAnchor] = useState<HTMLElement | null>(null);
  const menuId = useId();
  const low = predicted !== null && predicted.confidence < threshold;
  const pick = (v: string) => {
    setAnchor(null);
    if (v !== menu?.selected) menu?.onPick(v);
  };
  const item = (o: { value: string; label: string }) => (
    <MenuItem
      key={o.value}
      dense
      selected={o.value === menu?.selected}
      onClick={() => pick(o.value)}
      data-testid={`triage-option-${o.value}`}
    >
      {o.label}
    </MenuItem>
  );
  const items: ReactNode[] = menu?.groups
    ? menu.groups.flatMap((g) => [
        <ListSubheader key={`h-${g.label}`} sx={{ lineHeight: '28px' }}>
          {g.label}
        </ListSubheader>,
        ...g.items.map(item),
      ])
    : (menu?.items ?? []).map(item);

  return (
    <Box sx={{ minWidth: 0 }}>
      <Typography variant="caption" color="textSecondary" component="div">
        {label}
      </Typography>
      <Stack direction="row" spacing={0.75} sx={{ alignItems: 'center', minWidth: 0 }}>
        <Box sx={{ minWidth: 0, display: 'flex' }} data-testid={`triage-${field}`} data-value={value}>
          {menu ? (
            <>
              <Button
                size="small"
                color="inherit"
                endIcon={<ArrowDropDownIcon />}
                aria-haspopup="menu"
                aria-expanded={anchor ? 'true' : undefined}
                aria-controls={anchor ? menuId : undefined}
                aria-label={t('triage.correct', { field: label, value })}
                onClick={(e) => setAnchor(e.currentTarget)}
                data-testid={`triage-correct-${field}`}
                sx={{
                  textTransform: 'none',
                  justifyContent: 'flex-start',
                  px: 0.5,
                  py: 0,
                  ml: -0.5,
                  minWidth: 0,
                  fontWeight: 600,
                }}
              >
                <Box
                  component="span"
                  sx={{ overflow: 'hidden', textOverflow: 'ellipsis', whiteSpace: 'nowrap' }}
                >
                  {value}
                </Box>
              </Button>
              <Menu id={menuId} anchorEl={anchor} open={anchor !== null} onClose={() => setAnchor(null)}>
                {items}
              </Menu>
            </>
          ) : (
            <Typography variant="body2" component="span" sx={{ fontWeight: 600 }}>
              {value}
            </Typography>
          )}
        </Box>
        {predicted &&
          (corrected ? (
            <Tooltip
              title={t('triage.predictedWas', {
                value: predicted.text,
                confidence: percent(predicted.confidence),
              })}
            >
              <Chip
                size="small"
                variant="outlined"
                label={t('triage.corrected')}
                data-testid={`triage-corrected-${field}`}
                sx={{ height: 20, flexShrink: 0 }}
              />
            </Tooltip>
          ) : (
            <Tooltip title={low ? t('triage.lowConfidence') : t('triage.confidence')}>
              <Typography
                variant="caption"
                data-testid={`triage-confidence-${field}`}
                data-low={low}
                sx={{
                  fontVariantNumeric: 'tabular-nums',
                  fontWeight: 600,
                  flexShrink: 0,
                  color: low ? 'warning.main' : 'success.main',
                }}
              >
                {percent(predicted.confidence)}
              </Typography>
            </Tooltip>
          ))}
      </Stack>
    </Box>
  );
}

/** The words behind each field (the strongest three) and the knowledge article that matched, if any. */
function Why({ prediction: p }: { prediction: TriagePrediction }) {
  const { t } = useTranslation();
  const fields = ['department', 'category', 'priority', 'selfService'] as const;
  const terms = (list: TriageTerm[]) =>
    list
      .slice(0, 3)
      .map((x) => x.term)
      .join(' · ');
  const rows = fields.filter((f) => p.why[f].length > 0);
  if (rows.length === 0 && !p.article) return null;
  return (
    <Box sx={{ mt: 0.75 }} data-testid="triage-why">
      <Typography variant="caption" color="textSecondary" component="div" sx={{ fontWeight: 600 }}>
        {t('triage.why')}
      </Typography>
      {rows.map((f) => (
        <Typography key={f} variant="caption" component="div" sx={{ wordBreak: 'break-word' }}>
          <Box component="span" sx={{ color: 'text.secondary' }}>
            {t(`triage.field.${f}`)}:
          </Box>{' '}
          {terms(p.why[f])}
        </Typography>
      ))}
      {p.article && (
        <Typography variant="caption" component="div" data-testid="triage-article">
          <Box component="span" sx={{ color: 'text.secondary' }}>
            {t('triage.article')}:
          </Box>{' '}
          {p.article.title}
        </Typography>
      )}
    </Box>
  );
}
