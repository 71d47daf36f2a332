/** What of a WHATWG URL the chat reads. */
export interface ParsedUrl {
  protocol: string;
  origin: string;
  href: string;
}

// Every runtime of ours (Node, Chromium, Electron) has the WHATWG URL parser; src/shared's type library has
// neither DOM nor Node types, so it is reached through globalThis.
const UrlCtor = (globalThis as unknown as { URL: new (s: string) => ParsedUrl }).URL;

/** The URL `text` parses as, or null. */
export function parseUrl(text: string): ParsedUrl | null {
  try {
    return new UrlCtor(text);
  } catch {
    return null;
  }
}
