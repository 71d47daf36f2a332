import { useEffect, useRef } from 'react';

/**
 * Alt+N: "new" on the page that is showing (a ticket on the tickets page, a customer on the customers page).
 * Matched by physical key, so it works with a Chinese input method too; the softphone's Alt letters avoid N.
 */
export function useNewShortcut(enabled: boolean, onNew: () => void): void {
  const ref = useRef(onNew);
  useEffect(() => {
    ref.current = onNew;
  });
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.repeat || e.code !== 'KeyN') return;
      e.preventDefault();
      ref.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
