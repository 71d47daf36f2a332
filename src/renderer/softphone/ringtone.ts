// The ringtone of incoming calls, played through an audio element of its own so that it can go to a
// different device than the call (the ringer: loudspeaker while the headset carries the call).
// Without a ringtone file, a North-American style ring (440 + 480 Hz, 2 s on, 4 s off) is synthesised
// with WebAudio, so the engine needs no asset.

export interface Ringtone {
  readonly element: HTMLAudioElement;
  readonly playing: boolean;
  start(): void;
  stop(): void;
  dispose(): void;
}

export function createRingtone(url?: string): Ringtone {
  const element = new Audio();
  element.loop = true;
  let context: AudioContext | null = null;
  let timer: ReturnType<typeof setInterval> | null = null;
  let playing = false;

  function synthesise(): void {
    if (!context) {
      context = new AudioContext();
      const destination = context.createMediaStreamDestination();
      const gain = context.createGain();
      gain.gain.value = 0;
      gain.connect(destination);
      for (const frequency of [440, 480]) {
        const oscillator = context.createOscillator();
        oscillator.frequency.value = frequency;
        oscillator.connect(gain);
        oscillator.start();
      }
      element.srcObject = destination.stream;
      const ring = () => {
        if (!context) return;
        const t = context.currentTime;
        gain.gain.setValueAtTime(0.2, t);
        gain.gain.setValueAtTime(0, t + 2);
      };
      ring();
      timer = setInterval(ring, 6000);
      return;
    }
    void context.resume();
  }

  return {
    element,
    get playing() {
      return playing;
    },
    start() {
      if (playing) return;
      playing = true;
      if (url !== undefined) {
        if (element.src !== url) element.src = url;
        element.currentTime = 0;
      } else {
        synthesise();
      }
      element.play().catch(() => {
        // Autoplay refused before any user gesture; the call still rings visibly.
      });
    },
    stop() {
      if (!playing) return;
      playing = false;
      element.pause();
      if (timer !== null) clearInterval(timer);
      timer = null;
      void context?.close();
      context = null;
      if (url === undefined) element.srcObject = null;
    },
    dispose() {
      this.stop();
      element.removeAttribute('src');
    },
  };
}
