// Which microphone, speaker and ringer the agent chose, remembered per agent on this machine and picked
// again when that headset comes back (devicechange). Device ids can change between sessions and browsers,
// so a choice is found again by id first and by label second; while it is unplugged the system default
// plays, and the choice itself is kept for when it returns.
import type { AudioDevice, AudioDevices, Phone } from './types';

export type AudioRole = 'input' | 'output' | 'ringer';
export interface DeviceChoice {
  deviceId: string;
  label: string;
}
export type DeviceChoices = Partial<Record<AudioRole, DeviceChoice>>;

export interface AudioDeviceState {
  devices: AudioDevices;
  /** What the agent chose (kept while unplugged). */
  chosen: DeviceChoices;
  /** The device in use for each role now; null = system default. */
  active: Record<AudioRole, string | null>;
  /** setSinkId exists here (Chromium, Electron); without it the output cannot be chosen. */
  canChooseOutput: boolean;
  /** Last failure applying a device, e.g. a permission refusal. */
  error: string | null;
}

export interface AudioDeviceManager {
  getState(): AudioDeviceState;
  subscribe(listener: (s: AudioDeviceState) => void): () => void;
  choose(role: AudioRole, device: AudioDevice | null): Promise<void>;
  /** Enumerate again (after the microphone permission was given, labels appear). */
  refresh(): Promise<void>;
  dispose(): void;
}

const storageKey = (agentKey: string) => `switchboard.audio.${agentKey}`;

function loadChoices(agentKey: string): DeviceChoices {
  try {
    const raw = localStorage.getItem(storageKey(agentKey));
    if (!raw) return {};
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    const out: DeviceChoices = {};
    for (const role of ['input', 'output', 'ringer'] as const) {
      const c = parsed[role] as { deviceId?: unknown; label?: unknown } | undefined;
      if (c && typeof c.deviceId === 'string' && typeof c.label === 'string') {
        out[role] = { deviceId: c.deviceId, label: c.label };
      }
    }
    return out;
  } catch {
    return {};
  }
}

/** The device a remembered choice refers to among those present, or null (then the default plays). */
export function findChoice(choice: DeviceChoice | undefined, present: AudioDevice[]): AudioDevice | null {
  if (!choice) return null;
  return (
    present.find((d) => d.deviceId === choice.deviceId) ??
    (choice.label ? present.find((d) => d.label === choice.label) : undefined) ??
    null
  );
}

export function createAudioDeviceManager(phone: Phone, agentKey: string): AudioDeviceManager {
  const media = typeof navigator !== 'undefined' ? navigator.mediaDevices : undefined;
  let state: AudioDeviceState = {
    devices: { inputs: [], outputs: [] },
    chosen: loadChoices(agentKey),
    active: { input: null, output: null, ringer: null },
    canChooseOutput: typeof (phone.audioElement as { setSinkId?: unknown }).setSinkId === 'function',
    error: null,
  };
  const listeners = new Set<(s: AudioDeviceState) => void>();
  let disposed = false;

  const set = (patch: Partial<AudioDeviceState>) => {
    state = { ...state, ...patch };
    for (const l of [...listeners]) l(state);
  };

  async function apply(role: AudioRole, deviceId: string | null): Promise<void> {
    if (role === 'input') await phone.setInputDevice(deviceId);
    else if (!state.canChooseOutput) return;
    // '' is the system default output.
    else if (role === 'output') await phone.setOutputDevice(deviceId ?? '');
    else await phone.setRingerDevice(deviceId ?? '');
  }

  /** Enumerate, then make every role use its remembered device if present, else the default. */
  async function sync(): Promise<void> {
    if (!media || disposed) return;
    let devices: AudioDevices;
    try {
      devices = await phone.listDevices();
    } catch (e) {
      set({ error: e instanceof Error ? e.message : String(e) });
      return;
    }
    const active = { ...state.active };
    let error: string | null = null;
    for (const role of ['input', 'output', 'ringer'] as const) {
      const list = role === 'input' ? devices.inputs : devices.outputs;
      const wanted = findChoice(state.chosen[role], list)?.deviceId ?? null;
      if (wanted === active[role]) continue;
      try {
        await apply(role, wanted);
        active[role] = wanted;
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }
    if (!disposed) set({ devices, active, error });
  }

  const onChange = () => void sync();
  media?.addEventListener('devicechange', onChange);
  void sync();

  return {
    getState: () => state,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async choose(role, device) {
      const chosen = { ...state.chosen };
      if (device) chosen[role] = { deviceId: device.deviceId, label: device.label };
      else delete chosen[role];
      try {
        localStorage.setItem(storageKey(agentKey), JSON.stringify(chosen));
      } catch {
        // Storage full or blocked: the choice still applies for this session.
      }
      state = { ...state, chosen };
      try {
        await apply(role, device?.deviceId ?? null);
        set({ active: { ...state.active, [role]: device?.deviceId ?? null }, error: null });
      } catch (e) {
        set({ error: e instanceof Error ? e.message : String(e) });
        throw e;
      }
    },
    refresh: sync,
    dispose() {
      disposed = true;
      media?.removeEventListener('devicechange', onChange);
      listeners.clear();
    },
  };
}
