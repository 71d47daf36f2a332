export { setupI18n } from './setup';
export { errorText } from './error-text';
export { otherLanguage, type Language } from './language';
export { useFormat } from './use-format';
export { useNow } from './use-now';
