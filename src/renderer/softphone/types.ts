// Public shapes of the phone engine. Plain data: the state can be posted to another window as is.

export type RegistrationStatus = 'unregistered' | 'registering' | 'registered' | 'reconnecting' | 'failed';

/**
 * Why the phone is not registered: `wrong_credentials` (the PBX refused us with 401/403),
 * `unreachable` (the WebSocket could not be opened or dropped), `rejected` (any other SIP refusal),
 * `open_elsewhere` (this agent's phone already runs in another window or tab of this browser/app).
 */
export type RegistrationReason = 'wrong_credentials' | 'unreachable' | 'rejected' | 'open_elsewhere';

export interface RegistrationState {
  status: RegistrationStatus;
  reason: RegistrationReason | null;
  /** SIP status or transport detail, for logs and tooltips (e.g. "403 Forbidden"). */
  detail: string | null;
  /** When the next automatic attempt is due (ms since epoch), while reconnecting. */
  nextRetryAt: number | null;
  /** Consecutive failed attempts since the last successful registration. */
  attempts: number;
}

export type CallDirection = 'incoming' | 'outgoing';
export type CallStatus = 'ringing' | 'connecting' | 'active' | 'held' | 'ended';

export interface CallState {
  /** JsSIP session id (Call-ID + tag). */
  id: string;
  /** The SIP Call-ID, as the PBX and the central service know the call. */
  callId: string;
  direction: CallDirection;
  /** User part of the remote party's URI (the caller's or callee's number). */
  remoteNumber: string;
  remoteDisplayName: string | null;
  state: CallStatus;
  muted: boolean;
  /** The other side put us on hold (independent of our own hold). */
  remoteHeld: boolean;
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  /** JsSIP cause when ended (e.g. "Terminated", "Canceled", "Busy", "Rejected"). */
  endCause: string | null;
  /** Who ended the call. */
  endedBy: 'local' | 'remote' | 'system' | null;
  /** X-* headers of the initial INVITE (incoming calls), e.g. X-Switchboard-Queue. Names as sent. */
  headers: Record<string, string>;
  /** DTMF tones received from the other side during this call, in order. */
  dtmfReceived: string;
}

export interface PhoneState {
  registration: RegistrationState;
  /** The ringtone is sounding (an incoming call rings). */
  ringtonePlaying: boolean;
  /** The current call, or the last one (state 'ended') until the next call starts. */
  call: CallState | null;
  /** The consultation call of an attended transfer (the call is held meanwhile), or the last one. */
  consultation: CallState | null;
}

export interface PhoneConfig {
  /** ws:// or wss:// address of the PBX's SIP over WebSocket. */
  wsUrl: string;
  /** The agent's SIP address, e.g. sip:1001@127.0.0.1. */
  sipUri: string;
  password: string;
  displayName?: string;
  /** End ICE gathering this long after the first candidate (never wait on an unreachable STUN server). Default 1000. */
  iceGatheringTimeoutMs?: number;
  /** ICE servers for calls. Default none. */
  iceServers?: RTCIceServer[];
  /** Reconnect backoff: first delay and cap (ms). Default 1000 and 30000. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /**
   * One phone per agent: hold a Web Lock named after the SIP address while registered, so a second window
   * or tab of the same agent reports 'open_elsewhere' instead of fighting over the registration and the
   * microphone. Default true (skipped where navigator.locks does not exist).
   */
  singlePhoneLock?: boolean;
  /** Ringtone file (URL) for incoming calls; a synthesised ring when not given. */
  ringtoneUrl?: string;
  /** Registration lifetime asked from the registrar (s). Default 300. */
  registerExpiresS?: number;
}

export interface MediaStats {
  /** RTCPeerConnection.connectionState. */
  connectionState: RTCPeerConnectionState;
  /** bytesReceived of the inbound-rtp audio stream(s). */
  audioBytesReceived: number;
  /** bytesSent of the outbound-rtp audio stream(s). */
  audioBytesSent: number;
  /** Negotiated direction of the audio transceiver ('sendrecv', 'sendonly', ...), null before negotiation. */
  audioDirection: RTCRtpTransceiverDirection | null;
}

export interface AudioDevice {
  deviceId: string;
  label: string;
  groupId: string;
}

export interface AudioDevices {
  inputs: AudioDevice[];
  outputs: AudioDevice[];
}

export type PhoneListener = (state: PhoneState) => void;

export interface Phone {
  getState(): PhoneState;
  /** Called on every change with the new state (not called on subscribe). Returns unsubscribe. */
  subscribe(listener: PhoneListener): () => void;
  /** Connect and register; recovers by itself afterwards until unregister() or dispose(). */
  register(): void;
  /** Unregister and disconnect; ends any call. */
  unregister(): void;
  /** Call a number (user part, "1002") or a full SIP URI. */
  call(target: string): void;
  answer(): void;
  /** Refuse a ringing incoming call (486 Busy Here, so a queue moves on). */
  decline(): void;
  hangup(): void;
  hold(): void;
  resume(): void;
  mute(): void;
  unmute(): void;
  sendDtmf(tones: string): void;
  /**
   * Attended transfer, step 1: hold the call and call target. While the consultation is live, hangup,
   * mute, hold, resume and DTMF act on it.
   */
  startConsultation(target: string): void;
  /** Attended transfer, step 2: connect the held party with the consulted one and leave both calls. */
  completeTransfer(): Promise<void>;
  /** End the consultation and resume the call. */
  cancelConsultation(): void;
  /** REFER the other party to target, then leave the call once the transfer is accepted. */
  blindTransfer(target: string): Promise<void>;
  /** Audio output device of the remote audio (HTMLMediaElement.setSinkId), at any time. */
  setOutputDevice(deviceId: string): Promise<void>;
  /** Microphone for the next calls; replaces the track of the current call too. */
  setInputDevice(deviceId: string | null): Promise<void>;
  /** Audio output device of the ringtone (the ringer), at any time. */
  setRingerDevice(deviceId: string): Promise<void>;
  /** Sound the ringtone on the ringer device (to try it out), or stop that; a ringing call still rings. */
  testRinger(play: boolean): void;
  /** Microphones and audio outputs (labels once media permission was given). */
  listDevices(): Promise<AudioDevices>;
  /** The audio element the engine plays remote audio through. */
  readonly audioElement: HTMLAudioElement;
  /** The audio element of the ringtone. */
  readonly ringerElement: HTMLAudioElement;
  /** The current call's RTCPeerConnection (for diagnostics and tests), null without a call. */
  getPeerConnection(): RTCPeerConnection | null;
  /** Media statistics of the current call, null without a peer connection. */
  getMediaStats(): Promise<MediaStats | null>;
  /** Stop everything: calls end, registration is removed, listeners dropped. */
  dispose(): void;
}
