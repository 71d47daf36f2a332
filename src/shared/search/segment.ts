/**
 * Tokenising for full-text search in Chinese and English.
 *
 * SQLite's FTS5 tokenisers do not split Chinese into words, and a dictionary segmenter alone
 * (Intl.Segmenter) splits differently depending on context: "未到账" becomes "未到|账", so a search for
 * "到账" would miss it. We therefore use Intl.Segmenter to find words and script runs, and index every
 * run of Han characters as overlapping bigrams (the approach of Lucene's CJK analyser): any Chinese
 * substring of two or more characters is then a phrase of bigrams, whatever the segmenter decided.
 * Latin words are indexed whole and matched by prefix. Indexer and query side share this code.
 */
const segmenter = new Intl.Segmenter('zh-CN', { granularity: 'word' });
const HAN = /\p{Script=Han}/u;

function hanBigrams(run: string): string[] {
  const chars = [...run];
  if (chars.length === 1) return chars;
  const out: string[] = [];
  for (let i = 0; i < chars.length - 1; i++) out.push(chars[i]! + chars[i + 1]!);
  // The last character also stands alone, so a one-character query matches every position by prefix.
  out.push(chars[chars.length - 1]!);
  return out;
}

/** Runs of word text: each Han run joined across the segmenter's word breaks, Latin words kept apart. */
function runs(text: string): { han: boolean; text: string }[] {
  const out: { han: boolean; text: string }[] = [];
  let han = '';
  for (const s of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (s.isWordLike && [...s.segment].every((c) => HAN.test(c))) {
      han += s.segment;
      continue;
    }
    if (han) out.push({ han: true, text: han });
    han = '';
    if (s.isWordLike) out.push({ han: false, text: s.segment });
  }
  if (han) out.push({ han: true, text: han });
  return out;
}

/**
 * Text of nothing but ASCII, Han and punctuation: the dictionary segmenter then only tells Han runs from
 * ASCII words, which unicode61 splits again at every non-alphanumeric character anyway, so a regular
 * expression gives the same tokens at a fraction of the cost (it dominated the initial sync).
 */
const SIMPLE = /^(?:\p{ASCII}|\p{Script=Han}|\p{P}|\p{Zs})*$/u;
const SIMPLE_RUN = /\p{Script=Han}+|[a-z0-9]+/gu;

/** Text as it goes into an FTS5 column (unicode61 tokeniser): tokens separated by spaces. */
export function segmentForIndex(text: string): string {
  const normal = text.normalize('NFKC').toLowerCase();
  if (SIMPLE.test(normal)) {
    const out: string[] = [];
    for (const m of normal.matchAll(SIMPLE_RUN)) {
      if (HAN.test(m[0])) out.push(...hanBigrams(m[0]));
      else out.push(m[0]);
    }
    return out.join(' ');
  }
  return runs(text)
    .flatMap((r) => (r.han ? hanBigrams(r.text) : [r.text]))
    .join(' ');
}

const quote = (t: string) => `"${t.replaceAll('"', '""')}"`;

/**
 * An FTS5 MATCH expression for what the user typed: every run must occur; a Han run as a phrase of
 * bigrams, a single Han character or the last Latin word by prefix (search as you type). Everything is
 * quoted, so user input is never read as FTS5 syntax. Null when nothing searchable was typed.
 */
export function ftsQuery(text: string): string | null {
  const rs = runs(text);
  if (rs.length === 0) return null;
  return rs
    .map((r, i) => {
      if (r.han) {
        const chars = [...r.text];
        if (chars.length === 1) return `${quote(r.text)}*`;
        const grams: string[] = [];
        for (let k = 0; k < chars.length - 1; k++) grams.push(chars[k]! + chars[k + 1]!);
        return `"${grams.join(' ')}"`;
      }
      return i === rs.length - 1 ? `${quote(r.text)}*` : quote(r.text);
    })
    .join(' AND ');
}
