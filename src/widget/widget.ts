import {
  CHAT_MAX_EMAIL,
  CHAT_MAX_NAME,
  CHAT_MAX_PHONE,
  CHAT_MAX_TEXT,
  CHAT_FILE_MAX_BYTES,
  CHAT_FILE_TYPES,
  CHAT_FILES_PATH,
  CHAT_VISITOR_SOCKET_PATH,
  ChatCloseCode,
} from '../shared/chat/limits';
import type {
  ChatAttachmentRef,
  ChatErrorCode,
  ChatMessage,
  ChatSessionView,
  ServerFrame,
  VisitorFrame,
} from '../shared/chat/protocol';
import { textSegments } from '../shared/chat/text';
import { en, fill, zh, type Strings } from './strings';
import { KbView } from './kb';
import { STYLE } from './style';

export interface WidgetConfig {
  /** The service's origin (where widget.js came from). */
  server: string;
  site: string;
  language: 'zh-CN' | 'en';
}

/** A message the visitor wrote that the server has not acknowledged yet: kept across reloads until it is. */
interface Pending {
  clientId: string;
  text: string;
  /** When written (ms): tabs' queues merge in the order the visitor wrote. */
  at?: number;
  failed?: string;
  /** Files already uploaded (the server keeps them); the message carries their ids. */
  files?: ChatAttachmentRef[];
}

interface Saved {
  token?: string;
  outbox: Pending[];
  /** The name of a file being uploaded: found at the next load, it was cut off by a reload and is said so. */
  uploading?: string;
  /** Reports (issue 14): the ended chat the visitor rated (the prompt is not shown for it again). */
  rated?: string;
}

const MB = Math.round(CHAT_FILE_MAX_BYTES / 1024 / 1024);
const sizeText = (n: number) =>
  n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${Math.round(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`;

const el = <K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  // Strings become text nodes: nothing a visitor or agent wrote is ever parsed as HTML.
  e.append(...children);
  return e;
};

/** A speech bubble drawn, not an emoji: pages and systems without an emoji font show it all the same. */
function bubbleIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '20');
  svg.setAttribute('height', '20');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute('d', 'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z');
  svg.append(path);
  return svg;
}

/** A paperclip drawn, like the bubble: no emoji font needed. */
function clipIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '16');
  svg.setAttribute('height', '16');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('fill', 'currentColor');
  path.setAttribute(
    'd',
    'M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6h-1.5z',
  );
  svg.append(path);
  return svg;
}

const newId = (): string =>
  typeof crypto !== 'undefined' && 'randomUUID' in crypto
    ? crypto.randomUUID()
    : `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

/**
 * The chat widget: a launcher button and a panel in a shadow root, talking to the service's visitor socket.
 * Everything the visitor writes goes to an outbox in localStorage first and leaves it only when the server
 * acknowledges it, so a reload or a lost network loses nothing; a reconnect resends the outbox (the server
 * stores each client id once) and replays the messages after the last one shown.
 */
export class ChatWidget {
  private readonly t: Strings;
  private readonly storageKey: string;
  private saved: Saved;
  /** Client ids this tab saw stored: never taken back into the outbox from another tab's copy. */
  private readonly done = new Set<string>();
  private ws: WebSocket | null = null;
  private online = false;
  private everOnline = false;
  private stopped = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private session: ChatSessionView | null = null;
  private messages = new Map<string, ChatMessage>();
  private identity = { name: '', phone: '', email: '' };
  private typingSent = 0;
  private typingIdle: ReturnType<typeof setTimeout> | undefined;
  private theirTyping: ReturnType<typeof setTimeout> | undefined;
  private readSent = 0;
  private deliveredSent = 0;

  // The DOM.
  private readonly root: HTMLDivElement;
  private readonly launcher: HTMLButtonElement;
  private readonly panel: HTMLDivElement;
  private readonly stateLine: HTMLSpanElement;
  private readonly notice: HTMLParagraphElement;
  private readonly errorLine: HTMLParagraphElement;
  private readonly list: HTMLOListElement;
  private readonly typing: HTMLParagraphElement;
  private readonly live: HTMLDivElement;
  private readonly personButton: HTMLButtonElement;
  private readonly detailsButton: HTMLButtonElement;
  private readonly detailsForm: HTMLFormElement;
  private readonly savedLine: HTMLParagraphElement;
  private readonly input: HTMLTextAreaElement;
  // Chat files.
  private readonly attachButton: HTMLButtonElement;
  private readonly fileInput: HTMLInputElement;
  private readonly progress: HTMLParagraphElement;
  private uploadXhr: XMLHttpRequest | null = null;
  private leaving = false;
  private readonly chatBody: HTMLDivElement;
  private readonly kbButton: HTMLButtonElement;
  private readonly kb: KbView;
  // Reports (issue 14): the 1-5 rating asked when a chat has ended.
  private readonly rating: HTMLDivElement;
  private readonly ratingLine: HTMLParagraphElement;
  private ratingSending = false;

  constructor(
    private readonly config: WidgetConfig,
    host: HTMLElement,
  ) {
    this.t = config.language === 'zh-CN' ? zh : en;
    this.storageKey = `switchboard-chat:${config.server}:${config.site}`;
    this.saved = this.load();
    const t = this.t;
    const shadow = host.attachShadow({ mode: 'open' });
    shadow.append(el('style', {}, STYLE));
    this.root = el('div', { class: 'root', lang: config.language, 'data-testid': 'chat-widget' });

    this.launcher = el('button', {
      type: 'button',
      class: 'launcher',
      'aria-expanded': 'false',
      'aria-controls': 'sb-chat-panel',
      'data-testid': 'chat-launcher',
    });
    this.launcher.append(bubbleIcon(), t.launcher);

    this.stateLine = el('span', { class: 'state', 'data-testid': 'chat-state' });
    const close = el(
      'button',
      { type: 'button', class: 'icon', 'aria-label': t.close, 'data-testid': 'chat-close' },
      '×',
    );
    const title = el('h2', { id: 'sb-chat-title' }, t.title, this.stateLine);
    this.notice = el('p', {
      class: 'notice',
      role: 'status',
      hidden: '',
      'data-testid': 'chat-reconnecting',
    });
    this.errorLine = el('p', {
      class: 'notice error',
      role: 'alert',
      hidden: '',
      'data-testid': 'chat-error',
    });
    this.list = el('ol', {
      class: 'list',
      'aria-label': t.messages,
      'data-testid': 'chat-messages',
      tabindex: '0',
    });
    this.typing = el('p', { class: 'typing', 'aria-live': 'polite', 'data-testid': 'chat-typing' });
    // New messages from the other side are announced here, once each (the list is redrawn, not announced).
    this.live = el('div', { class: 'sr', 'aria-live': 'polite' });

    this.personButton = el(
      'button',
      { type: 'button', class: 'chip', 'data-testid': 'chat-person' },
      t.person,
    );
    this.detailsButton = el(
      'button',
      {
        type: 'button',
        class: 'chip',
        'aria-expanded': 'false',
        'aria-controls': 'sb-chat-details',
        'data-testid': 'chat-details-toggle',
      },
      t.details,
    );
    this.kbButton = el('button', { type: 'button', class: 'chip', 'data-testid': 'kb-open' }, t.kb.open);
    const field = (name: 'name' | 'phone' | 'email', type: string, max: number, autocomplete: string) =>
      el(
        'label',
        {},
        t[name],
        el('input', { name, type, maxlength: String(max), autocomplete, 'data-testid': `chat-${name}` }),
      );
    this.detailsForm = el(
      'form',
      { class: 'details', id: 'sb-chat-details', hidden: '', 'data-testid': 'chat-details' },
      el('p', { class: 'hint' }, t.detailsHint),
      field('name', 'text', CHAT_MAX_NAME, 'name'),
      field('phone', 'tel', CHAT_MAX_PHONE, 'tel'),
      field('email', 'email', CHAT_MAX_EMAIL, 'email'),
      el('button', { type: 'submit', class: 'chip', 'data-testid': 'chat-details-save' }, t.save),
    );
    this.savedLine = el('p', {
      class: 'saved',
      role: 'status',
      hidden: '',
      'data-testid': 'chat-details-saved',
    });
    this.input = el('textarea', {
      rows: '1',
      maxlength: String(CHAT_MAX_TEXT),
      placeholder: t.placeholder,
      'aria-label': t.placeholder,
      'data-testid': 'chat-input',
    });
    // Chat files: a real button (keyboard reachable) opening a hidden file input; the limits are shown up front.
    this.fileInput = el('input', {
      type: 'file',
      hidden: '',
      accept: Object.entries(CHAT_FILE_TYPES)
        .flatMap(([type, ends]) => [type, ...ends])
        .join(','),
      'data-testid': 'chat-file-input',
    });
    this.attachButton = el(
      'button',
      {
        type: 'button',
        class: 'attach',
        'aria-label': t.attach,
        title: t.attach,
        'data-testid': 'chat-attach',
      },
      '+',
    );
    this.progress = el('p', { class: 'progress', role: 'status', hidden: '', 'data-testid': 'chat-upload' });
    const compose = el(
      'form',
      { class: 'compose' },
      this.attachButton,
      this.fileInput,
      this.input,
      el('button', { type: 'submit', class: 'send', 'data-testid': 'chat-send' }, t.send),
    );
    const limits = el(
      'p',
      { class: 'limits', 'data-testid': 'chat-file-limits' },
      fill(t.fileLimits, { mb: MB }),
    );
    this.panel = el(
      'div',
      {
        class: 'panel',
        id: 'sb-chat-panel',
        role: 'dialog',
        'aria-labelledby': 'sb-chat-title',
        hidden: '',
        'data-testid': 'chat-panel',
      },
      el('div', { class: 'head' }, title, close),
      this.notice,
      this.errorLine,
    );
    // Reports (issue 14): once the chat has ended, how satisfied the visitor was (1-5), asked once per chat.
    this.ratingLine = el('p', { class: 'rating-line', role: 'status', 'data-testid': 'chat-rating-status' });
    this.rating = el(
      'div',
      { class: 'rating', hidden: '', 'data-testid': 'chat-rating' },
      el('p', { class: 'rating-ask', id: 'sb-chat-rate' }, t.rate.ask),
      el(
        'div',
        { class: 'rating-scores', role: 'group', 'aria-labelledby': 'sb-chat-rate' },
        ...[1, 2, 3, 4, 5].map((n) => {
          const b = el(
            'button',
            {
              type: 'button',
              class: 'score',
              'aria-label': fill(t.rate.score, { n }),
              'data-score': String(n),
            },
            String(n),
          );
          b.addEventListener('click', () => this.rate(n));
          return b;
        }),
      ),
      el('p', { class: 'rating-hint' }, t.rate.hint),
      this.ratingLine,
    );
    // The chat and the help articles share the panel: one is shown at a time, the chat keeps running.
    this.chatBody = el(
      'div',
      { class: 'body' },
      this.list,
      this.typing,
      this.rating,
      el('div', { class: 'actions' }, this.personButton, this.kbButton, this.detailsButton),
      this.detailsForm,
      this.savedLine,
      this.progress,
      compose,
      limits,
    );
    const kb = (this.kb = new KbView(t.kb, config.server, config.language, el, () => {
      this.chatBody.hidden = false;
      this.kbButton.focus();
    }));
    this.panel.append(this.chatBody, kb.node, this.live);
    this.kbButton.addEventListener('click', () => {
      this.chatBody.hidden = true;
      kb.show();
    });
    this.root.append(this.panel, this.launcher);
    shadow.append(this.root);

    this.launcher.addEventListener('click', () => this.toggle());
    close.addEventListener('click', () => this.toggle(false));
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        this.toggle(false);
      }
    });
    compose.addEventListener('submit', (e) => {
      e.preventDefault();
      this.submit();
    });
    this.input.addEventListener('keydown', (e) => {
      // Enter sends; Shift+Enter is a new line; an IME composing Chinese keeps its Enter.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
        e.preventDefault();
        this.submit();
      }
    });
    this.input.addEventListener('input', () => this.typed());
    this.personButton.addEventListener('click', () => this.frame({ type: 'handoff' }));
    this.detailsButton.addEventListener('click', () => {
      const open = this.detailsForm.hidden;
      this.detailsForm.hidden = !open;
      this.detailsButton.setAttribute('aria-expanded', String(open));
      if (open) (this.detailsForm.querySelector('input') as HTMLInputElement).focus();
    });
    this.detailsForm.addEventListener('submit', (e) => {
      e.preventDefault();
      const value = (n: string) => (this.detailsForm.elements.namedItem(n) as HTMLInputElement).value.trim();
      this.frame({
        type: 'identify',
        identity: { name: value('name'), phone: value('phone'), email: value('email') },
      });
      this.detailsForm.hidden = true;
      this.detailsButton.setAttribute('aria-expanded', 'false');
      this.detailsButton.focus();
      this.savedLine.textContent = this.t.saved;
      this.savedLine.hidden = false;
    });
    this.attachButton.addEventListener('click', () => this.fileInput.click());
    this.fileInput.addEventListener('change', () => {
      const f = this.fileInput.files?.[0];
      this.fileInput.value = '';
      if (f) this.upload(f);
    });
    this.list.addEventListener('click', (e) => {
      const b = (e.target as HTMLElement).closest<HTMLButtonElement>('button[data-file-id]');
      if (b) void this.download(b.dataset.fileId!, b.dataset.fileName ?? 'file');
    });
    document.addEventListener('visibilitychange', () => this.markRead());
    window.addEventListener('pagehide', () => (this.leaving = true));
    window.addEventListener('pageshow', () => (this.leaving = false));
    if (this.saved.uploading) {
      // A reload cut an upload off: nothing was sent, and the visitor is told rather than left guessing. Said in
      // the upload line (not the error line, which the connection's welcome clears) until the next upload.
      this.progress.textContent = fill(t.uploadLost, { name: this.saved.uploading });
      this.progress.dataset.state = 'lost';
      this.progress.hidden = false;
      this.saved.uploading = undefined;
      this.save();
    }
    this.render();
    this.connect();
  }

  // ------------------------------------------------------------ storage

  private load(): Saved {
    try {
      const raw = localStorage.getItem(this.storageKey);
      const s = raw ? (JSON.parse(raw) as Partial<Saved>) : {};
      return {
        token: typeof s.token === 'string' ? s.token : undefined,
        outbox: Array.isArray(s.outbox) ? s.outbox : [],
        uploading: typeof s.uploading === 'string' ? s.uploading : undefined,
        rated: typeof s.rated === 'string' ? s.rated : undefined,
      };
    } catch {
      // Storage off (private mode, blocked): the chat still works for this page's life.
      return { outbox: [] };
    }
  }

  /**
   * Writes the outbox, merged with what other tabs of the site wrote since: a message another tab queued stays
   * queued until some tab sees it stored (every tab of a visitor gets the others' messages).
   */
  private save(): void {
    try {
      const theirs = this.load();
      const mine = new Set(this.saved.outbox.map((p) => p.clientId));
      const stored = new Set([...this.messages.values()].map((m) => m.clientId));
      for (const p of theirs.outbox)
        if (!mine.has(p.clientId) && !stored.has(p.clientId) && !this.done.has(p.clientId))
          this.saved.outbox.push(p);
      this.saved.outbox.sort((x, y) => (x.at ?? 0) - (y.at ?? 0));
      localStorage.setItem(this.storageKey, JSON.stringify(this.saved));
    } catch {
      // As above.
    }
  }

  // ------------------------------------------------------------ connection

  private connect(): void {
    if (this.stopped) return;
    const url = `${this.config.server.replace(/^http/, 'ws')}${CHAT_VISITOR_SOCKET_PATH}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      return this.retry();
    }
    this.ws = ws;
    ws.onopen = () => {
      const since = this.lastSeq();
      this.send({
        type: 'hello',
        site: this.config.site,
        ...(this.saved.token && { token: this.saved.token }),
        since,
        ...(this.session && since > 0 && { sessionId: this.session.id }),
        language: this.config.language,
      });
    };
    ws.onmessage = (e) => {
      try {
        this.onFrame(JSON.parse(String(e.data)) as ServerFrame);
      } catch {
        // A frame this version does not understand is skipped.
      }
    };
    ws.onclose = (e) => {
      this.ws = null;
      this.online = false;
      if (e.code === ChatCloseCode.unauthenticated) {
        // The server does not know this token: start as a new visitor, keeping the unsent messages.
        this.saved.token = undefined;
        this.save();
        this.session = null;
        this.messages.clear();
        this.attempt = 0;
      }
      if (e.code === ChatCloseCode.refused) {
        this.stopped = true;
        this.render();
        return;
      }
      this.render();
      this.retry();
    };
  }

  private retry(seconds?: number): void {
    clearTimeout(this.retryTimer);
    // 0.5 s, 1 s, 2 s ... up to 15 s, jittered so a server restart is not met by every widget at once.
    const base = seconds !== undefined ? seconds * 1000 : Math.min(15_000, 500 * 2 ** this.attempt);
    this.attempt++;
    this.retryTimer = setTimeout(() => this.connect(), base * (0.75 + Math.random() * 0.5));
  }

  private send(frame: VisitorFrame): boolean {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /** A frame that needs the hello done first (everything but hello). */
  private frame(frame: VisitorFrame): void {
    if (this.online) this.send(frame);
  }

  private onFrame(f: ServerFrame): void {
    switch (f.type) {
      case 'welcome': {
        this.online = true;
        this.everOnline = true;
        this.attempt = 0;
        if (f.token) {
          this.saved.token = f.token;
          this.save();
        }
        for (const [id, m] of this.messages) if (m.sessionId !== f.session?.id) this.messages.delete(id);
        this.session = f.session;
        for (const m of f.messages) this.messages.set(m.id, m);
        this.identity = {
          name: f.identity.name ?? '',
          phone: f.identity.phone ?? '',
          email: f.identity.email ?? '',
        };
        for (const n of ['name', 'phone', 'email'] as const) {
          const input = this.detailsForm.elements.namedItem(n) as HTMLInputElement;
          if (!input.value) input.value = this.identity[n];
        }
        this.hideError();
        this.flush();
        this.receipts();
        break;
      }
      case 'ack':
        this.done.add(f.clientId);
        this.saved.outbox = this.saved.outbox.filter((p) => p.clientId !== f.clientId);
        this.save();
        this.adopt(f.message);
        break;
      case 'message': {
        if (f.message.clientId && f.message.sender === 'visitor') this.done.add(f.message.clientId);
        if (f.message.clientId)
          this.saved.outbox = this.saved.outbox.filter(
            (p) => p.clientId !== f.message.clientId || f.message.sender !== 'visitor',
          );
        const fresh = !this.messages.has(f.message.id);
        this.adopt(f.message);
        if (fresh && (f.message.sender === 'agent' || f.message.sender === 'bot')) {
          this.live.textContent = fill(this.t.newMessage, {
            name: this.nameOf(f.message),
            text: f.message.text,
          });
          this.showTyping(false);
        }
        this.receipts();
        break;
      }
      case 'state':
        // A new chat replaces the old one on screen (as after a reload); its own lines may have come first.
        for (const [id, m] of this.messages) if (m.sessionId !== f.session.id) this.messages.delete(id);
        this.session = f.session;
        break;
      case 'typing':
        this.showTyping(f.typing, f.sender);
        return;
      case 'receipt':
        if (this.session && this.session.id === f.sessionId) {
          this.session = { ...this.session, agentDelivered: f.agentDelivered, agentRead: f.agentRead };
        }
        break;
      case 'error':
        this.onError(f);
        break;
    }
    this.render();
  }

  private adopt(m: ChatMessage): void {
    if (this.session && m.sessionId !== this.session.id) return;
    this.messages.set(m.id, m);
  }

  private onError(f: Extract<ServerFrame, { type: 'error' }>): void {
    const text = this.errorText(f.code, f.retryAfterSeconds);
    if (f.clientId) {
      const p = this.saved.outbox.find((x) => x.clientId === f.clientId);
      if (p && (f.code === 'rate_limited' || f.code === 'internal')) {
        // Kept: sent again once the wait is over (a server fault: a few seconds later).
        clearTimeout(this.flushTimer);
        this.flushTimer = setTimeout(() => this.flush(), (f.retryAfterSeconds ?? 3) * 1000);
      } else if (p) {
        // Refused for what it is (too long, empty): sending it again would be refused again.
        p.failed = text;
        this.save();
      }
    }
    this.showError(text);
  }

  private errorText(code: ChatErrorCode, seconds?: number): string {
    return fill(this.t.errors[code] ?? this.t.errors.internal, { seconds: seconds ?? 1, max: CHAT_MAX_TEXT });
  }

  private showError(text: string): void {
    this.errorLine.textContent = text;
    this.errorLine.hidden = false;
  }

  private hideError(): void {
    this.errorLine.hidden = true;
  }

  /** Sends the unacknowledged messages, oldest first (the server stores each once however often it gets it). */
  private flush(): void {
    if (!this.online) return;
    for (const p of this.saved.outbox)
      if (!p.failed)
        this.send({
          type: 'send',
          clientId: p.clientId,
          text: p.text,
          ...(p.files?.length && { attachments: p.files.map((f) => f.id) }),
        });
  }

  private lastSeq(): number {
    let max = 0;
    for (const m of this.messages.values()) max = Math.max(max, m.seq);
    return max;
  }

  /** Tells the server what of the other side's messages this widget got, and read (panel open, page visible). */
  private receipts(): void {
    if (!this.online) return;
    let last = 0;
    for (const m of this.messages.values()) if (m.sender !== 'visitor') last = Math.max(last, m.seq);
    if (last > this.deliveredSent) {
      this.deliveredSent = last;
      this.send({ type: 'receipt', delivered: last });
    }
    this.markRead();
  }

  private markRead(): void {
    if (!this.online || this.panel.hidden || document.visibilityState !== 'visible') return;
    let last = 0;
    for (const m of this.messages.values()) if (m.sender !== 'visitor') last = Math.max(last, m.seq);
    if (last > this.readSent) {
      this.readSent = last;
      this.send({ type: 'receipt', read: last });
    }
  }

  // ------------------------------------------------------------ actions

  private toggle(open = this.panel.hidden): void {
    this.panel.hidden = !open;
    this.launcher.setAttribute('aria-expanded', String(open));
    if (open) {
      // Reopened on the help articles: their search box takes the focus (the message box is hidden).
      if (this.chatBody.hidden) this.kb.show();
      else this.input.focus();
      this.scrollDown();
      this.markRead();
    } else this.launcher.focus();
  }

  private submit(): void {
    const text = this.input.value.trim();
    if (!text) return;
    if (text.length > CHAT_MAX_TEXT) return this.showError(this.errorText('too_large'));
    const p: Pending = { clientId: newId(), text, at: Date.now() };
    this.saved.outbox.push(p);
    this.save();
    this.input.value = '';
    this.hideError();
    this.stopTyping();
    if (this.online) this.send({ type: 'send', clientId: p.clientId, text });
    this.render();
  }

  private typed(): void {
    const now = Date.now();
    if (now - this.typingSent > 3000) {
      this.typingSent = now;
      this.frame({ type: 'typing', typing: true });
    }
    clearTimeout(this.typingIdle);
    this.typingIdle = setTimeout(() => this.stopTyping(), 4000);
  }

  private stopTyping(): void {
    clearTimeout(this.typingIdle);
    if (this.typingSent === 0) return;
    this.typingSent = 0;
    this.frame({ type: 'typing', typing: false });
  }

  private showTyping(on: boolean, sender: 'agent' | 'bot' = 'agent'): void {
    clearTimeout(this.theirTyping);
    this.typing.textContent = on
      ? fill(this.t.typing[sender], { name: this.session?.agentName ?? this.t.agent })
      : '';
    // A lost "stopped typing" must not leave it showing.
    if (on) this.theirTyping = setTimeout(() => this.showTyping(false), 8000);
  }

  // ------------------------------------------------------------ files

  private filesUrl(id?: string): string {
    return `${this.config.server}${CHAT_FILES_PATH}${id ? `/${encodeURIComponent(id)}` : ''}?site=${encodeURIComponent(this.config.site)}`;
  }

  /**
   * Uploads a picked file (the server keeps it), then sends it as a message through the outbox like text. The
   * limits are checked here first so a refused file is not sent at all; the server checks them again.
   */
  private upload(file: File): void {
    const t = this.t;
    const type = (file.type || '').toLowerCase();
    if (!CHAT_FILE_TYPES[type]) return this.showError(t.errors.file_type);
    if (file.size > CHAT_FILE_MAX_BYTES)
      return this.showError(fill(t.fileTooLarge, { name: file.name, mb: MB }));
    if (!this.online || !this.saved.token || this.uploadXhr) return;
    this.hideError();
    const xhr = new XMLHttpRequest();
    this.uploadXhr = xhr;
    this.saved.uploading = file.name;
    this.save();
    const show = (percent: number) => {
      this.progress.dataset.state = 'uploading';
      this.progress.textContent = fill(t.uploading, { name: file.name, percent });
      this.progress.hidden = false;
    };
    show(0);
    const done = () => {
      this.uploadXhr = null;
      // The page going away cancels the upload: the mark stays for the next load to tell the visitor.
      if (this.leaving) return;
      this.saved.uploading = undefined;
      this.save();
      this.progress.hidden = true;
      this.render();
    };
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) show(Math.floor((e.loaded / e.total) * 100));
    };
    xhr.onload = () => {
      done();
      let body: { code?: ChatErrorCode; retryAfterSeconds?: number } & Partial<ChatAttachmentRef> = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // Not ours (a proxy's page): said as a fault below.
      }
      if (xhr.status !== 201 || !body.id) {
        const code = body.code ?? 'internal';
        return this.showError(
          code === 'too_large'
            ? fill(t.fileTooLarge, { name: file.name, mb: MB })
            : this.errorText(code, body.retryAfterSeconds),
        );
      }
      const ref: ChatAttachmentRef = { id: body.id, name: body.name!, size: body.size!, type: body.type! };
      const p: Pending = { clientId: newId(), text: '', at: Date.now(), files: [ref] };
      this.saved.outbox.push(p);
      this.save();
      this.send({ type: 'send', clientId: p.clientId, text: '', attachments: [ref.id] });
      this.render();
    };
    xhr.onerror = () => {
      done();
      this.showError(t.errors.internal);
    };
    xhr.open('POST', this.filesUrl());
    xhr.setRequestHeader('authorization', `Bearer ${this.saved.token}`);
    xhr.setRequestHeader('content-type', type);
    xhr.setRequestHeader('x-file-name', encodeURIComponent(file.name));
    xhr.send(file);
    this.render();
  }

  /** Fetches a file of this chat with the visitor's token and saves it: never opened in the page. */
  private async download(id: string, name: string): Promise<void> {
    try {
      const res = await fetch(this.filesUrl(id), {
        headers: { authorization: `Bearer ${this.saved.token ?? ''}` },
      });
      if (!res.ok) throw new Error(String(res.status));
      // As bytes of no type: the browser saves it instead of showing it, whatever it claims to be.
      const blob = new Blob([await res.arrayBuffer()], { type: 'application/octet-stream' });
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: name, hidden: '' });
      this.root.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch {
      this.showError(this.t.downloadFailed);
    }
  }

  // ------------------------------------------------------------ rendering

  private nameOf(m: ChatMessage): string {
    if (m.sender === 'visitor') return this.t.you;
    if (m.sender === 'bot') return this.t.bot;
    return m.name ?? this.t.agent;
  }

  private markOf(m: ChatMessage): 'sent' | 'delivered' | 'read' {
    const s = this.session;
    if (s && m.seq <= s.agentRead) return 'read';
    if (s && m.seq <= s.agentDelivered) return 'delivered';
    return 'sent';
  }

  private bubble(text: string): HTMLDivElement {
    const b = el('div', { class: 'bubble' });
    for (const seg of textSegments(text)) {
      if ('href' in seg)
        b.append(
          el('a', { href: seg.href, target: '_blank', rel: 'noopener noreferrer nofollow ugc' }, seg.text),
        );
      else b.append(seg.text);
    }
    return b;
  }

  private time(iso: string): string {
    const d = new Date(iso);
    return Number.isNaN(d.getTime())
      ? ''
      : d.toLocaleTimeString(this.config.language, { hour: '2-digit', minute: '2-digit' });
  }

  private item(
    mine: boolean,
    who: string,
    text: string,
    meta: string,
    mark: string | null,
    attrs: Record<string, string>,
    files: readonly ChatAttachmentRef[] = [],
  ): HTMLLIElement {
    const li = el('li', { class: mine ? 'msg mine' : 'msg', 'data-testid': 'chat-message', ...attrs });
    li.append(el('span', { class: 'who' }, who));
    if (text) li.append(this.bubble(text));
    for (const f of files)
      li.append(
        el(
          'button',
          {
            type: 'button',
            class: 'file',
            'data-file-id': f.id,
            'data-file-name': f.name,
            'aria-label': fill(this.t.download, { name: f.name }),
            'data-testid': 'chat-file',
          },
          clipIcon(),
          `${f.name} · ${sizeText(f.size)}`,
        ),
      );
    const metaLine = el('span', { class: 'meta' }, meta);
    if (mark) {
      metaLine.append(
        ' · ',
        el(
          'span',
          { class: 'mark', 'data-mark': mark, 'data-testid': 'chat-mark' },
          this.t.marks[mark as 'sent'],
        ),
      );
    }
    li.append(metaLine);
    return li;
  }

  private render(): void {
    const t = this.t;
    const atBottom = this.list.scrollHeight - this.list.scrollTop - this.list.clientHeight < 40;
    const items: HTMLLIElement[] = [el('li', { class: 'sys' }, t.greeting)];
    const ordered = [...this.messages.values()].sort((a, b) => a.seq - b.seq);
    const acked = new Set(ordered.map((m) => m.clientId));
    for (const m of ordered) {
      if (m.sender === 'system') {
        const line = m.event ? fill(t.events[m.event], { name: m.name ?? t.agent }) : m.text;
        items.push(
          el('li', { class: 'sys', 'data-testid': 'chat-system', 'data-event': m.event ?? '' }, line),
        );
        continue;
      }
      const mine = m.sender === 'visitor';
      let text = m.text;
      // Chat routing (issue 13): the bot's answer names the article it came from (its title is the message's name).
      if (m.sender === 'bot' && m.articleId && m.name) text += `\n\n${fill(t.article, { title: m.name })}`;
      items.push(
        this.item(
          mine,
          this.nameOf(m),
          text,
          this.time(m.createdAt),
          mine ? this.markOf(m) : null,
          {
            'data-sender': m.sender,
            'data-seq': String(m.seq),
          },
          m.attachments,
        ),
      );
    }
    for (const p of this.saved.outbox) {
      if (acked.has(p.clientId)) continue;
      items.push(
        this.item(
          true,
          t.you,
          p.text,
          p.failed ?? '',
          p.failed ? 'failed' : 'sending',
          {
            'data-sender': 'visitor',
            'data-pending': 'true',
          },
          p.files ?? [],
        ),
      );
    }
    this.list.replaceChildren(...items);
    if (atBottom) this.scrollDown();

    const s = this.session;
    // Reports (issue 14): the rating prompt while the chat is ended and not rated; the thanks stay a moment.
    const asking = s?.state === 'ended' && this.saved.rated !== s.id;
    this.rating.hidden = !asking && !(s?.state === 'ended' && this.ratingLine.textContent);
    this.rating.querySelectorAll('button').forEach((b) => (b.disabled = !asking || this.ratingSending));
    this.stateLine.textContent = s ? fill(t.states[s.state], { name: s.agentName ?? t.agent }) : t.states.bot;
    this.stateLine.dataset.state = s?.state ?? 'none';
    const hadFocus = (this.root.getRootNode() as ShadowRoot).activeElement === this.personButton;
    // Offline, the request could not be sent: the button waits for the connection.
    this.personButton.disabled = !this.online || s?.state === 'waiting' || s?.state === 'agent';
    // A button disabled under the keyboard's focus would drop it to the page: it goes to the message box.
    if (hadFocus && this.personButton.disabled) this.input.focus();
    if (this.stopped) {
      this.notice.hidden = true;
    } else if (!this.online) {
      this.notice.textContent = this.everOnline ? t.reconnecting : t.connecting;
      this.notice.hidden = false;
    } else this.notice.hidden = true;
    this.root.dataset.online = String(this.online);
    this.attachButton.disabled = !this.online || this.uploadXhr !== null;
  }

  private scrollDown(): void {
    this.list.scrollTop = this.list.scrollHeight;
  }

  /** Reports (issue 14): the visitor's rating of the chat that ended, sent with the visitor's token. */
  private rate(score: number): void {
    const s = this.session;
    if (!s || s.state !== 'ended' || !this.saved.token || this.ratingSending) return;
    this.ratingSending = true;
    this.ratingLine.textContent = '';
    const url = `${this.config.server}/api/chat/rating?site=${encodeURIComponent(this.config.site)}`;
    fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.saved.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ score }),
    })
      .then((res) => {
        // 409: rated already (another tab): the same as done.
        if (!res.ok && res.status !== 409) throw new Error(String(res.status));
        this.saved.rated = s.id;
        this.save();
        this.ratingLine.textContent = this.t.rate.thanks;
      })
      .catch(() => {
        this.ratingLine.textContent = this.t.rate.failed;
      })
      .finally(() => {
        this.ratingSending = false;
        this.render();
      });
  }
}
