import { Box, Stack, Typography } from '@mui/material';
import { useTranslation } from 'react-i18next';
import type { CustomFieldValue, CustomFieldValues, TicketHistoryEntry } from '../../shared';
import { useAdminConfig } from '../config/use-admin-config';
import { useDirectory } from '../directory/DirectoryProvider';
import { useFormat } from '../i18n';
import { TAXONOMY_NAMES, TicketCategory } from '../../shared/triage';

/** Field values are stored raw (status words, user ids); show them the way the rest of the UI does. */
export function useValueText(ticketText: (id: string) => string = (id) => id) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const directory = useDirectory();
  const config = useAdminConfig();
  const zh = fmt.lang === 'zh-CN';
  // Custom field values by their labels (and option labels) where the configuration still names them.
  const fieldsText = (values: CustomFieldValues) =>
    Object.entries(values)
      .map(([key, v]) => `${customFieldLabel(config, key, zh)}: ${customValueText(config, key, v, zh)}`)
      .join('; ') || t('detail.empty');
  return (field: string, value: string | null) => {
    if (value === null || value === '') return t('detail.empty');
    if (field === 'status') return t(`tickets.status.${value}`, { defaultValue: value });
    if (field === 'priority') return t(`tickets.priority.${value}`, { defaultValue: value });
    if (field === 'assigneeId') return directory.user(value)?.displayName ?? value;
    if (field === 'category') {
      const c = TicketCategory.safeParse(value);
      return c.success ? TAXONOMY_NAMES[c.data][zh ? 'zh' : 'en'] : value;
    }
    if (field === 'parentId' || field === 'mergedInto' || field === 'mergedFrom') return ticketText(value);
    if (field === 'relatedIds')
      return (JSON.parse(value) as string[]).map(ticketText).join(', ') || t('detail.empty');
    if (field === 'tags') return (JSON.parse(value) as string[]).join(', ') || t('detail.empty');
    if (field === 'fields') return fieldsText(JSON.parse(value) as CustomFieldValues);
    if (field === 'departmentId' || field === 'handBackTo') {
      const d = directory.department(value);
      return d ? fmt.department(d) : value;
    }
    return value;
  };
}

type Config = ReturnType<typeof useAdminConfig>;
const definition = (config: Config, key: string) => config?.customFields.find((d) => d.key === key);
const customFieldLabel = (config: Config, key: string, zh: boolean) => {
  const def = definition(config, key);
  return def ? (zh ? def.labelZh : def.labelEn) : key;
};
const customValueText = (config: Config, key: string, v: CustomFieldValue, zh: boolean) => {
  const def = definition(config, key);
  const opt = (x: string) => {
    const o = def?.options.find((p) => p.value === x);
    return o ? (zh ? o.labelZh : o.labelEn) : x;
  };
  return Array.isArray(v) ? v.map(opt).join(', ') : typeof v === 'string' ? opt(v) : String(v);
};

/**
 * A custom fields entry as one line per field that changed, each with its own label: the entry holds the whole
 * set before and after, but an agent wants "Return reason: (empty) → Damaged".
 */
function fieldChanges(
  h: TicketHistoryEntry,
): { key: string; from?: CustomFieldValue; to?: CustomFieldValue }[] {
  const from = (h.from ? JSON.parse(h.from) : {}) as CustomFieldValues;
  const to = (h.to ? JSON.parse(h.to) : {}) as CustomFieldValues;
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
  return keys
    .filter((k) => JSON.stringify(from[k]) !== JSON.stringify(to[k]))
    .map((k) => ({ key: k, from: from[k], to: to[k] }));
}

/** ticketText: a linked ticket's id as the agent knows it (its number), where the detail knows it. */
export function HistoryList({
  history,
  ticketText,
}: {
  history: TicketHistoryEntry[];
  ticketText?: (id: string) => string;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const valueText = useValueText(ticketText);
  const config = useAdminConfig();
  const zh = fmt.lang === 'zh-CN';
  const custom = (key: string, v: CustomFieldValue | undefined) =>
    v === undefined ? t('detail.empty') : customValueText(config, key, v, zh);
  if (history.length === 0) {
    return (
      <Typography color="textSecondary" variant="body2">
        {t('detail.noHistory')}
      </Typography>
    );
  }
  return (
    <Stack component="ol" spacing={0.5} sx={{ m: 0, p: 0, listStyle: 'none' }}>
      {history.map((h) => (
        <Box
          component="li"
          key={h.id}
          data-testid="history-item"
          sx={{ fontSize: 12, display: 'flex', gap: 1 }}
        >
          <Box
            component="span"
            sx={{ color: 'text.secondary', flexShrink: 0, minWidth: 90 }}
            title={fmt.absolute(h.at)}
          >
            {fmt.relative(h.at)}
          </Box>
          <Box component="span">
            {h.field === 'created'
              ? t('create.historyCreated', { actor: h.actorName })
              : h.field === 'fields'
                ? fieldChanges(h)
                    .map((c) =>
                      t('detail.historyLine', {
                        actor: h.actorName,
                        field: customFieldLabel(config, c.key, zh),
                        from: custom(c.key, c.from),
                        to: custom(c.key, c.to),
                      }),
                    )
                    .join(' · ')
                : t('detail.historyLine', {
                    actor: h.actorName,
                    field: t(`detail.fields.${h.field}`, { defaultValue: h.field }),
                    from: valueText(h.field, h.from),
                    to: valueText(h.field, h.to),
                  })}
            {h.note && (
              <Box component="q" data-testid="history-note" sx={{ ml: 0.5, color: 'text.secondary' }}>
                {h.note}
              </Box>
            )}
          </Box>
        </Box>
      ))}
    </Stack>
  );
}
