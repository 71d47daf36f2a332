import { useEffect, useRef } from 'react';
import { CHORDS, matchesChord } from '../common/shortcuts';

/** Alt+Q opens the queue monitor (supervisors and administrators; null: no shortcut for this user). */
export function useMonitorShortcut(open: (() => void) | null): void {
  const ref = useRef(open);
  useEffect(() => {
    ref.current = open;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!ref.current || !matchesChord(e, CHORDS.monitor)) return;
      e.preventDefault();
      ref.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
