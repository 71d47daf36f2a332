import { useEffect, useRef } from 'react';
import { isEditable } from '../tickets/is-editable';
import { CHORDS, matchesChord } from './shortcuts';

/**
 * "?" (Shift+/ by physical key, so a Chinese input method's full-width ？ counts too) opens the shortcut
 * list; never while the agent is typing in a field, where it is just a question mark.
 */
export function useHelpShortcut(onHelp: () => void): void {
  const ref = useRef(onHelp);
  useEffect(() => {
    ref.current = onHelp;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!matchesChord(e, CHORDS.help) || isEditable(e.target)) return;
      e.preventDefault();
      ref.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
