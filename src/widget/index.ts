// The embeddable chat widget: <script src="https://service/widget.js" data-site="..." async></script>.
// Its own small bundle (vite.widget.config.ts), plain DOM, imports only src/shared (and of it no zod).
import { ChatWidget } from './widget';

function boot(): void {
  const script =
    (document.currentScript as HTMLScriptElement | null) ??
    document.querySelector<HTMLScriptElement>('script[data-site][src*="widget.js"]');
  if (!script) return;
  const site = script.dataset.site;
  if (!site) {
    console.error('Switchboard chat: add data-site="<your site key>" to the widget script tag.');
    return;
  }
  const lang = (script.dataset.lang ?? document.documentElement.lang ?? '').toLowerCase();
  const server = new URL(script.src, location.href).origin;
  const start = () => {
    // One widget per page, whatever loads the script twice.
    if (document.querySelector('[data-switchboard-chat]')) return;
    const host = document.createElement('div');
    host.setAttribute('data-switchboard-chat', site);
    document.body.append(host);
    new ChatWidget({ server, site, language: lang.startsWith('zh') ? 'zh-CN' : 'en' }, host);
  };
  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start, { once: true });
}

boot();
