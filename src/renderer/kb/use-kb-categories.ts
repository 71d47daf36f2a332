import { useEffect, useState } from 'react';
import type { KbCategory } from '../../shared/kb';
import { getApi } from '../api';

/** The categories, fetched once per screen; none while the server cannot be reached (the lists still work). */
export function useKbCategories(): KbCategory[] {
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
  }, []);
  return categories;
}

export function categoryName(c: KbCategory | undefined, lang: string): string {
  if (!c) return '';
  return lang === 'zh-CN' ? c.nameZh : c.nameEn;
}
