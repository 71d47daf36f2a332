import type { KbLanguage } from '../../shared/kb';

const HAN = /\p{Script=Han}/gu;
const LATIN_WORD = /[A-Za-z]{2,}/g;

/**
 * The contact's language from the text: Chinese when Han characters carry a fair share of it ("我的wifi老是掉线"
 * is Chinese with an English word), English otherwise. Two Han characters count about as much as one word.
 */
export function languageOf(text: string): KbLanguage {
  const han = text.match(HAN)?.length ?? 0;
  const words = text.match(LATIN_WORD)?.length ?? 0;
  return han > 0 && han >= words ? 'zh-CN' : 'en';
}
