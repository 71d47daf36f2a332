import i18next from 'i18next';
import { initReactI18next } from 'react-i18next';
import { en } from './locales/en';
import { zhCN } from './locales/zh-CN';
import { initialLanguage, rememberLanguage, type Language } from './language';

/** Start i18next before the first render, so no screen ever shows keys. */
export function setupI18n(): typeof i18next {
  const lng = initialLanguage(localStorage, navigator.language || 'en');
  void i18next.use(initReactI18next).init({
    resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
    lng,
    fallbackLng: 'en',
    interpolation: { escapeValue: false },
    initAsync: false,
  });
  document.documentElement.lang = lng;
  i18next.on('languageChanged', (l) => {
    document.documentElement.lang = l;
    rememberLanguage(localStorage, l as Language);
  });
  return i18next;
}
