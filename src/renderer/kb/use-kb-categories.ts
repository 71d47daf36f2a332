import { useEffect, useState } from 'react';
import type { KbCategory } from '../../shared/kb';
import { getApi } from '../api';

/**
 * The categories, fetched once per screen and again when `generation` changes (after the categories dialog
 * changed some); none while the server cannot be reached (the lists still work).
 */
export function useKbCategories(generation = 0): KbCategory[] {
  const [categories, setCategories] = useState<KbCategory[]>([]);
  useEffect(() => {
    let live = true;
    getApi()
      .invoke('kb.categories', {})
      .then((c) => live && setCategories(c))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [generation]);
  return categories;
}

export function categoryName(c: KbCategory | undefined, lang: string): string {
  if (!c) return '';
  return lang === 'zh-CN' ? c.nameZh : c.nameEn;
}
