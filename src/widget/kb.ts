// Help articles in the widget (issue 13 part 1): the service's public search of published public articles
// (GET /api/public/kb/search, which returns each article's body, so one request serves list and article).
// Article text is drawn through textSegments like chat messages: never parsed as HTML.
import { textSegments } from '../shared/chat/text';
import { fill, type Strings } from './strings';

interface Hit {
  id: string;
  title: string;
  body: string;
}

type El = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, string>,
  ...children: (Node | string)[]
) => HTMLElementTagNameMap[K];

const EXCERPT = 90;
const excerpt = (body: string) => {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT ? `${flat.slice(0, EXCERPT)}…` : flat;
};

export class KbView {
  readonly node: HTMLDivElement;
  private readonly search: HTMLInputElement;
  private readonly status: HTMLParagraphElement;
  private readonly results: HTMLUListElement;
  private readonly article: HTMLDivElement;
  private readonly back: HTMLButtonElement;
  private hits: Hit[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Only the latest query's answer is shown: an older, slower one arriving after it is dropped. */
  private asked = 0;

  constructor(
    private readonly t: Strings['kb'],
    private readonly server: string,
    private readonly lang: 'zh-CN' | 'en',
    el: El,
    private readonly close: () => void,
  ) {
    this.search = el('input', {
      type: 'search',
      maxlength: '200',
      placeholder: t.placeholder,
      'aria-label': t.placeholder,
      'data-testid': 'kb-search',
    });
    this.status = el('p', { class: 'kb-status', role: 'status', 'data-testid': 'kb-status' });
    this.results = el('ul', { class: 'kb-results', 'data-testid': 'kb-results' });
    this.article = el('div', {
      class: 'kb-article',
      hidden: '',
      tabindex: '-1',
      'data-testid': 'kb-article',
    });
    this.back = el('button', { type: 'button', class: 'chip', 'data-testid': 'kb-back' }, `← ${t.back}`);
    this.node = el(
      'div',
      { class: 'kb', hidden: '', role: 'region', 'aria-label': t.title, 'data-testid': 'kb-view' },
      el('div', { class: 'kb-bar' }, this.back, this.search),
      this.status,
      this.results,
      this.article,
    );
    this.search.addEventListener('input', () => {
      clearTimeout(this.timer);
      // Debounced: one request when the visitor pauses, not one per key (the search is rate-limited).
      this.timer = setTimeout(() => void this.run(), 300);
    });
    this.search.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.isComposing) {
        e.preventDefault();
        clearTimeout(this.timer);
        void this.run();
      }
    });
    this.results.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-index]');
      if (b) this.open(this.hits[Number(b.dataset.index)]!, el);
    });
    this.back.addEventListener('click', () => this.goBack());
  }

  show(): void {
    this.node.hidden = false;
    this.search.focus();
  }

  /** From an article back to the results; from the results back to the chat. */
  private goBack(): void {
    if (!this.article.hidden) {
      this.article.hidden = true;
      this.results.hidden = false;
      this.status.hidden = false;
      const b = this.results.querySelector<HTMLButtonElement>(
        `button[data-id="${CSS.escape(this.article.dataset.id ?? '')}"]`,
      );
      (b ?? this.search).focus();
      return;
    }
    this.node.hidden = true;
    this.close();
  }

  private async run(): Promise<void> {
    const q = this.search.value.trim();
    const n = ++this.asked;
    if (!q) {
      this.hits = [];
      this.results.replaceChildren();
      this.status.textContent = '';
      return;
    }
    this.status.textContent = this.t.searching;
    let text = '';
    let hits: Hit[] = [];
    try {
      const url = `${this.server}/api/public/kb/search?q=${encodeURIComponent(q)}&lang=${this.lang}&limit=10`;
      const res = await fetch(url, { headers: { accept: 'application/json' } });
      if (res.status === 429) {
        const wait = Number(res.headers.get('retry-after')) || 10;
        text = fill(this.t.rateLimited, { seconds: wait });
      } else if (!res.ok) text = this.t.failed;
      else hits = ((await res.json()) as { hits: Hit[] }).hits;
    } catch {
      // The service is down or blocks this page (network or CORS): both look the same from here.
      text = this.t.unreachable;
    }
    if (n !== this.asked) return;
    this.hits = hits;
    this.status.dataset.state = text ? 'error' : '';
    this.status.textContent = text || (hits.length ? fill(this.t.found, { n: hits.length }) : this.t.none);
    this.results.replaceChildren(
      ...hits.map((h, i) => {
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'kb-hit';
        b.dataset.index = String(i);
        b.dataset.id = h.id;
        b.setAttribute('data-testid', 'kb-hit');
        const title = document.createElement('strong');
        title.textContent = h.title;
        const ex = document.createElement('span');
        ex.textContent = excerpt(h.body);
        b.append(title, ex);
        const li = document.createElement('li');
        li.append(b);
        return li;
      }),
    );
  }

  private open(h: Hit, el: El): void {
    const body = el('div', { class: 'kb-body', 'data-testid': 'kb-article-body' });
    for (const seg of textSegments(h.body))
      body.append(
        'href' in seg
          ? el('a', { href: seg.href, target: '_blank', rel: 'noopener noreferrer nofollow' }, seg.text)
          : seg.text,
      );
    this.article.dataset.id = h.id;
    this.article.replaceChildren(el('h3', { 'data-testid': 'kb-article-title' }, h.title), body);
    this.results.hidden = true;
    this.status.hidden = true;
    this.article.hidden = false;
    this.article.focus();
  }
}
