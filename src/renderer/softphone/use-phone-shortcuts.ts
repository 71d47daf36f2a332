import { useEffect, useRef } from 'react';
import { CHORDS, chordLabel, matchesChord } from '../common/shortcuts';

export type PhoneShortcut = 'answer' | 'hangup' | 'hold' | 'mute' | 'keypad' | 'dial';

const PHONE: readonly PhoneShortcut[] = ['answer', 'hangup', 'hold', 'mute', 'keypad', 'dial'];

/** "Alt+A" and so on, for tooltips; the chords themselves live in the shared shortcut table. */
export const SHORTCUT_KEYS = Object.fromEntries(PHONE.map((id) => [id, chordLabel(CHORDS[id])])) as Record<
  PhoneShortcut,
  string
>;

/** Window-wide phone shortcuts; they work wherever the focus is, also in a text field. */
export function usePhoneShortcuts(handlers: Partial<Record<PhoneShortcut, () => void>>): void {
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const id = PHONE.find((p) => matchesChord(e, CHORDS[p]));
      const handler = id ? ref.current[id] : undefined;
      if (!handler) return;
      e.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
