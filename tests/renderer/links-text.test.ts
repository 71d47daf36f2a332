import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { en } from '../../src/renderer/i18n/locales/en';
import { zhCN } from '../../src/renderer/i18n/locales/zh-CN';

async function translator(lng: string) {
  const i = i18next.createInstance();
  await i.init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng,
    interpolation: { escapeValue: false },
  });
  return i.t;
}

describe('links wording', () => {
  it('counts linked tickets with the plural of each language', async () => {
    const t = await translator('en');
    expect(t('links.children', { count: 1 })).toBe('1 child ticket');
    expect(t('links.children', { count: 3 })).toBe('3 child tickets');
    expect(t('links.related', { count: 1 })).toBe('1 related ticket');
    expect(t('links.mergedFrom', { count: 2 })).toBe('2 tickets merged into this one');
    const zh = await translator('zh-CN');
    expect(zh('links.children', { count: 1 })).toBe('1 个子工单');
    expect(zh('links.related', { count: 4 })).toBe('4 个关联工单');
  });

  it('explains a merge naming both tickets, in both languages', async () => {
    for (const lng of ['en', 'zh-CN']) {
      const t = await translator(lng);
      const text = t('links.mergeExplain', { source: '#12', target: '#34' });
      expect(text).toContain('#12');
      expect(text).toContain('#34');
      expect(t('detail.fields.mergedInto')).not.toBe('detail.fields.mergedInto');
    }
  });
});
