import { describe, expect, it } from 'vitest';
import { findChoice } from '../../src/renderer/softphone/audio-devices';
import { callDuration } from '../../src/renderer/softphone/call-time';

const headset = { deviceId: 'id-1', label: 'Jabra Evolve2 65', groupId: 'g1' };
const laptop = { deviceId: 'id-2', label: 'Built-in Microphone', groupId: 'g2' };

describe('remembered audio devices', () => {
  it('finds the chosen headset by id, and by name when the browser gave it a new id after a replug', () => {
    expect(findChoice({ deviceId: 'id-1', label: 'Jabra Evolve2 65' }, [laptop, headset])).toBe(headset);
    const replugged = { ...headset, deviceId: 'id-9' };
    expect(findChoice({ deviceId: 'id-1', label: 'Jabra Evolve2 65' }, [laptop, replugged])).toBe(replugged);
  });

  it('falls back to the system default while the headset is unplugged, and with no choice at all', () => {
    expect(findChoice({ deviceId: 'id-1', label: 'Jabra Evolve2 65' }, [laptop])).toBeNull();
    expect(findChoice(undefined, [laptop, headset])).toBeNull();
    // An unlabelled device (no permission yet) is not matched by an empty label.
    expect(findChoice({ deviceId: 'gone', label: '' }, [{ ...laptop, label: '' }])).toBeNull();
  });
});

describe('call timer', () => {
  it('reads m:ss under an hour and h:mm:ss after', () => {
    expect(callDuration(0)).toBe('0:00');
    expect(callDuration(65_400)).toBe('1:05');
    expect(callDuration(3_600_000 + 61_000)).toBe('1:01:01');
    expect(callDuration(-5)).toBe('0:00');
  });
});
