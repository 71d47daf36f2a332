export type Language = 'zh-CN' | 'en';
export const LANGUAGES: readonly Language[] = ['zh-CN', 'en'];
const KEY = 'switchboard.lang';

/** The remembered choice, else Chinese for a Chinese browser and English for everyone else. */
export function initialLanguage(storage: Pick<Storage, 'getItem'>, navigatorLanguage: string): Language {
  const saved = storage.getItem(KEY);
  if (saved === 'zh-CN' || saved === 'en') return saved;
  return navigatorLanguage.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en';
}

export function rememberLanguage(storage: Pick<Storage, 'setItem'>, lang: Language): void {
  storage.setItem(KEY, lang);
}

export const otherLanguage = (lang: Language): Language => (lang === 'zh-CN' ? 'en' : 'zh-CN');
