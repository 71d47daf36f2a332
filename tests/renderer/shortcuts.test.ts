import i18next from 'i18next';
import { describe, expect, it } from 'vitest';
import { loginErrorText } from '../../src/renderer/auth/login-error';
import {
  CHORDS,
  chordLabel,
  matchesChord,
  SHORTCUT_GROUPS,
  SHORTCUTS,
  type Chord,
} from '../../src/renderer/common/shortcuts';
import { en } from '../../src/renderer/i18n/locales/en';
import { zhCN } from '../../src/renderer/i18n/locales/zh-CN';
import { SHORTCUT_KEYS } from '../../src/renderer/softphone/use-phone-shortcuts';

const press = (
  code: string,
  mods: Partial<Record<'altKey' | 'shiftKey' | 'ctrlKey' | 'metaKey', boolean>> = {},
) => ({
  code,
  altKey: false,
  shiftKey: false,
  ctrlKey: false,
  metaKey: false,
  repeat: false,
  isComposing: false,
  ...mods,
});

async function translator() {
  const i = i18next.createInstance();
  await i.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng: 'en' });
  return i;
}

describe('keyboard shortcut table', () => {
  it('lists every chord the hooks listen for, with the keys the tooltips show', () => {
    const listed = SHORTCUTS.flatMap((s) => s.keys);
    for (const chord of Object.values(CHORDS) as Chord[]) expect(listed).toContain(chordLabel(chord));
    expect(SHORTCUT_KEYS).toEqual({
      answer: 'Alt+A',
      hangup: 'Alt+X',
      hold: 'Alt+H',
      mute: 'Alt+M',
      keypad: 'Alt+K',
      dial: 'Alt+P',
    });
    expect(chordLabel(CHORDS.new)).toBe('Alt+N');
    expect(chordLabel(CHORDS.help)).toBe('?');
  });

  it('gives no two window-wide shortcuts the same chord', () => {
    const chords = (Object.values(CHORDS) as Chord[]).map((c) => `${c.alt}:${c.shift}:${c.code}`);
    expect(new Set(chords).size).toBe(chords.length);
  });

  it('describes every shortcut and group in both languages', async () => {
    const i = await translator();
    for (const lng of ['en', 'zh-CN']) {
      await i.changeLanguage(lng);
      for (const s of SHORTCUTS) {
        expect(SHORTCUT_GROUPS).toContain(s.group);
        const key = s.text ?? `shortcuts.do.${s.id}`;
        expect(i.t(key), `${lng} ${s.id}`).not.toBe(key);
      }
      for (const g of SHORTCUT_GROUPS) expect(i.t(`shortcuts.groups.${g}`)).not.toContain('shortcuts.');
    }
  });

  it('opens the list on Shift+/ by physical key, also when an input method turns it into a full-width ？', () => {
    // A Chinese input method reports key '？' (or 'Process'); the code is still the slash key.
    expect(matchesChord({ ...press('Slash', { shiftKey: true }) }, CHORDS.help)).toBe(true);
    expect(matchesChord(press('Slash'), CHORDS.help)).toBe(false); // '/' is search
    expect(matchesChord(press('Slash', { shiftKey: true, ctrlKey: true }), CHORDS.help)).toBe(false);
    expect(matchesChord(press('Slash', { shiftKey: true, altKey: true }), CHORDS.help)).toBe(false);
    expect(matchesChord({ ...press('Slash', { shiftKey: true }), isComposing: true }, CHORDS.help)).toBe(
      false,
    );
    expect(matchesChord(press('KeyA', { altKey: true }), CHORDS.answer)).toBe(true);
    expect(matchesChord(press('KeyA', { altKey: true, shiftKey: true }), CHORDS.answer)).toBe(false);
    expect(matchesChord({ ...press('KeyA', { altKey: true }), repeat: true }, CHORDS.answer)).toBe(false);
  });
});

describe('sign-in failures', () => {
  it('says the user name or password is wrong, and nothing about an ended session', async () => {
    const i = await translator();
    // The server's own code for it, and the one servers before it gave.
    for (const code of ['wrong_credentials', 'unauthenticated']) {
      const body = { code, message: 'Wrong username or password.' } as Parameters<typeof loginErrorText>[1];
      await i.changeLanguage('en');
      const enText = loginErrorText(i.t, body);
      expect(enText.headline).toContain('user name or password is not correct');
      expect(enText.headline).not.toMatch(/session/i);
      expect(enText.detail).toBeNull();
      await i.changeLanguage('zh-CN');
      const zhText = loginErrorText(i.t, body);
      expect(zhText.headline).toContain('用户名或密码不正确');
      expect(zhText.headline).not.toContain('会话');
    }
  });

  it('says how long a throttled sign-in waits, once, and names a server address the desktop may not use', async () => {
    const i = await translator();
    await i.changeLanguage('en');
    const wait = loginErrorText(i.t, {
      code: 'too_many_attempts',
      message: 'Too many failed sign-ins for this user name; try again in 8 seconds.',
      retryAfterSeconds: 8,
    });
    expect(wait.headline).toContain('8 seconds');
    expect(wait.detail).toBeNull();
    const refused = loginErrorText(i.t, {
      code: 'forbidden',
      message: 'This desktop may sign in only to http://127.0.0.1:4000, not http://127.0.0.1:22.',
    });
    expect(refused.headline).toContain('may not sign in to that server address');
    expect(refused.headline).not.toMatch(/permission|supervisor/i);
    expect(refused.detail).toContain('http://127.0.0.1:4000');
    await i.changeLanguage('zh-CN');
    expect(loginErrorText(i.t, { code: 'forbidden', message: 'x' }).headline).toContain(
      '不允许登录到该服务器地址',
    );
  });

  it('keeps the general sentence for other failures, such as an unreachable server', async () => {
    const i = await translator();
    const text = loginErrorText(i.t, { code: 'unavailable', message: 'ECONNREFUSED' });
    expect(text.headline).toContain('Cannot reach the server');
    expect(text.detail).toContain('ECONNREFUSED');
  });
});
