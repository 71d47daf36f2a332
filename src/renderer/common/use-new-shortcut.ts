import { useEffect, useRef } from 'react';
import { CHORDS, matchesChord } from './shortcuts';

/**
 * Alt+N: "new" on the page that is showing (a ticket on the tickets page, a customer on the customers page).
 * The chord is in the shared shortcut table; the softphone's Alt letters avoid N.
 */
export function useNewShortcut(enabled: boolean, onNew: () => void): void {
  const ref = useRef(onNew);
  useEffect(() => {
    ref.current = onNew;
  });
  useEffect(() => {
    if (!enabled) return;
    const onKey = (e: KeyboardEvent) => {
      if (!matchesChord(e, CHORDS.new)) return;
      e.preventDefault();
      ref.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [enabled]);
}
