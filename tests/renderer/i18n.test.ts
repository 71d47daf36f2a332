import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/shared';
import { errorText } from '../../src/renderer/i18n/error-text';
import { initialLanguage } from '../../src/renderer/i18n/language';
import { en } from '../../src/renderer/i18n/locales/en';
import { zhCN } from '../../src/renderer/i18n/locales/zh-CN';
import { relativeTime } from '../../src/renderer/i18n/relative-time';

const keys = (o: object, prefix = ''): string[] =>
  Object.entries(o).flatMap(([k, v]) =>
    typeof v === 'string' ? [prefix + k] : keys(v as object, `${prefix}${k}.`),
  );

describe('i18n', () => {
  it('has every key in both languages', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  it('picks Chinese for a Chinese browser, English otherwise, and remembers a choice', () => {
    const none = { getItem: () => null };
    expect(initialLanguage(none, 'zh-TW')).toBe('zh-CN');
    expect(initialLanguage(none, 'en-US')).toBe('en');
    expect(initialLanguage(none, 'de')).toBe('en');
    expect(initialLanguage({ getItem: () => 'en' }, 'zh-CN')).toBe('en');
  });

  it('says what to do next for every error code, in both languages', async () => {
    const i = i18next.createInstance();
    await i.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng: 'en' });
    for (const lng of ['en', 'zh-CN']) {
      await i.changeLanguage(lng);
      for (const code of ErrorCode.options) {
        const { headline } = errorText(i.t, { code, message: 'x' });
        expect(headline).not.toContain('errors.');
        expect(headline.length).toBeGreaterThan(5);
      }
    }
    await i.changeLanguage('zh-CN');
    expect(errorText(i.t, { code: 'unavailable', message: 'ECONNREFUSED' }).headline).toContain(
      '无法连接服务器',
    );
  });

  it('formats relative times in the chosen language', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(relativeTime('2026-01-01T11:57:00Z', 'en', now)).toBe('3 minutes ago');
    expect(relativeTime('2026-01-01T11:57:00Z', 'zh-CN', now)).toBe('3分钟前');
    expect(relativeTime('2026-01-01T11:59:50Z', 'en', now)).toBe('now');
  });
});
