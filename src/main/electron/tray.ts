import { Menu, Tray, nativeImage } from 'electron';

/** Tray icon: the agent can hide the window during a shift and bring it back, or quit for real. */
export function createTray(iconPath: string, actions: { show(): void; quit(): void }): Tray {
  const tray = new Tray(nativeImage.createFromPath(iconPath));
  tray.setToolTip('Switchboard');
  tray.setContextMenu(
    Menu.buildFromTemplate([
      { label: 'Show Switchboard / 显示', click: actions.show },
      { type: 'separator' },
      { label: 'Quit / 退出', click: actions.quit },
    ]),
  );
  tray.on('click', actions.show);
  return tray;
}
