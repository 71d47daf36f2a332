import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Board } from './Board';
import { WallboardConnection } from './connection';
import { pickLang, stringsFor } from './strings';
import './wallboard.css';

/** Where the tab keeps its token once it has left the address bar (a reload keeps working; other tabs do not see it). */
const TOKEN_KEY = 'switchboard.wallboard.token';

/**
 * The token arrives in the fragment (/wallboard#token=...), which browsers never send to a server: it stays out of
 * access logs and Referer headers. It moves to sessionStorage and off the address bar at once.
 */
function takeToken(): string | null {
  const fragment = new URLSearchParams(window.location.hash.slice(1));
  const fromUrl = fragment.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

const lang = pickLang(window.location.search, navigator.languages);
const t = stringsFor(lang);
document.documentElement.lang = lang;
document.title = t.title;
const theme = new URLSearchParams(window.location.search).get('theme') === 'light' ? 'light' : 'dark';
document.documentElement.dataset.theme = theme;

const root = createRoot(document.getElementById('root')!);
const token = takeToken();
if (!token) {
  root.render(
    <div className="board notice" data-testid="wallboard-no-token">
      <h1>{t.noToken}</h1>
      <p>{t.noTokenHint}</p>
    </div>,
  );
} else {
  const conn = new WallboardConnection(token);
  root.render(
    <StrictMode>
      <Board conn={conn} t={t} lang={lang} />
    </StrictMode>,
  );
}
