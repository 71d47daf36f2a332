import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { SwitchboardError } from '../../shared';
import {
  CHAT_MAX_FRAME_BYTES,
  CHAT_VISITOR_SOCKET_PATH,
  ChatCloseCode,
  VisitorFrame,
  type ServerFrame,
} from '../../shared/chat';
import { ChatRefusal, ChatService, type VisitorLink } from './chat-service';
import type { VisitorRow } from './chat-store';

/** A socket that has not said hello by then is closed: an idle connection holds nothing for anyone. */
const HELLO_WITHIN_MS = 10_000;
/** Pings find sockets whose network went away without a close (a laptop lid shut, a dropped Wi-Fi). */
const PING_EVERY_MS = 25_000;

/** The service's own origins as this request reached it (its demo page's origin). */
export function serviceOrigins(req: IncomingMessage): string[] {
  const host = req.headers.host;
  return host ? [`http://${host}`, `https://${host}`] : [];
}

/**
 * The visitors' WebSocket on the service's port, at CHAT_VISITOR_SOCKET_PATH: JSON frames (shared/chat
 * protocol.ts), the first a hello naming the site and, for a returning visitor, its token. The page's Origin
 * (which browsers always send with a WebSocket) must be on the site's allowlist. Every refusal is an error
 * event first; only a refusal of the socket itself is followed by a close.
 */
export function attachVisitorSocket(http: Server, chat: ChatService, log: (line: string) => void) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: CHAT_MAX_FRAME_BYTES });
  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = (req.url ?? '').split('?')[0];
    // Other upgrades (socket.io's) are theirs.
    if (path !== CHAT_VISITOR_SOCKET_PATH) return;
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws, req));
  };
  http.on('upgrade', onUpgrade);

  const alive = new WeakSet<WebSocket>();
  const pinger = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, PING_EVERY_MS);
  pinger.unref();

  function serve(ws: WebSocket, req: IncomingMessage) {
    alive.add(ws);
    ws.on('pong', () => alive.add(ws));
    const address = req.socket.remoteAddress ?? 'unknown';
    const origin = req.headers.origin;
    const send = (frame: ServerFrame) => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
    };
    const refuse = (e: ChatRefusal, close: number, ref?: string) => {
      send({
        type: 'error',
        ...(ref !== undefined && { ref }),
        code: e.code,
        message: e.message,
        ...(e.retryAfterSeconds !== undefined && { retryAfterSeconds: e.retryAfterSeconds }),
      });
      ws.close(close, e.code);
    };
    try {
      chat.takeConnection(address);
    } catch (e) {
      if (e instanceof ChatRefusal) return refuse(e, ChatCloseCode.rateLimited);
      throw e;
    }
    const link: VisitorLink = { send };
    let visitor: VisitorRow | undefined;
    let disconnect: (() => void) | undefined;
    let typing = false;
    const helloTimer = setTimeout(
      () =>
        visitor ??
        refuse(new ChatRefusal('bad_request', 'No hello came; reconnect to chat.'), ChatCloseCode.protocol),
      HELLO_WITHIN_MS,
    );

    // Frames of one socket are handled one after another, so two messages are stored in the order sent.
    let queue: Promise<void> = Promise.resolve();
    ws.on('message', (data: RawData, isBinary: boolean) => {
      queue = queue.then(() => handle(data, isBinary)).catch((e: unknown) => fail(e, undefined));
    });
    ws.on('close', () => {
      clearTimeout(helloTimer);
      disconnect?.();
      if (visitor && typing) void chat.visitorTyping(visitor, false).catch(() => {});
    });
    ws.on('error', () => ws.terminate());

    function fail(e: unknown, frame: { ref?: string; clientId?: string } | undefined) {
      const ids = {
        ...(frame?.ref !== undefined && { ref: frame.ref }),
        ...(frame?.clientId !== undefined && { clientId: frame.clientId }),
      };
      if (e instanceof ChatRefusal) {
        if (e.code === 'unauthenticated' || e.code === 'origin_not_allowed')
          return refuse(
            e,
            e.code === 'unauthenticated' ? ChatCloseCode.unauthenticated : ChatCloseCode.refused,
            frame?.ref,
          );
        if (e.code === 'rate_limited' && !visitor) return refuse(e, ChatCloseCode.rateLimited, frame?.ref);
        return send({
          type: 'error',
          ...ids,
          code: e.code,
          message: e.message,
          ...(e.retryAfterSeconds !== undefined && { retryAfterSeconds: e.retryAfterSeconds }),
        });
      }
      if (e instanceof SwitchboardError && e.code === 'bad_request')
        return send({ type: 'error', ...ids, code: 'bad_request', message: e.message });
      log(`chat visitor frame failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      send({
        type: 'error',
        ...ids,
        code: 'internal',
        message: 'The chat service could not handle that; it is sent again when you reconnect.',
      });
    }

    async function handle(data: RawData, isBinary: boolean) {
      let raw: unknown;
      try {
        if (isBinary) throw new Error('binary');
        raw = JSON.parse(String(data));
      } catch {
        return fail(new ChatRefusal('bad_request', 'Frames are JSON text.'), undefined);
      }
      const parsed = VisitorFrame.safeParse(raw);
      const ids =
        typeof raw === 'object' && raw !== null ? (raw as { ref?: unknown; clientId?: unknown }) : {};
      const about = {
        ref: typeof ids.ref === 'string' ? ids.ref.slice(0, 64) : undefined,
        clientId: typeof ids.clientId === 'string' ? ids.clientId.slice(0, 64) : undefined,
      };
      if (!parsed.success) {
        const what = parsed.error.issues
          .slice(0, 3)
          .map((i) => `${i.path.join('.') || '(frame)'}: ${i.message}`)
          .join('; ');
        const big = parsed.error.issues.some((i) => i.code === 'too_big');
        return fail(new ChatRefusal(big ? 'too_large' : 'bad_request', `Invalid frame: ${what}`), about);
      }
      const f = parsed.data;
      try {
        if (f.type === 'hello') {
          if (visitor) throw new ChatRefusal('bad_request', 'Already said hello on this connection.');
          const site = await chat.site(f.site);
          if (!site || !ChatService.originAllowed(site, origin, serviceOrigins(req)))
            throw new ChatRefusal(
              'origin_not_allowed',
              !site || !site.enabled
                ? `There is no chat for site "${f.site}" here; check data-site in the script tag.`
                : `Pages at ${origin ?? '(no origin)'} may not embed this chat; an administrator adds the origin to site "${site.id}".`,
            );
          const got = await chat.visitor(site, f.token, { address, language: f.language });
          visitor = got.visitor;
          clearTimeout(helloTimer);
          disconnect = chat.connect(visitor.id, link);
          send({
            ...(await chat.welcome(visitor, f.since, got.token, f.sessionId)),
            ...(f.ref !== undefined && { ref: f.ref }),
          });
          return;
        }
        if (!visitor) throw new ChatRefusal('bad_request', 'Say hello first.');
        switch (f.type) {
          case 'send': {
            const { message } = await chat.visitorSend(visitor, f.clientId, f.text, {
              address,
              except: link,
              attachments: f.attachments,
            });
            send({ type: 'ack', ...(f.ref !== undefined && { ref: f.ref }), clientId: f.clientId, message });
            return;
          }
          case 'typing':
            typing = f.typing;
            return chat.visitorTyping(visitor, f.typing);
          case 'receipt':
            return chat.visitorReceipt(visitor, f.delivered, f.read);
          case 'handoff':
            return chat.visitorHandoff(visitor);
          case 'identify':
            return chat.visitorIdentify(visitor, f.identity);
          case 'end':
            return chat.visitorEnd(visitor);
        }
      } catch (e) {
        fail(e, about);
      }
    }
  }

  return {
    close() {
      clearInterval(pinger);
      http.off('upgrade', onUpgrade);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
