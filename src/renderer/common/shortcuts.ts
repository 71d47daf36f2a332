/**
 * Every keyboard shortcut of the workbench, in one table: the window-wide hooks match their chords from it
 * and the "?" dialog lists it, so a shortcut cannot be added without showing up in the list.
 *
 * Chords are matched by physical key (KeyboardEvent.code), so they work the same with a Chinese input
 * method or another keyboard layout. Letters that Chromium and Electron keep for themselves (Alt+D, E, F)
 * are avoided.
 */

export interface Chord {
  code: string;
  alt?: boolean;
  shift?: boolean;
  /** How the chord is written when it is not simply modifiers + letter (Shift+/ is "?"). */
  label?: string;
}

/** The chords that window-wide hooks listen for. */
export const CHORDS = {
  help: { code: 'Slash', shift: true, label: '?' },
  new: { code: 'KeyN', alt: true },
  answer: { code: 'KeyA', alt: true },
  hangup: { code: 'KeyX', alt: true },
  hold: { code: 'KeyH', alt: true },
  mute: { code: 'KeyM', alt: true },
  keypad: { code: 'KeyK', alt: true },
  dial: { code: 'KeyP', alt: true },
  // Web chat (issue 13, chat desk): a chat offer's Accept and Decline (Alt+A answers calls; Alt+D is Chromium's).
  acceptChat: { code: 'KeyC', alt: true },
  declineChat: { code: 'KeyC', alt: true, shift: true },
  // Supervisors (issue 14, desk): the queue monitor.
  monitor: { code: 'KeyQ', alt: true },
  // Suggested answers (issue 15, answers helper): the draft into the reply editor.
  insertAnswer: { code: 'KeyI', alt: true },
} as const satisfies Record<string, Chord>;

export type ChordId = keyof typeof CHORDS;

/** "Alt+A", "?": how a chord is written in tooltips and in the shortcut list. */
export function chordLabel(chord: Chord): string {
  if (chord.label) return chord.label;
  const key = chord.code.replace(/^(Key|Digit)/, '');
  return [chord.alt ? 'Alt' : null, chord.shift ? 'Shift' : null, key].filter(Boolean).join('+');
}

/** Whether a key press is exactly this chord: no extra modifier, no auto-repeat, no input-method composition. */
export function matchesChord(
  e: Pick<KeyboardEvent, 'code' | 'altKey' | 'shiftKey' | 'ctrlKey' | 'metaKey' | 'repeat' | 'isComposing'>,
  chord: Chord,
): boolean {
  return (
    e.code === chord.code &&
    e.altKey === !!chord.alt &&
    e.shiftKey === !!chord.shift &&
    !e.ctrlKey &&
    !e.metaKey &&
    !e.repeat &&
    !e.isComposing
  );
}

export type ShortcutGroup = 'general' | 'lists' | 'editing' | 'phone';

export interface ShortcutEntry {
  /** Its description is `shortcuts.do.<id>` in the locale files, unless `text` names another key. */
  id: string;
  text?: string;
  group: ShortcutGroup;
  /** Each item is one way of pressing it ("↓" or "J"). */
  keys: readonly string[];
}

const chord = (id: ChordId, group: ShortcutGroup): ShortcutEntry => ({
  id,
  group,
  keys: [chordLabel(CHORDS[id])],
});

/**
 * What the "?" dialog shows, in this order. Keys handled inside one component (the list's arrows, a field's
 * Enter) are written here by hand; the window-wide chords come from CHORDS.
 */
export const SHORTCUTS: readonly ShortcutEntry[] = [
  chord('help', 'general'),
  chord('new', 'general'),
  { id: 'search', group: 'general', keys: ['/'] },
  { id: 'close', group: 'general', keys: ['Esc'] },
  { id: 'next', group: 'lists', keys: ['↓', 'J'] },
  { id: 'previous', group: 'lists', keys: ['↑', 'K'] },
  { id: 'open', group: 'lists', keys: ['Enter'] },
  { id: 'leaveSearch', group: 'lists', keys: ['Esc'] },
  { id: 'check', group: 'lists', keys: ['X'] },
  { id: 'uncheckAll', group: 'lists', keys: ['Esc'] },
  { id: 'send', group: 'editing', keys: ['Ctrl+Enter'] },
  { id: 'saveDialog', group: 'editing', keys: ['Ctrl+Enter'] },
  { id: 'saveSubject', group: 'editing', keys: ['Enter'] },
  { id: 'undoSubject', group: 'editing', keys: ['Esc'] },
  { id: 'dialNumber', group: 'editing', keys: ['Enter'] },
  chord('answer', 'phone'),
  chord('hangup', 'phone'),
  chord('hold', 'phone'),
  chord('mute', 'phone'),
  chord('keypad', 'phone'),
  chord('dial', 'phone'),
  { id: 'tones', group: 'phone', keys: ['0–9', '*', '#'] },
  // Web chat (issue 13, chat desk).
  { ...chord('acceptChat', 'general'), text: 'chat.shortcuts.accept' },
  { ...chord('declineChat', 'general'), text: 'chat.shortcuts.decline' },
  { id: 'chatSend', group: 'editing', keys: ['Enter'], text: 'chat.shortcuts.send' },
  { id: 'chatCanned', group: 'editing', keys: ['/'], text: 'chat.shortcuts.canned' },
  // Supervisors (issue 14, desk): the monitor, and the keys of its agents table.
  { ...chord('monitor', 'general'), text: 'supervisor.shortcuts.open' },
  { id: 'monitorAgent', group: 'lists', keys: ['Enter'], text: 'supervisor.shortcuts.agent' },
  { id: 'monitorBreak', group: 'lists', keys: ['B'], text: 'supervisor.shortcuts.break' },
  { id: 'monitorOffline', group: 'lists', keys: ['O'], text: 'supervisor.shortcuts.offline' },
  { id: 'monitorAvailable', group: 'lists', keys: ['V'], text: 'supervisor.shortcuts.available' },
  { id: 'monitorMessage', group: 'lists', keys: ['M'], text: 'supervisor.shortcuts.message' },
  // Suggested answers (issue 15, answers helper).
  { ...chord('insertAnswer', 'editing'), text: 'answers.shortcut' },
];

export const SHORTCUT_GROUPS: readonly ShortcutGroup[] = ['general', 'lists', 'editing', 'phone'];
