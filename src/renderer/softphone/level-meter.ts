// Microphone level for the settings dialog: how loud the chosen input is, so an agent sees at once that the
// right headset is live before the next customer hears silence.

export interface LevelMeter {
  /** Stop listening and release the microphone. */
  stop(): void;
}

/**
 * Open the microphone (deviceId null = default) and call onLevel about 20 times a second with the level,
 * 0..1 (RMS of the waveform, scaled so speech sits in the middle of the bar).
 */
export async function startLevelMeter(
  deviceId: string | null,
  onLevel: (level: number) => void,
): Promise<LevelMeter> {
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: deviceId ? { deviceId: { exact: deviceId } } : true,
    video: false,
  });
  const context = new AudioContext();
  const source = context.createMediaStreamSource(stream);
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  const timer = setInterval(() => {
    analyser.getFloatTimeDomainData(samples);
    let sum = 0;
    for (const v of samples) sum += v * v;
    const rms = Math.sqrt(sum / samples.length);
    onLevel(Math.min(1, rms * 4));
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      source.disconnect();
      void context.close();
      for (const track of stream.getTracks()) track.stop();
    },
  };
}
