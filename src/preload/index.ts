import { contextBridge, ipcRenderer } from 'electron';
import { BRIDGE_GLOBAL, IPC_EVENT, IPC_INVOKE } from '../shared/ipc/channels';
import type { EventMessage, ResultMessage } from '../shared/ipc/contract';
import type { SwitchboardBridge } from '../shared/ipc/channels';

// The only thing the renderer gets from Electron: the contract bridge, never raw ipcRenderer.
const bridge: SwitchboardBridge = {
  invokeRaw(method: string, input: unknown): Promise<ResultMessage> {
    return ipcRenderer.invoke(IPC_INVOKE, { method, input });
  },
  onEvent(listener: (message: EventMessage) => void): () => void {
    const handler = (_e: unknown, message: EventMessage) => listener(message);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler);
    };
  },
};

contextBridge.exposeInMainWorld(BRIDGE_GLOBAL, bridge);
