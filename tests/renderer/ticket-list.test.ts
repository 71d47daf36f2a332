import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { TicketPriority, TicketSort, TicketStatus } from '../../src/shared';
import { en } from '../../src/renderer/i18n/locales/en';
import { zhCN } from '../../src/renderer/i18n/locales/zh-CN';
import { matchRanges, snippet } from '../../src/renderer/tickets/highlight';
import { builtinViews, sameFilters, ViewStore } from '../../src/renderer/tickets/saved-views';
import {
  effectiveSort,
  NO_FILTERS,
  openStatuses,
  toggle,
  type TicketFilters,
} from '../../src/renderer/tickets/ticket-filters';

async function translator(lng: string) {
  const i = i18next.createInstance();
  await i.init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng,
    interpolation: { escapeValue: false },
  });
  return i.t;
}

const marked = (text: string, query: string) => matchRanges(text, query).map(([a, b]) => text.slice(a, b));

describe('ticket list wording', () => {
  it('counts tickets and customers with the plural of each language', async () => {
    const t = await translator('en');
    expect(t('tickets.count', { count: 1, more: '' })).toBe('1 ticket');
    expect(t('tickets.count', { count: 2, more: '' })).toBe('2 tickets');
    expect(t('tickets.count', { count: 0, more: '' })).toBe('0 tickets');
    expect(t('tickets.count', { count: 10000, more: '+' })).toBe('10,000+ tickets');
    expect(t('customers.count', { count: 1 })).toBe('1 customer');
    const zh = await translator('zh-CN');
    expect(zh('tickets.count', { count: 1, more: '' })).toBe('1 个工单');
    expect(zh('tickets.count', { count: 2, more: '' })).toBe('2 个工单');
    expect(zh('tickets.count', { count: 10000, more: '+' })).toBe('10,000+ 个工单');
  });

  it('names every status, priority, sort and built-in view in both languages', async () => {
    for (const lng of ['en', 'zh-CN']) {
      const t = await translator(lng);
      const keys = [
        ...TicketStatus.options.map((s) => `tickets.status.${s}`),
        ...TicketPriority.options.map((p) => `tickets.priority.${p}`),
        ...TicketSort.options.map((s) => `tickets.sort.${s}`),
        ...builtinViews({ departmentId: null }).map((v) => v.labelKey ?? `tickets.views.${v.builtin}`),
      ];
      for (const key of keys) {
        const label = t(key);
        expect(label, `${lng} ${key}`).not.toBe(key);
        expect(label.length, `${lng} ${key}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('matched words in the list', () => {
  it('marks a Chinese substring wherever it occurs, as the index finds it', () => {
    expect(marked('退款申请未到账，到账了吗', '到账')).toEqual(['到账', '到账']);
    expect(marked('退款申请未到账', '申请 到账')).toEqual(['申请', '到账']);
    expect(marked('退款申请未到账', '到款')).toEqual([]);
  });

  it('marks English words at their start, the last one as a prefix, ignoring case and width', () => {
    expect(marked('Router keeps rebooting', 'rou')).toEqual(['Rou']);
    expect(marked('Router keeps rebooting', 'ROUTER kee')).toEqual(['Router', 'kee']);
    // Not whole: "rou" is not the word "router" unless it is the last word typed.
    expect(marked('Router keeps rebooting', 'rou keeps')).toEqual(['keeps']);
    expect(marked('Router keeps rebooting', 'outer')).toEqual([]);
    expect(marked('ＲＯＵＴＥＲ 重启', 'router')).toEqual(['ＲＯＵＴＥＲ']);
    expect(marked('Invoice for 华为 Mate 60', '华为 mate')).toEqual(['华为', 'Mate']);
  });

  it('shows the description around its first match', () => {
    const text = `${'客户来电反映，'.repeat(10)}\n退款申请未到账，请尽快处理`;
    const s = snippet(text, '到账')!;
    expect(s.text.startsWith('…')).toBe(true);
    expect(s.ranges.map(([a, b]) => s.text.slice(a, b))).toEqual(['到账']);
    expect(s.text).not.toContain('\n');
    expect(snippet('nothing here', 'router')).toBeNull();
  });
});

function memoryStorage() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe('saved views', () => {
  it('has My open, Unassigned in my department and All open, built from the shared statuses', () => {
    const [mine, unassigned, all] = builtinViews({ departmentId: 'd1' });
    const open = openStatuses();
    expect(open).toEqual(TicketStatus.options.filter((s) => s !== 'solved' && s !== 'closed'));
    expect(mine!.filters).toEqual({ ...NO_FILTERS, status: open, assignees: ['me'] });
    expect(unassigned!.filters).toEqual({
      ...NO_FILTERS,
      status: open,
      assignees: ['unassigned'],
      departmentIds: ['d1'],
    });
    expect(all!.filters).toEqual({ ...NO_FILTERS, status: open });
  });

  it('keeps an agent’s own views per user, deletes them, and survives what it cannot read', () => {
    const storage = memoryStorage();
    const a = new ViewStore(storage, ViewStore.keyFor('https://sb.example', 'user-a'));
    const b = new ViewStore(storage, ViewStore.keyFor('https://sb.example', 'user-b'));
    const urgent: TicketFilters = { ...NO_FILTERS, priority: ['urgent'], sort: 'oldest' };
    a.save('  Urgent backlog ', urgent);
    a.save('退款', { ...NO_FILTERS, text: '退款' });
    expect(a.list().map((v) => v.name)).toEqual(['Urgent backlog', '退款']);
    expect(a.list()[0]!.filters).toEqual(urgent);
    expect(b.list()).toEqual([]);
    // The same name again replaces the view.
    a.save('退款', { ...NO_FILTERS, text: '退款到账' });
    expect(a.list().map((v) => v.filters.text)).toEqual(['', '退款到账']);
    expect(a.remove(a.list()[0]!.id).map((v) => v.name)).toEqual(['退款']);
    expect(() => a.save('  ', urgent)).toThrow();

    storage.setItem(ViewStore.keyFor('https://sb.example', 'user-b'), '{not json');
    expect(b.list()).toEqual([]);
    storage.setItem(
      ViewStore.keyFor('https://sb.example', 'user-b'),
      JSON.stringify([
        { id: 'x', name: 'Old', filters: { status: ['open', 'waiting_on_mars'], priority: ['urgent'] } },
        { nonsense: true },
      ]),
    );
    expect(b.list()).toEqual([
      {
        id: 'x',
        builtin: null,
        name: 'Old',
        filters: { ...NO_FILTERS, status: ['open'], priority: ['urgent'] },
      },
    ]);
  });

  it('recognises the view on screen whatever order its values were picked in', () => {
    const view: TicketFilters = { ...NO_FILTERS, status: ['new', 'open'], assignees: ['me'] };
    expect(sameFilters(view, { ...view, status: ['open', 'new'] })).toBe(true);
    expect(sameFilters(view, { ...view, sort: 'priority' })).toBe(false);
    expect(sameFilters(view, { ...view, text: 'x' })).toBe(false);
  });
});

describe('filters and sort', () => {
  it('sorts by relevance when there is text and newest first otherwise, unless chosen', () => {
    expect(effectiveSort({ text: '', sort: null })).toBe('newest');
    expect(effectiveSort({ text: 'router', sort: null })).toBe('relevance');
    expect(effectiveSort({ text: 'router', sort: 'priority' })).toBe('priority');
    expect(effectiveSort({ text: ' ', sort: 'relevance' })).toBe('newest');
  });

  it('toggles one value at a time, in the order of the enum', () => {
    expect(toggle(['open'], 'new', TicketStatus.options)).toEqual(['new', 'open']);
    expect(toggle(['new', 'open'], 'new', TicketStatus.options)).toEqual(['open']);
    expect(toggle(['me'], 'unassigned')).toEqual(['me', 'unassigned']);
  });
});
