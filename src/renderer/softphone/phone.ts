// The phone engine: a JsSIP user agent, its call, remote audio, devices and recovery, behind a small
// state + commands interface. No React here: the engine can run in a window of its own that outlives
// reloads of the workbench, which then only renders getState() and sends commands.
//
// Recovery is ours, not JsSIP's: when the WebSocket drops (network loss, sleep, PBX restart) the user agent
// is stopped and a fresh one is started after a backoff (backoff.ts), so the status can say
// 'reconnecting' with the time of the next attempt. A 401/403 is final ('failed', 'wrong_credentials'),
// except right after a recovery of a phone that was registered before with the same password: a restarted
// PBX may get the agents' credentials pushed again only a moment after it accepts connections, so such a
// refusal is retried a few times with the same backoff.
import * as JsSIP from 'jssip';
import type { EndEvent, IncomingDTMFEvent, OutgoingDTMFEvent, RTCSession } from 'jssip/lib/RTCSession';
import type { IncomingRTCSessionEvent, OutgoingRTCSessionEvent } from 'jssip/lib/UA';
import { backoffDelay } from './backoff';
import { createRingtone } from './ringtone';
import type {
  AudioDevices,
  CallState,
  MediaStats,
  Phone,
  PhoneConfig,
  PhoneListener,
  PhoneState,
  RegistrationReason,
  RegistrationState,
} from './types';

/** Refusals of known-good credentials tolerated after a recovery before the phone gives up. */
const AUTH_RETRIES_AFTER_RECOVERY = 5;
const DTMF_TONES = /^[0-9A-D#*,]+$/i;

type NewSessionEvent = IncomingRTCSessionEvent | OutgoingRTCSessionEvent;

/** X-* headers of an incoming INVITE, first value of each, names as the PBX sent them. */
function xHeaders(event: NewSessionEvent): Record<string, string> {
  if (event.originator !== 'remote') return {};
  const out: Record<string, string> = {};
  const raw = (event.request as unknown as { headers: Record<string, { raw: string }[] | undefined> })
    .headers;
  for (const [name, values] of Object.entries(raw)) {
    const first = values?.[0];
    if (/^x-/i.test(name) && first) out[name] = first.raw;
  }
  return out;
}

export function createPhone(config: PhoneConfig): Phone {
  const ownUri = JsSIP.URI.parse(config.sipUri);
  if (!ownUri || !ownUri.user) throw new Error(`sipUri must be a SIP URI with a user, got ${config.sipUri}`);
  const domain = ownUri.host;
  const iceTimeoutMs = config.iceGatheringTimeoutMs ?? 1000;
  const reconnectMinMs = config.reconnectMinMs ?? 1000;
  const reconnectMaxMs = config.reconnectMaxMs ?? 30_000;

  let state: PhoneState = {
    registration: { status: 'unregistered', reason: null, detail: null, nextRetryAt: null, attempts: 0 },
    ringtonePlaying: false,
    call: null,
    consultation: null,
  };
  const listeners = new Set<PhoneListener>();
  let ua: JsSIP.UA | null = null;
  /** register() was called and neither unregister() nor a final refusal came since. */
  let wanted = false;
  let everRegistered = false;
  /** 401/403 answers since the last successful registration. */
  let authRefusals = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let session: RTCSession | null = null;
  /** The consultation call of an attended transfer (the call is on hold meanwhile). */
  let consult: RTCSession | null = null;
  let startingConsultation = false;
  let acceptingReplaces = false;
  let iceTimer: ReturnType<typeof setTimeout> | null = null;
  let inputDeviceId: string | null = null;
  let disposed = false;
  let releaseLock: (() => void) | null = null;
  let lockPending = false;
  /** The agent is trying the ringer out in the audio settings. */
  let ringerTest = false;

  const audio = new Audio();
  audio.autoplay = true;
  const ringtone = createRingtone(config.ringtoneUrl);

  async function setSink(element: HTMLAudioElement, deviceId: string): Promise<void> {
    const el = element as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (typeof el.setSinkId !== 'function')
      throw new Error('choosing the audio output is not supported here');
    await el.setSinkId(deviceId);
  }

  function emit(): void {
    // The ringtone follows the state: it sounds exactly while an incoming call rings.
    const ring =
      !disposed && (ringerTest || (state.call?.direction === 'incoming' && state.call.state === 'ringing'));
    if (state.ringtonePlaying !== ring) state = { ...state, ringtonePlaying: ring };
    for (const listener of [...listeners]) {
      try {
        listener(state);
      } catch (error) {
        console.error('phone listener failed', error);
      }
    }
    // After the listeners: synthesising the ring takes a few milliseconds the screen pop's lookup should not
    // wait for.
    if (ring !== ringtone.playing) {
      if (ring) ringtone.start();
      else ringtone.stop();
    }
  }

  function setRegistration(patch: Partial<RegistrationState>): void {
    state = { ...state, registration: { ...state.registration, ...patch } };
    emit();
  }

  function setSlot(slot: 'call' | 'consultation', patch: Partial<CallState>): void {
    const current = state[slot];
    if (!current) return;
    state = { ...state, [slot]: { ...current, ...patch } };
    emit();
  }

  function setCall(patch: Partial<CallState>): void {
    setSlot('call', patch);
  }

  function targetUri(target: string): string {
    const t = target.trim();
    if (t === '') throw new Error('empty call target');
    if (/^sips?:/i.test(t)) return t;
    if (t.includes('@')) return `sip:${t}`;
    return `sip:${t}@${domain}`;
  }

  function mediaOptions() {
    return {
      mediaConstraints: {
        audio: inputDeviceId === null ? true : { deviceId: { exact: inputDeviceId } },
        video: false,
      },
      pcConfig: { iceServers: config.iceServers ?? [] },
    };
  }

  function clearIceTimer(): void {
    if (iceTimer !== null) clearTimeout(iceTimer);
    iceTimer = null;
  }

  function peerConnection(): RTCPeerConnection | null {
    const f = focused();
    const pc = f?.connection as unknown as RTCPeerConnection | undefined;
    return pc ?? null;
  }

  /** The session commands act on: the consultation while there is one, else the call. */
  function activeSession(): RTCSession {
    const f = focused();
    if (!f || f.isEnded()) throw new Error('no call');
    return f;
  }

  // ---- registration and recovery ----

  function stopUa(): void {
    const agent = ua;
    ua = null;
    if (!agent) return;
    try {
      agent.stop();
    } catch (error) {
      console.warn('stopping the SIP user agent failed', error);
    }
  }

  function recover(reason: RegistrationReason, detail: string | null): void {
    if (!wanted || disposed || retryTimer !== null) return;
    stopUa();
    const attempts = state.registration.attempts + 1;
    const delay = backoffDelay(attempts, reconnectMinMs, reconnectMaxMs);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (wanted && !disposed) startUa();
    }, delay);
    setRegistration({ status: 'reconnecting', reason, detail, nextRetryAt: Date.now() + delay, attempts });
  }

  /** The per-agent Web Lock; resolves false when another window of this agent holds it. */
  function acquireLock(): Promise<boolean> {
    const locks = typeof navigator === 'undefined' ? undefined : navigator.locks;
    if (config.singlePhoneLock === false || !locks) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      locks
        .request(`switchboard-phone:${ownUri.user}@${domain}`, { ifAvailable: true }, (lock) => {
          if (!lock) {
            resolve(false);
            return undefined;
          }
          resolve(true);
          // Held until released by unregister(), a final failure or dispose().
          return new Promise<void>((release) => {
            releaseLock = release;
          });
        })
        .catch(() => resolve(true));
    });
  }

  function dropLock(): void {
    releaseLock?.();
    releaseLock = null;
  }

  function fail(reason: RegistrationReason, detail: string | null): void {
    wanted = false;
    stopUa();
    dropLock();
    setRegistration({ status: 'failed', reason, detail, nextRetryAt: null });
  }

  function startUa(): void {
    const agent = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(config.wsUrl)],
      uri: config.sipUri,
      password: config.password,
      display_name: config.displayName,
      register: true,
      register_expires: config.registerExpiresS ?? 300,
      session_timers: false,
      user_agent: 'Switchboard',
    });
    ua = agent;
    const current = () => ua === agent && !disposed;

    agent.on('registered', () => {
      if (!current()) return;
      everRegistered = true;
      authRefusals = 0;
      setRegistration({ status: 'registered', reason: null, detail: null, nextRetryAt: null, attempts: 0 });
    });
    agent.on('registrationFailed', (e) => {
      if (!current()) return;
      const response = e.response as { status_code: number; reason_phrase: string } | undefined;
      if (!response) {
        // Transport failure or timeout: the connection is not usable.
        recover('unreachable', e.cause ?? null);
        return;
      }
      const detail = `${response.status_code} ${response.reason_phrase}`;
      if ([401, 403, 407].includes(response.status_code)) {
        authRefusals += 1;
        if (everRegistered && authRefusals <= AUTH_RETRIES_AFTER_RECOVERY) {
          recover('wrong_credentials', detail);
        } else {
          fail('wrong_credentials', detail);
        }
        return;
      }
      recover('rejected', detail);
    });
    agent.on('disconnected', (e) => {
      if (!current()) return;
      recover('unreachable', e.reason ?? (e.code !== undefined ? `WebSocket closed (${e.code})` : null));
    });
    agent.on('newRTCSession', (e: NewSessionEvent) => {
      if (!current()) return;
      onNewSession(e);
    });

    setRegistration({
      status: state.registration.attempts > 0 ? 'reconnecting' : 'registering',
      nextRetryAt: null,
    });
    agent.start();
  }

  // ---- calls ----

  type Slot = 'call' | 'consultation';

  function sessionIn(slot: Slot): RTCSession | null {
    return slot === 'call' ? session : consult;
  }

  function live(s: RTCSession | null): s is RTCSession {
    return s !== null && !s.isEnded();
  }

  /** The session the agent talks in: the consultation while there is one, else the call. */
  function focused(): RTCSession | null {
    return live(consult) ? consult : session;
  }

  /** Remote audio follows the focused session (back to the call when a consultation ends). */
  function routeAudio(): void {
    const pc = focused()?.connection as unknown as RTCPeerConnection | undefined;
    const track = pc?.getReceivers().find((r) => r.track.kind === 'audio')?.track;
    if (!track) {
      audio.srcObject = null;
      return;
    }
    const current = audio.srcObject as MediaStream | null;
    if (current?.getAudioTracks()[0] === track) return;
    audio.srcObject = new MediaStream([track]);
    audio.play().catch(() => {
      // Autoplay refused (no user gesture yet): the UI can call audioElement.play() on a click.
    });
  }

  function onNewSession(e: NewSessionEvent): void {
    const s = e.session;
    let slot: Slot = 'call';
    if (e.originator === 'remote') {
      // An INVITE with Replaces we accepted (attended transfer to us) takes over the call; any other caller
      // while we are busy gets 486 (a queue moves on to the next agent).
      if (!acceptingReplaces && (live(session) || live(consult))) {
        s.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
        return;
      }
    } else if (startingConsultation) {
      slot = 'consultation';
    }
    // A local session while the call is live comes from an accepted REFER (we are being transferred): the
    // new call replaces the old one, which the transferor ends.
    clearIceTimer();
    if (slot === 'call') session = s;
    else consult = s;
    const remote = s.remote_identity;
    const call: CallState = {
      id: s.id,
      callId: (e.request as unknown as { call_id: string }).call_id,
      direction: e.originator === 'remote' ? 'incoming' : 'outgoing',
      remoteNumber: remote.uri.user ?? '',
      remoteDisplayName: remote.display_name ? remote.display_name : null,
      state: e.originator === 'remote' && !acceptingReplaces ? 'ringing' : 'connecting',
      muted: false,
      remoteHeld: false,
      startedAt: Date.now(),
      answeredAt: null,
      endedAt: null,
      endCause: null,
      endedBy: null,
      headers: xHeaders(e),
      dtmfReceived: '',
    };
    if (e.originator === 'remote') {
      // Diagnostics (and bench:screenpop): when the INVITE reached the phone.
      performance.mark('switchboard:invite', { detail: call.callId });
    }
    state = { ...state, [slot]: call };
    emit();

    const mine = () => sessionIn(slot) === s;
    const get = () => state[slot];
    const set = (patch: Partial<CallState>) => setSlot(slot, patch);
    const attachAudio = (pc: RTCPeerConnection) => {
      pc.addEventListener('track', () => {
        if (mine()) routeAudio();
      });
    };
    if (s.connection) attachAudio(s.connection as unknown as RTCPeerConnection);
    else s.on('peerconnection', (ev) => attachAudio(ev.peerconnection as unknown as RTCPeerConnection));

    // Bounded ICE gathering: once the first candidate is there, stop waiting after iceTimeoutMs, so an
    // unreachable STUN/TURN server never holds up the INVITE or the answer.
    s.on('icecandidate', (ev) => {
      if (iceTimer === null) {
        iceTimer = setTimeout(() => {
          iceTimer = null;
          ev.ready();
        }, iceTimeoutMs);
      }
    });
    s.on('sdp', (ev) => {
      if (ev.originator === 'local') clearIceTimer();
    });

    s.on('progress', () => {
      if (mine() && get()?.direction === 'outgoing' && get()?.state === 'connecting')
        set({ state: 'ringing' });
    });
    s.on('accepted', () => {
      if (mine()) set({ state: 'active', answeredAt: Date.now() });
    });
    s.on('confirmed', () => {
      const c = get();
      if (mine() && c && (c.state === 'ringing' || c.state === 'connecting')) {
        set({ state: 'active', answeredAt: c.answeredAt ?? Date.now() });
      }
    });
    s.on('hold', (ev) => {
      if (mine()) set(ev.originator === 'local' ? { state: 'held' } : { remoteHeld: true });
    });
    s.on('unhold', (ev) => {
      if (mine()) set(ev.originator === 'local' ? { state: 'active' } : { remoteHeld: false });
    });
    s.on('muted', () => {
      if (mine()) set({ muted: true });
    });
    s.on('unmuted', () => {
      if (mine()) set({ muted: false });
    });
    s.on('newDTMF', (ev: IncomingDTMFEvent | OutgoingDTMFEvent) => {
      if (mine() && ev.originator === 'remote')
        set({ dtmfReceived: (get()?.dtmfReceived ?? '') + ev.dtmf.tone });
    });
    s.on('refer', (ev) => {
      // Transfer by the other side (blind, or attended with Replaces in Refer-To): call the target; the
      // transferor then ends this call.
      if (!mine()) return;
      (ev.accept as (initCallback: undefined, options: ReturnType<typeof mediaOptions>) => void)(
        undefined,
        mediaOptions(),
      );
    });
    s.on('replaces', (ev) => {
      // Attended transfer to us: the transferee's INVITE replaces this call; answer it at once.
      if (!mine()) return;
      acceptingReplaces = true;
      try {
        (ev.accept as (initCallback: (n: RTCSession) => void) => void)((n) => n.answer(mediaOptions()));
      } finally {
        acceptingReplaces = false;
      }
    });
    const ended = (ev: EndEvent) => {
      if (!mine()) return;
      clearIceTimer();
      set({
        state: 'ended',
        endedAt: Date.now(),
        endCause: ev.cause,
        endedBy: ev.originator === 'local' || ev.originator === 'remote' ? ev.originator : 'system',
      });
      if (slot === 'call') session = null;
      else consult = null;
      routeAudio();
    };
    s.on('ended', ended);
    s.on('failed', ended);
  }

  // ---- commands ----

  const phone: Phone = {
    audioElement: audio,

    getState: () => state,

    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },

    register() {
      if (disposed) throw new Error('phone disposed');
      wanted = true;
      if (ua || retryTimer !== null || lockPending) return;
      authRefusals = 0;
      setRegistration({ status: 'registering', attempts: 0, reason: null, detail: null, nextRetryAt: null });
      if (releaseLock) {
        startUa();
        return;
      }
      lockPending = true;
      void acquireLock().then((acquired) => {
        lockPending = false;
        if (!wanted || disposed) {
          dropLock();
        } else if (!acquired) {
          fail('open_elsewhere', 'the phone of this agent is open in another window');
        } else {
          startUa();
        }
      });
    },

    unregister() {
      wanted = false;
      if (retryTimer !== null) clearTimeout(retryTimer);
      retryTimer = null;
      stopUa();
      dropLock();
      setRegistration({ status: 'unregistered', reason: null, detail: null, nextRetryAt: null, attempts: 0 });
    },

    call(target) {
      if (!ua || !ua.isConnected()) throw new Error('phone is not connected');
      if (live(session) || live(consult)) throw new Error('already in a call');
      ua.call(targetUri(target), mediaOptions());
    },

    answer() {
      const s = session;
      if (state.call?.direction !== 'incoming' || state.call.state !== 'ringing')
        throw new Error('no ringing call');
      setCall({ state: 'connecting' });
      s?.answer(mediaOptions());
    },

    decline() {
      const s = session;
      if (state.call?.direction !== 'incoming' || state.call.state !== 'ringing')
        throw new Error('no ringing call');
      s?.terminate({ status_code: 486, reason_phrase: 'Busy Here' });
    },

    hangup() {
      activeSession().terminate();
    },

    hold() {
      if (!activeSession().hold()) throw new Error('cannot hold now');
    },

    resume() {
      if (!activeSession().unhold()) throw new Error('cannot resume now');
    },

    mute() {
      activeSession().mute({ audio: true });
    },

    unmute() {
      activeSession().unmute({ audio: true });
    },

    sendDtmf(tones) {
      if (!DTMF_TONES.test(tones)) throw new Error(`not DTMF tones: ${tones}`);
      activeSession().sendDTMF(tones);
    },

    startConsultation(target) {
      if (!ua || !ua.isConnected()) throw new Error('phone is not connected');
      if (!live(session) || !state.call || !['active', 'held'].includes(state.call.state)) {
        throw new Error('no established call to consult about');
      }
      if (live(consult)) throw new Error('already consulting');
      if (state.call.state === 'active') session.hold();
      startingConsultation = true;
      try {
        ua.call(targetUri(target), mediaOptions());
      } finally {
        startingConsultation = false;
      }
    },

    cancelConsultation() {
      if (live(consult)) consult.terminate();
      if (live(session) && state.call?.state === 'held') session.unhold();
    },

    completeTransfer() {
      const original = session;
      const target = consult;
      if (!live(original) || !live(target) || state.consultation?.state !== 'active') {
        return Promise.reject(new Error('no answered consultation to transfer to'));
      }
      return new Promise<void>((resolve, reject) => {
        // REFER the held party to the consulted one, replacing our consultation dialog (RFC 5589).
        original.refer(target.remote_identity.uri, {
          replaces: target,
          eventHandlers: {
            // NOTIFY 2xx: the transferee reached the target; leave both calls.
            accepted: () => {
              if (!original.isEnded()) original.terminate();
              if (!target.isEnded()) target.terminate();
              resolve();
            },
            requestFailed: (e: { cause?: string }) => reject(new Error(`transfer refused: ${e.cause ?? ''}`)),
            failed: (e: { status_line?: { status_code?: number } }) =>
              reject(new Error(`transfer failed: ${e.status_line?.status_code ?? ''}`)),
          },
        });
      });
    },

    blindTransfer(target) {
      const s = activeSession();
      return new Promise<void>((resolve, reject) => {
        s.refer(targetUri(target), {
          eventHandlers: {
            // 202 Accepted: the other side calls the target by itself; we leave.
            requestSucceeded: () => {
              if (!s.isEnded()) s.terminate();
              resolve();
            },
            requestFailed: (e: { cause?: string }) => reject(new Error(`transfer refused: ${e.cause ?? ''}`)),
          },
        });
      });
    },

    ringerElement: ringtone.element,

    setOutputDevice: (deviceId) => setSink(audio, deviceId),

    setRingerDevice: (deviceId) => setSink(ringtone.element, deviceId),

    testRinger(play) {
      ringerTest = play;
      emit();
    },

    async listDevices(): Promise<AudioDevices> {
      const all = await navigator.mediaDevices.enumerateDevices();
      const pick = (kind: MediaDeviceKind) =>
        all
          .filter((d) => d.kind === kind)
          .map((d) => ({ deviceId: d.deviceId, label: d.label, groupId: d.groupId }));
      return { inputs: pick('audioinput'), outputs: pick('audiooutput') };
    },

    async setInputDevice(deviceId) {
      inputDeviceId = deviceId;
      const pc = peerConnection();
      if (!pc) return;
      const sender = pc.getSenders().find((x) => x.track?.kind === 'audio');
      if (!sender) return;
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: mediaOptions().mediaConstraints.audio,
      });
      const track = stream.getAudioTracks()[0];
      if (!track) return;
      track.enabled = !(state.call?.muted ?? false);
      const old = sender.track;
      await sender.replaceTrack(track);
      old?.stop();
    },

    getPeerConnection: peerConnection,

    async getMediaStats(): Promise<MediaStats | null> {
      const pc = peerConnection();
      if (!pc) return null;
      let audioBytesReceived = 0;
      let audioBytesSent = 0;
      const report = await pc.getStats();
      report.forEach((stat: { type: string; kind?: string; bytesReceived?: number; bytesSent?: number }) => {
        if (stat.kind !== 'audio') return;
        if (stat.type === 'inbound-rtp') audioBytesReceived += stat.bytesReceived ?? 0;
        if (stat.type === 'outbound-rtp') audioBytesSent += stat.bytesSent ?? 0;
      });
      const transceiver = pc.getTransceivers().find((t) => t.receiver.track.kind === 'audio');
      return {
        connectionState: pc.connectionState,
        audioBytesReceived,
        audioBytesSent,
        audioDirection: transceiver?.currentDirection ?? null,
      };
    },

    dispose() {
      if (disposed) return;
      phone.unregister();
      disposed = true;
      listeners.clear();
      audio.srcObject = null;
      ringtone.dispose();
    },
  };
  return phone;
}
