import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, protocol, safeStorage, session } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../../shared/ipc/contract';
import type { EventMessage } from '../../shared/ipc/contract';
import { createDesktopServices } from '../services';
import { createVault } from '../vault';
import { serveAppRequest } from './app-protocol';
import { APP_SCHEME, appLocation } from './app-url';
import { hardenSession, lockNavigation } from './security';
import { createTray } from './tray';

/**
 * The Electron shell stays thin: a window, the tray and IPC wiring. Every service the agent uses lives in
 * plain Node modules (src/main/*) that the browser-mode host runs as well.
 */

const rendererDir = join(__dirname, '../renderer');
// app://switchboard/index.html, or electron-vite's dev server during `electron-vite dev`.
const appPage = appLocation(process.env['ELECTRON_RENDERER_URL'] || undefined);

// Before ready, or Chromium treats app: as an opaque scheme: standard gives it an origin ('self' in the
// CSP, storage, relative URLs), secure makes it a secure context (getUserMedia for the softphone).
protocol.registerSchemesAsPrivileged([
  {
    scheme: APP_SCHEME,
    privileges: { standard: true, secure: true, supportFetchAPI: true, codeCache: true },
  },
]);

let window: BrowserWindow | null = null;
let quitting = false;

function showWindow(): void {
  if (!window) return;
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}

async function main(): Promise<void> {
  if (!app.requestSingleInstanceLock()) {
    // One desktop per agent and machine: a second start focuses the first (one phone, one outbox).
    app.quit();
    return;
  }
  app.on('second-instance', showWindow);
  await app.whenReady();
  hardenSession(session.defaultSession, appPage);
  lockNavigation(appPage);
  session.defaultSession.protocol.handle(APP_SCHEME, async (request) => {
    const answer = await serveAppRequest(rendererDir, request.method, request.url);
    return new Response(answer.body, { status: answer.status, headers: answer.headers });
  });

  const dataDir = app.getPath('userData');
  const services = createDesktopServices({
    dataDir,
    deviceId: 'electron',
    vault: await createVault({ dataDir, encryptor: safeStorage }),
    emit: (event, payload) => {
      const message: EventMessage = { event, payload };
      window?.webContents.send(IPC_EVENT, message);
    },
  });

  ipcMain.handle(IPC_INVOKE, (event, message: { method: string; input: unknown }) => {
    // Only our own renderer may call the services, never a frame that navigated elsewhere.
    if (!event.senderFrame || !appPage.isAppUrl(event.senderFrame.url)) {
      return { id: 0, ok: false, error: { code: 'forbidden', message: 'Not the Switchboard window.' } };
    }
    return services.invoke(message.method, message.input).then((r) => ({ id: 0, ...r }));
  });

  window = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 960,
    minHeight: 600,
    show: false,
    title: 'Switchboard',
    autoHideMenuBar: true,
    webPreferences: {
      preload: join(__dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
      navigateOnDragDrop: false,
      // Middle-click (auxclick) is one more way to open a link as a new window; the window-open handler
      // refuses those anyway, and the desktop has no use for the event, so it is off at the source.
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
      // No DevTools in the shipped app: "paste this into the console" is a classic trick on support
      // desks, and the console would reach the services bridge. Development builds keep them.
      devTools: !app.isPackaged,
    },
  });
  window.once('ready-to-show', () => window?.show());
  // Closing the window hides it to the tray during a shift; quitting is explicit.
  window.on('close', (e) => {
    if (!quitting) {
      e.preventDefault();
      window?.hide();
    }
  });
  createTray(join(__dirname, '../../resources/icon.png'), {
    show: showWindow,
    quit: () => {
      quitting = true;
      app.quit();
    },
  });
  app.on('before-quit', () => {
    quitting = true;
    void services.dispose();
  });

  await window.loadURL(appPage.entryUrl);
}

void main();
