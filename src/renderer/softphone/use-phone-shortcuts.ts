import { useEffect, useRef } from 'react';

export type PhoneShortcut = 'answer' | 'hangup' | 'hold' | 'mute' | 'keypad' | 'dial';

/**
 * Alt + a letter, matched by physical key (event.code) so the shortcuts work the same with a Chinese input
 * method or another keyboard layout. Letters that Chromium and Electron keep for themselves (Alt+D, E, F)
 * are avoided.
 */
const CODES: Record<PhoneShortcut, string> = {
  answer: 'KeyA',
  hangup: 'KeyX',
  hold: 'KeyH',
  mute: 'KeyM',
  keypad: 'KeyK',
  dial: 'KeyP',
};

export const SHORTCUT_KEYS: Record<PhoneShortcut, string> = {
  answer: 'Alt+A',
  hangup: 'Alt+X',
  hold: 'Alt+H',
  mute: 'Alt+M',
  keypad: 'Alt+K',
  dial: 'Alt+P',
};

/** Window-wide phone shortcuts; they work wherever the focus is, also in a text field. */
export function usePhoneShortcuts(handlers: Partial<Record<PhoneShortcut, () => void>>): void {
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || e.ctrlKey || e.metaKey || e.shiftKey || e.repeat) return;
      const entry = (Object.entries(CODES) as [PhoneShortcut, string][]).find(([, code]) => code === e.code);
      const handler = entry ? ref.current[entry[0]] : undefined;
      if (!handler) return;
      e.preventDefault();
      handler();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
