// What a caller waiting in a queue hears, made on this machine from Debian packages instead of shipped
// recordings: hold music synthesised with sox, and the announcements of position and expected wait spoken by
// espeak-ng in English (voice en) and Mandarin (voice cmn). Kamailio has rtpengine play them (play_media),
// one file at a time, choosing the file by the number the routing service gave. Generated once into a folder
// (the PBX's runtime folder, never committed) and reused while the texts stay the same.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const PROMPTS_MISSING =
  'espeak-ng and sox make the queue announcements and hold music: apt-get install espeak-ng sox';

/** Positions 1..MAX_POSITION have their own announcement; further back, "more than ten". */
export const MAX_POSITION = 10;
/** Expected waits 0..MAX_WAIT_MINUTES (0: less than a minute) have their own; longer, "more than 15". */
export const MAX_WAIT_MINUTES = 15;
/** The key a waiting caller presses to be called back instead (named in the announcements). */
export const CALLBACK_KEY = '1';

const ZH_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];
function zhNumber(n: number): string {
  if (n <= 10) return ZH_DIGITS[n] as string;
  if (n < 20) return `十${ZH_DIGITS[n - 10]}`;
  return String(n);
}

/** Every announcement: file name (without .wav) -> [voice, text]. */
export function promptTexts(): Record<string, [string, string]> {
  const texts: Record<string, [string, string]> = {};
  for (let n = 1; n <= MAX_POSITION; n++) {
    texts[`en/pos-${n}`] = [
      'en',
      n === 1
        ? 'Thank you for waiting. You are next in line.'
        : `Thank you for waiting. You are number ${n} in line.`,
    ];
    texts[`zh/pos-${n}`] = [
      'cmn',
      n === 1 ? '感谢您的耐心等待，下一位就是您。' : `感谢您的耐心等待，您现在排在第${zhNumber(n)}位。`,
    ];
  }
  texts['en/pos-more'] = ['en', `Thank you for waiting. More than ${MAX_POSITION} callers are ahead of you.`];
  texts['zh/pos-more'] = ['cmn', `感谢您的耐心等待，您前面还有超过${zhNumber(MAX_POSITION)}位来电。`];
  for (let m = 0; m <= MAX_WAIT_MINUTES; m++) {
    texts[`en/wait-${m}`] = [
      'en',
      m === 0
        ? 'The expected wait is less than a minute.'
        : `The expected wait is about ${m} minute${m === 1 ? '' : 's'}.`,
    ];
    texts[`zh/wait-${m}`] = [
      'cmn',
      m === 0 ? '预计等待时间不到一分钟。' : `预计等待时间大约${zhNumber(m)}分钟。`,
    ];
  }
  texts['en/wait-more'] = ['en', `The expected wait is more than ${MAX_WAIT_MINUTES} minutes.`];
  texts['zh/wait-more'] = ['cmn', `预计等待时间超过${zhNumber(MAX_WAIT_MINUTES)}分钟。`];
  const key = Number(CALLBACK_KEY);
  texts['en/callback-offer'] = ['en', `To be called back instead of waiting, press ${key}.`];
  texts['zh/callback-offer'] = ['cmn', `如果不想等待，希望我们给您回电，请按${zhNumber(key)}。`];
  texts['en/callback-booked'] = ['en', 'Thank you. We will call you back at this number. Goodbye.'];
  texts['zh/callback-booked'] = ['cmn', '谢谢，我们会按这个号码给您回电。再见。'];
  return texts;
}

/** A calm arpeggio (C major, A minor, F major, G major), 16 s, 8 kHz mono: the hold music. */
const MUSIC_CHORDS = [
  ['C4', 'E4', 'G4', 'C5'],
  ['A3', 'C4', 'E4', 'A4'],
  ['F3', 'A3', 'C4', 'F4'],
  ['G3', 'B3', 'D4', 'G4'],
];

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += String(c)));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'ENOENT' ? new Error(PROMPTS_MISSING) : e),
    );
    child.once('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.trim()}`)),
    );
  });
}

/** Whether espeak-ng and sox are there (checked before the PBX relies on the prompts). */
export function promptToolsInstalled(): boolean {
  return ['espeak-ng', 'sox'].every((cmd) => {
    const probe = spawnSync(cmd, ['--version'], { stdio: 'ignore', timeout: 10_000 });
    return !probe.error && probe.status === 0;
  });
}

/** The queue's media folder: made when missing or made from other texts; returns its absolute path. */
export async function ensureQueuePrompts(dir: string): Promise<string> {
  const root = resolve(dir);
  const texts = promptTexts();
  const stamp = JSON.stringify({ texts, music: MUSIC_CHORDS, version: 2 });
  const stampFile = join(root, 'prompts.json');
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return root;
  mkdirSync(join(root, 'en'), { recursive: true });
  mkdirSync(join(root, 'zh'), { recursive: true });

  // Hold music: each chord as a plucked arpeggio of 4 notes, 1 s per note, with a soft fade.
  const notes = MUSIC_CHORDS.flat();
  const noteArgs = notes.flatMap((note, i) => (i === 0 ? [] : [':']).concat(['synth', '1', 'pluck', note]));
  // sox -n -r 8000 -c 1 -b 16 music.wav synth 1 pluck C4 : synth 1 pluck E4 : ... then gain and fade.
  await run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', join(root, 'music.wav'), ...noteArgs]);
  await run('sox', [
    join(root, 'music.wav'),
    join(root, 'music-hold.wav'),
    'gain',
    '-n',
    '-6',
    'fade',
    '0.05',
  ]);

  const entries = Object.entries(texts);
  const parallel = 4;
  for (let i = 0; i < entries.length; i += parallel) {
    await Promise.all(
      entries
        .slice(i, i + parallel)
        .map(([name, [voice, text]]) =>
          run('espeak-ng', [
            '-v',
            voice,
            '-s',
            voice === 'en' ? '155' : '165',
            '-w',
            join(root, `${name}.wav`),
            text,
          ]),
        ),
    );
  }
  // The confirmation of a booked callback is one file (English, then Mandarin): the PBX plays it once and
  // ends the call when it is over.
  await run('sox', [
    join(root, 'en', 'callback-booked.wav'),
    join(root, 'zh', 'callback-booked.wav'),
    join(root, 'callback-booked.wav'),
  ]);
  writeFileSync(stampFile, stamp);
  return root;
}
