// The softphone test page: the real engine bundled by vite from tests/softphone/fixture and served over
// plain HTTP on loopback, for call tests to open a phone in Chromium (an agent's, or a customer's).
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';
import type { Page } from 'playwright-core';
import { build } from 'vite';
import type { PhoneConfig, PhoneState, MediaStats } from '../../src/renderer/softphone';
import type { TestWindow } from './fixture/window';

export interface FixtureServer {
  url: string;
  close(): Promise<void>;
}

export async function serveFixture(outDir: string): Promise<FixtureServer> {
  await build({
    root: join(import.meta.dirname, 'fixture'),
    configFile: false,
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, minify: false },
  });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const file = normalize(join(outDir, path === '/' ? 'index.html' : path));
    if (!file.startsWith(outDir) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    const type = extname(file) === '.js' ? 'text/javascript' : 'text/html';
    res.writeHead(200, { 'content-type': type }).end(readFileSync(file));
  });
  const port = await new Promise<number>((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Open the test page in `page`, create a phone with `config` and register it. */
export async function openFixturePhone(page: Page, url: string, config: PhoneConfig): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => (window as unknown as TestWindow).softphoneReady === true);
  await page.evaluate((cfg) => {
    const w = window as unknown as TestWindow;
    w.phone = w.softphone.createPhone(cfg);
    w.phone.register();
  }, config);
}

export function fixtureState(page: Page): Promise<PhoneState> {
  return page.evaluate(() => (window as unknown as TestWindow).phone.getState());
}

export function fixtureStats(page: Page): Promise<MediaStats | null> {
  return page.evaluate(() => (window as unknown as TestWindow).phone.getMediaStats());
}

/** Poll read() until ok(value), failing with the last value after ms. */
export async function until<T>(
  what: string,
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  ms = 10_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last, null, 1)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
    last = await read();
  }
  return last;
}
