import { stemmer } from 'stemmer';

/**
 * The triage model's features (issue 15), pure TypeScript so the central service and the desktop host (which
 * triages tickets made offline) turn a contact into the same features. Chinese word segmentation is native
 * (jieba) and so is injected: Node callers pass `(t) => Jieba.withDict(dict).cut(t, false)`.
 *
 * A contact gives:
 * - `w:` words: Chinese words from the cutter, English words Porter-stemmed (refunded, refunds -> refund);
 * - `b:` neighbouring word pairs inside one clause ("not work", "扣 两次"), which carry negation and "twice";
 * - `h:` Han character n-grams over each run of Chinese text, across the cutter's word boundaries, so a wrong
 *   segmentation or a wrong character (登陆 for 登录) still shares most features with the right one;
 * - `g:` Latin character n-grams inside each word with its boundaries (`<refnd>`), for misspellings;
 * - `ch:` the channel (a phone line is an agent's note, an email is longer and calmer);
 * - `s:` the shape of the text: exclamation marks, repeated question marks, words in capitals, its length.
 *   These are cues of urgency the lower-casing would otherwise erase.
 * - `c:` cue families of urgency (danger, legal threat, time pressure, business hit, repeated contact, anger,
 *   fraud, a plain question): each family one feature, so a cue word the training lines never used still counts
 *   as its family's words do (the lists are general wording, written apart from any data).
 *
 * Each feature names the words of the text it came from (`sources`), so a prediction can say which words of
 * the contact pushed it ("why"): a character n-gram counts for the word it starts in.
 */
export type WordCutter = (text: string) => string[];

export interface TriageFeatureOptions {
  /** Han n-gram lengths, inclusive. */
  hanMin: number;
  hanMax: number;
  /** Latin n-gram lengths inside a word (with its `<` `>` boundaries), inclusive; 0 turns them off. */
  latinMin: number;
  latinMax: number;
  /** Neighbouring word pairs. */
  bigrams: boolean;
}

export const DEFAULT_FEATURE_OPTIONS: TriageFeatureOptions = {
  hanMin: 1,
  hanMax: 3,
  latinMin: 3,
  latinMax: 5,
  bigrams: true,
};

export interface TriageFeatures {
  /** Feature names, repeated as often as they occur. */
  features: string[];
  /** For each feature, the words of the text (lower-cased, NFKC) it came from; empty for channel and shape. */
  sources: string[][];
}

/**
 * A few words that say nothing about department, category, priority or self-service. Question words (how,
 * 怎么, 如何) stay: they are what a how-to question looks like.
 */
const EN_STOP = new Set(
  'a an the and or of to in on at for is are was were be been am it its this that these those i me my we our you your he she they them their s t d ll m re ve hi hello dear'.split(
    ' ',
  ),
);
const ZH_STOP = new Set(
  '的 了 和 与 及 是 在 吗 呢 吧 啊 呀 哦 嗯 我 你 您 他 她 我们 你们 这 那 个 就 也 都 又 还'.split(' '),
);

const HAN = /\p{Script=Han}/u;
const HAN_RUN = /\p{Script=Han}+/gu;
const LATIN_WORD = /^[\p{Script=Latin}\d]+$/u;
const ALPHA = /^[a-z]+$/;
const WORD_CHAR = /[\p{L}\p{N}]/u;
/** Anything that ends a clause: a pair of words across it is not a phrase. */
const CLAUSE_BREAK = /[.,;:!?。，、；：！？\n\r()[\]{}"“”'‘’…~～—-]/u;
/** A shouted word (four capitals or more: APP or VAT alone is not shouting). */
const CAPS_WORD = /\b[A-Z]{4,}\b/;

/** Urgency cue families: English stems (Porter) and Chinese strings. */
const CUES: Record<string, { en: string[]; zh: string[] }> = {
  danger: {
    en: 'fire smoke burning spark shock electrocuted exploded explosion swelling swollen leaking gas hazard dangerous injured hurt overheating melted'.split(
      ' ',
    ),
    zh: '着火 起火 冒烟 烧焦 火花 触电 被电 漏电 爆炸 鼓包 漏水 漏气 危险 受伤 烫 发烫 烧了'.split(' '),
  },
  legal: {
    en: 'lawyer attorney court sue lawsuit legal regulator ombudsman media journalist press complaint'.split(
      ' ',
    ),
    zh: '律师 法院 起诉 诉讼 法律 工信部 12315 消协 消费者协会 媒体 曝光 记者 投诉 举报 监管'.split(' '),
  },
  deadline: {
    en: 'urgent urgently asap immediately now today tonight deadline hours minutes tomorrow emergency'.split(
      ' ',
    ),
    zh: '紧急 急 马上 立刻 立即 今天 今晚 尽快 赶紧 赶快 明天 小时 火速 十万火急 刻不容缓'.split(' '),
  },
  business: {
    en: 'business shop restaurant store customers office meeting client company clinic hospital patient'.split(
      ' ',
    ),
    zh: '公司 门店 店里 营业 生意 客户 会议 上班 办公 医院 病人 收银 开店'.split(' '),
  },
  repeat: {
    en: 'again third second still week nobody never repeatedly multiple'.split(' '),
    zh: '又 再次 第三次 第二次 还是 好几次 多次 几次 一个星期 一周 几天了 没人'.split(' '),
  },
  anger: {
    en: 'ridiculous unacceptable terrible worst angry scam cheated disgusting useless furious joke'.split(
      ' ',
    ),
    zh: '骗 垃圾 气死 离谱 坑 无语 忍无可忍 太差 恶心 什么破 搞什么'.split(' '),
  },
  fraud: {
    en: 'fraud unauthorized stolen hacked scam suspicious'.split(' '),
    zh: '盗刷 被盗 盗号 诈骗 陌生 异地登录 被扣光'.split(' '),
  },
  question: {
    en: 'how can could possible what which wondering'.split(' '),
    zh: '怎么 如何 能不能 可以吗 请问 多少钱 哪里 是否 有没有 想问 想了解 咨询'.split(' '),
  },
};
const CUE_BY_STEM = new Map<string, string>();
for (const [family, { en }] of Object.entries(CUES))
  for (const word of en) CUE_BY_STEM.set(stemmer(word), family);

interface Word {
  surface: string;
  /** The word feature, or null for a stop word. */
  term: string | null;
  start: number;
  end: number;
  han: boolean;
  /** The Porter stem of a Latin word of letters. */
  stem?: string;
}

/** The tokenizer; `cut` segments Chinese (and returns the other characters too, as jieba does). */
export function makeTriageTokenizer(
  cut: WordCutter,
  options: TriageFeatureOptions = DEFAULT_FEATURE_OPTIONS,
): (text: string, channel?: string) => TriageFeatures {
  return (text, channel) => {
    const normal = text.normalize('NFKC');
    const s = normal.toLowerCase();
    const features: string[] = [];
    const sources: string[][] = [];
    const add = (f: string, src: string[]): void => {
      features.push(f);
      sources.push(src);
    };

    // The cutter's pieces, placed back on the text (a cutter may drop spaces; find each piece from the last).
    const words: Word[] = [];
    const breaks: number[] = [];
    let cursor = 0;
    for (const raw of cut(s)) {
      const at = s.indexOf(raw, cursor);
      if (at < 0 || raw.length === 0) continue;
      cursor = at + raw.length;
      const piece = raw.trim();
      if (!piece) continue;
      if (!WORD_CHAR.test(piece)) {
        if (CLAUSE_BREAK.test(piece)) breaks.push(words.length);
        continue;
      }
      const han = HAN.test(piece);
      const stem = !han && ALPHA.test(piece) ? stemmer(piece) : undefined;
      let term: string | null;
      if (han) term = ZH_STOP.has(piece) ? null : piece;
      else if (LATIN_WORD.test(piece)) term = EN_STOP.has(piece) ? null : (stem ?? piece);
      else term = piece;
      words.push({ surface: piece, term, start: at, end: at + raw.length, han, stem });
    }

    const breakSet = new Set(breaks);
    let prev: Word | null = null;
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      if (breakSet.has(i)) prev = null;
      if (w.term === null) {
        // A stop word keeps its place: "not the app" still pairs "not" with nothing across it.
        prev = null;
        continue;
      }
      add(`w:${w.term}`, [w.surface]);
      if (options.bigrams && prev !== null) add(`b:${prev.term} ${w.term}`, [prev.surface, w.surface]);
      prev = w;
      if (!w.han && options.latinMin > 0 && w.surface.length >= 3 && ALPHA.test(w.surface)) {
        const padded = `<${w.surface}>`;
        for (let n = options.latinMin; n <= options.latinMax; n++) {
          for (let k = 0; k + n <= padded.length; k++) add(`g:${padded.slice(k, k + n)}`, [w.surface]);
        }
      }
    }

    // Han n-grams over whole runs of Chinese, each credited to the word it starts in.
    const ownerAt: (string | undefined)[] = new Array<string | undefined>(s.length);
    for (const w of words) for (let i = w.start; i < w.end; i++) ownerAt[i] = w.surface;
    const owner = (pos: number): string => ownerAt[pos] ?? s.charAt(pos);
    for (const m of s.matchAll(HAN_RUN)) {
      const run = m[0];
      const base = m.index;
      for (let n = options.hanMin; n <= options.hanMax; n++) {
        for (let k = 0; k + n <= run.length; k++) {
          const gram = run.slice(k, k + n);
          if (n === 1 && ZH_STOP.has(gram)) continue;
          add(`h:${gram}`, [owner(base + k)]);
        }
      }
    }

    // Cue families: an English word by its stem, Chinese by the string anywhere in the text.
    for (const w of words) {
      if (w.stem === undefined) continue;
      const family = CUE_BY_STEM.get(w.stem);
      if (family) add(`c:${family}`, [w.surface]);
    }
    for (const [family, { zh }] of Object.entries(CUES)) {
      for (const cue of zh) {
        let at = s.indexOf(cue);
        while (at >= 0) {
          add(`c:${family}`, [cue]);
          at = s.indexOf(cue, at + cue.length);
        }
      }
    }

    if (channel) add(`ch:${channel}`, []);
    const bangs = (normal.match(/[!！]/g) ?? []).length;
    if (bangs > 0) add('s:bang', []);
    if (bangs > 2) add('s:bangs', []);
    if ((normal.match(/[?？]/g) ?? []).length > 1) add('s:questions', []);
    if (CAPS_WORD.test(normal)) add('s:caps', []);
    const length = [...normal].length;
    add(length < 40 ? 's:short' : length < 160 ? 's:medium' : 's:long', []);
    return { features, sources };
  };
}
