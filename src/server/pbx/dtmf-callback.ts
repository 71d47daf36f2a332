// A waiting caller's keypad reaches the service through rtpengine: it reads the RFC 4733 telephone-events of
// the calls it carries and, with --dtmf-log-dest, sends one JSON datagram per key released. This relay listens
// on loopback for them and turns the callback key into POST /api/voice/callback { callId } with the PBX secret.
// Kamailio 5.6 cannot receive rtpengine's DTMF itself (its rtpengine module learnt dtmf_events_sock in 5.7),
// hence a small process-local relay rather than a route in kamailio.cfg. The service decides: a key pressed
// in a call that is not waiting in a queue is answered 404 and changes nothing.
import { createSocket, type Socket } from 'node:dgram';
import { z } from 'zod';
import { PBX_SECRET_HEADER } from '../../shared';
import { CALLBACK_KEY } from './prompts';

/** rtpengine's DTMF log record (daemon/dtmf.c, dtmf_json_print): the fields this relay reads. */
const DtmfRecord = z.object({
  callid: z.string().min(1).max(256),
  source_tag: z.string().max(256),
  type: z.literal('DTMF'),
  // RFC 4733 events: 0-9, 10 '*', 11 '#', 12-15 A-D.
  event: z.number().int().min(0).max(255),
});

const KEYS = '0123456789*#ABCD';

export interface DtmfCallbackOptions {
  /** The service's POST /api/voice/callback URL (serviceCallUrls(...).callbackUrl). */
  callbackUrl: string;
  /** The service's PBX secret, sent as x-switchboard-pbx-secret. */
  serviceSecret?: string;
  /** UDP port on 127.0.0.1; a free one when not given. */
  port?: number;
  /** One line per request made and per failure. */
  log?: (line: string) => void;
  /** How long a Call-ID's key is ignored after a request for it (a key held or pressed twice). Default 10 s. */
  repeatMs?: number;
}

export interface RunningDtmfCallback {
  port: number;
  /** rtpengine's --dtmf-log-dest value. */
  dest: string;
  stop(): Promise<void>;
}

export async function startDtmfCallback(opts: DtmfCallbackOptions): Promise<RunningDtmfCallback> {
  const url = new URL(opts.callbackUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`callbackUrl must be http or https, got ${opts.callbackUrl}`);
  }
  const log = opts.log ?? (() => {});
  const repeatMs = opts.repeatMs ?? 10_000;
  const recent = new Map<string, number>();
  const socket: Socket = createSocket('udp4');

  const post = async (callId: string): Promise<number> => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(opts.serviceSecret ? { [PBX_SECRET_HEADER]: opts.serviceSecret } : {}),
      },
      body: JSON.stringify({ callId }),
      signal: AbortSignal.timeout(5000),
    });
    await res.body?.cancel();
    return res.status;
  };

  socket.on('message', (msg) => {
    let record: z.infer<typeof DtmfRecord>;
    try {
      const parsed = DtmfRecord.safeParse(JSON.parse(msg.toString('utf8')));
      if (!parsed.success) return;
      record = parsed.data;
    } catch {
      return;
    }
    if (KEYS[record.event] !== CALLBACK_KEY) return;
    const now = Date.now();
    for (const [id, at] of recent) if (now - at > repeatMs) recent.delete(id);
    if (recent.has(record.callid)) return;
    recent.set(record.callid, now);
    post(record.callid).then(
      (status) => {
        // 404: not a waiting call (a key pressed while talking to an agent, or a call already let go).
        if (status === 200) log(`callback booked for call ${record.callid}`);
        else if (status !== 404)
          log(`callback request for call ${record.callid}: the service answered ${status}`);
      },
      (e: unknown) => {
        // The caller may press again: forget the call so the next press asks anew.
        recent.delete(record.callid);
        log(
          `callback request for call ${record.callid} failed: ${e instanceof Error ? e.message : String(e)}`,
        );
      },
    );
  });

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(opts.port ?? 0, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve();
    });
  });
  socket.on('error', (e) => log(`DTMF relay socket: ${e.message}`));
  const port = socket.address().port;
  return {
    port,
    dest: `127.0.0.1:${port}`,
    stop: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
