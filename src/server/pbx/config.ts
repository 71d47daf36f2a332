// Rendering of the Kamailio configuration template (resources/pbx/kamailio.cfg.tpl). Pure: no I/O here.
//
// Template syntax: `{{NAME}}` is replaced by a value; `{{#NAME}}` ... `{{/NAME}}` (each on its own line)
// keeps its lines only when the section is enabled. Every placeholder must be known: a typo fails loudly.
import { PBX_SECRET_HEADER, VOICE_REST } from '../../shared';
import { MAX_POSITION, MAX_WAIT_MINUTES } from './prompts';

export const DEFAULT_MODULES_DIR = '/usr/lib/x86_64-linux-gnu/kamailio/modules';
export const DEFAULT_DOMAIN = '127.0.0.1';

export interface WssOptions {
  port: number;
  /** PEM certificate (chain) file. */
  certFile: string;
  /** PEM private key file. */
  keyFile: string;
}

export interface KamailioConfigOptions {
  /** Runtime folder (absolute): control socket and TLS configuration live here. */
  runDir: string;
  sipPort: number;
  wsPort: number;
  rpcPort: number;
  /** Digest realm and SIP domain of the users. Default 127.0.0.1. */
  domain?: string;
  /** Queue routing service (http/https URL). Without it, calls to queue numbers get 503. */
  routingUrl?: string;
  /**
   * The routing service's call events (POST { callId, event }): told at once when a caller gives up before
   * an agent answered. Only with routingUrl; without it the service notices by its ring timeout.
   */
  eventsUrl?: string;
  /**
   * The service's shared secret for the PBX (SWITCHBOARD_PBX_SECRET): sent in x-switchboard-pbx-secret with
   * every routing request and call event. Only with routingUrl.
   */
  serviceSecret?: string;
  /** Secure WebSocket; rendered only when given. */
  wss?: WssOptions;
  /**
   * rtpengine's ng control socket (`udp:127.0.0.1:PORT`, see startRtpengine): calls between a WebRTC phone
   * and a plain-RTP endpoint, and all queue calls, get their media through it. Without it, media goes
   * end to end (WebRTC phones then reach only other WebRTC phones).
   */
  rtpengineSocket?: string;
  /**
   * Hold music and announcements (ensureQueuePrompts). With rtpengineSocket and routingUrl, callers wait in
   * the queue when nobody is free (routing requests carry wait=1); without, such calls are refused (480).
   */
  promptsDir?: string;
  /**
   * Waiting callers' callback key reaches the service (rtpengine started with `callbacks`, see
   * RunningRtpengine.callbacks): the announcements then offer it, when the service says it makes callbacks.
   */
  callbacks?: boolean;
  /** Path of the rendered TLS configuration file (required with wss). */
  tlsConfigFile?: string;
  modulesDir?: string;
  /** SIP worker processes per transport. Default 4. */
  children?: number;
  /** Kamailio debug level: -1 (errors only) .. 3 (debug). Default 1. */
  logLevel?: number;
}

function checkPort(name: string, port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new Error(`${name} must be a port number 1..65535, got ${String(port)}`);
  }
  return port;
}

/** Values end up inside double-quoted strings of the configuration: refuse anything that could escape them. */
function checkText(name: string, value: string): string {
  if (value.length === 0 || /["\\\r\n\t]/.test(value) || /[^\x20-\x7e]/.test(value)) {
    throw new Error(
      `${name} must be printable text without quotes or backslashes, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function checkPath(name: string, value: string): string {
  checkText(name, value);
  if (!value.startsWith('/')) throw new Error(`${name} must be an absolute path, got ${value}`);
  return value;
}

function checkDomain(value: string): string {
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(value)) {
    throw new Error(`domain must be a host name or IPv4 address, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkUrl(name: string, value: string): string {
  checkText(name, value);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${name} must be http or https, got ${value}`);
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error(`${name} must not have a query or fragment (Kamailio appends ?queue=...), got ${value}`);
  }
  // Kamailio expands $... as variables inside strings.
  if (value.includes('$')) throw new Error(`${name} must not contain '$', got ${value}`);
  return value;
}

/**
 * The central service's routing and call event endpoints, for Kamailio, and its callback endpoint, for the
 * DTMF relay (dtmf-callback.ts), from the service's base URL.
 */
export function serviceCallUrls(serviceUrl: string): {
  routingUrl: string;
  eventsUrl: string;
  callbackUrl: string;
} {
  const base = serviceUrl.replace(/\/+$/, '');
  return {
    routingUrl: `${base}${VOICE_REST.route}`,
    eventsUrl: `${base}${VOICE_REST.events}`,
    callbackUrl: `${base}${VOICE_REST.callback}`,
  };
}

/** Fill a template: sections first, then values. Throws on unknown or unbalanced placeholders. */
export function renderTemplate(
  template: string,
  values: Record<string, string>,
  sections: Record<string, boolean>,
): string {
  const out: string[] = [];
  const open: { name: string; keep: boolean }[] = [];
  for (const line of template.split('\n')) {
    const start = line.match(/^\s*\{\{#([A-Z_]+)\}\}\s*$/);
    const end = line.match(/^\s*\{\{\/([A-Z_]+)\}\}\s*$/);
    if (start) {
      const name = start[1] as string;
      if (!(name in sections)) throw new Error(`unknown template section ${name}`);
      open.push({ name, keep: sections[name] === true });
      continue;
    }
    if (end) {
      const top = open.pop();
      if (!top || top.name !== end[1]) throw new Error(`unbalanced template section end ${end[1]}`);
      continue;
    }
    if (open.every((s) => s.keep)) out.push(line);
  }
  if (open.length > 0) throw new Error(`unclosed template section ${open[open.length - 1]?.name}`);
  return out.join('\n').replace(/\{\{([^}]*)\}\}/g, (_m, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`unknown template placeholder {{${name}}}`);
    return value;
  });
}

export function renderKamailioConfig(template: string, opts: KamailioConfigOptions): string {
  const sipPort = checkPort('sipPort', opts.sipPort);
  const wsPort = checkPort('wsPort', opts.wsPort);
  const rpcPort = checkPort('rpcPort', opts.rpcPort);
  const ports = [sipPort, wsPort, rpcPort];
  if (opts.wss) ports.push(checkPort('wss.port', opts.wss.port));
  // UDP and TCP on sipPort; every TCP port must be different.
  if (new Set(ports).size !== ports.length) throw new Error(`ports must all differ, got ${ports.join(', ')}`);

  const children = opts.children ?? 4;
  if (!Number.isInteger(children) || children < 1 || children > 64) {
    throw new Error(`children must be 1..64, got ${children}`);
  }
  const logLevel = opts.logLevel ?? 1;
  if (!Number.isInteger(logLevel) || logLevel < -1 || logLevel > 3) {
    throw new Error(`logLevel must be -1..3, got ${logLevel}`);
  }

  const values: Record<string, string> = {
    SIP_PORT: String(sipPort),
    WS_PORT: String(wsPort),
    RPC_PORT: String(rpcPort),
    DOMAIN: checkDomain(opts.domain ?? DEFAULT_DOMAIN),
    RUN_DIR: checkPath('runDir', opts.runDir),
    MODULES_DIR: checkPath('modulesDir', opts.modulesDir ?? DEFAULT_MODULES_DIR),
    CHILDREN: String(children),
    LOG_LEVEL: String(logLevel),
    ROUTING_URL: opts.routingUrl === undefined ? '' : checkUrl('routingUrl', opts.routingUrl),
    EVENTS_URL: opts.eventsUrl === undefined ? '' : checkUrl('eventsUrl', opts.eventsUrl),
    SECRET_HEADER: '',
    WSS_PORT: '',
    TLS_CONFIG: '',
    RTPENGINE_SOCK: '',
    PROMPTS_DIR: '',
    MAX_POSITION: String(MAX_POSITION),
    MAX_WAIT_MINUTES: String(MAX_WAIT_MINUTES),
  };
  if (opts.promptsDir !== undefined) {
    if (opts.rtpengineSocket === undefined)
      throw new Error('promptsDir needs rtpengineSocket (rtpengine plays them)');
    values.PROMPTS_DIR = checkPath('promptsDir', opts.promptsDir);
  }
  if (opts.rtpengineSocket !== undefined) {
    if (!/^udp6?:[0-9A-Za-z.:[\]-]+:[0-9]{1,5}$/.test(opts.rtpengineSocket)) {
      throw new Error(`rtpengineSocket must look like udp:127.0.0.1:22222, got ${opts.rtpengineSocket}`);
    }
    values.RTPENGINE_SOCK = opts.rtpengineSocket;
  }
  if (opts.serviceSecret !== undefined) {
    if (opts.routingUrl === undefined)
      throw new Error('serviceSecret needs routingUrl (it is sent to the service)');
    const secret = checkText('serviceSecret', opts.serviceSecret);
    // Kamailio expands $... inside strings, and the value ends up in an HTTP header line.
    if (secret.includes('$')) throw new Error("serviceSecret must not contain '$'");
    values.SECRET_HEADER = `${PBX_SECRET_HEADER}: ${secret}`;
  }
  if (opts.wss) {
    if (opts.tlsConfigFile === undefined) throw new Error('tlsConfigFile is required with wss');
    values.WSS_PORT = String(opts.wss.port);
    values.TLS_CONFIG = checkPath('tlsConfigFile', opts.tlsConfigFile);
  }
  if (opts.eventsUrl !== undefined && opts.routingUrl === undefined) {
    throw new Error('eventsUrl needs routingUrl (call events are sent only for routed queue calls)');
  }
  return renderTemplate(template, values, {
    ROUTING: opts.routingUrl !== undefined,
    EVENTS: opts.eventsUrl !== undefined,
    SECRET: opts.serviceSecret !== undefined,
    WSS: opts.wss !== undefined,
    MEDIA: opts.rtpengineSocket !== undefined,
    QUEUE_WAIT: opts.promptsDir !== undefined && opts.routingUrl !== undefined,
    CALLBACK: opts.callbacks === true && opts.promptsDir !== undefined && opts.routingUrl !== undefined,
  });
}

/** The tls module's own configuration file (used only with wss). */
export function renderTlsConfig(wss: WssOptions): string {
  const cert = checkPath('wss.certFile', wss.certFile);
  const key = checkPath('wss.keyFile', wss.keyFile);
  return [
    '# Switchboard PBX: TLS for wss (rendered; do not edit)',
    '[server:default]',
    'method = TLSv1.2+',
    'verify_certificate = no',
    'require_certificate = no',
    `certificate = ${cert}`,
    `private_key = ${key}`,
    '',
    '[client:default]',
    'method = TLSv1.2+',
    'verify_certificate = yes',
    'require_certificate = yes',
    '',
  ].join('\n');
}
