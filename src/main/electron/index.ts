import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, safeStorage } from 'electron';
import { IPC_EVENT, IPC_INVOKE } from '../../shared/ipc/contract';
import type { EventMessage } from '../../shared/ipc/contract';
import { createDesktopServices } from '../services';
import { createVault } from '../vault';
import { hardenSession, lockNavigation } from './security';
import { createTray } from './tray';

/**
 * The Electron shell stays thin: a window, the tray and IPC wiring. Every service the agent uses lives in
 * plain Node modules (src/main/*) that the browser-mode host runs as well.
 */

const rendererUrl = process.env['ELECTRON_RENDERER_URL'];
const rendererFile = join(__dirname, '../renderer/index.html');
const isAppUrl = (url: string) =>
  rendererUrl
    ? url.startsWith(rendererUrl)
    : url.startsWith('file://') && decodeURI(url).includes(rendererFile);

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
  hardenSession();
  lockNavigation(isAppUrl);

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
    if (!event.senderFrame || !isAppUrl(event.senderFrame.url)) {
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
      spellcheck: false,
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

  if (rendererUrl) await window.loadURL(rendererUrl);
  else await window.loadFile(rendererFile);
}

void main();
