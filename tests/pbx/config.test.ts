import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderKamailioConfig, renderTemplate, renderTlsConfig, serviceCallUrls } from '../../src/server/pbx';

const template = readFileSync(new URL('../../resources/pbx/kamailio.cfg.tpl', import.meta.url), 'utf8');
const base = { runDir: '/tmp/sb-pbx-run', sipPort: 15060, wsPort: 18088, rpcPort: 18089 };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-pbx-cfg-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `kamailio -c`: Kamailio's own parser and module loader judge the rendered file. */
function kamailioCheck(cfg: string): { ok: boolean; output: string; sockets: string[] } {
  const file = join(dir, `check-${Math.random().toString(36).slice(2)}.cfg`);
  writeFileSync(file, cfg);
  const r = spawnSync('/usr/sbin/kamailio', ['-c', '-f', file], { encoding: 'utf8', timeout: 20_000 });
  const output = r.stdout + r.stderr;
  // "Listening on" section: "             udp: 127.0.0.1 [127.0.0.1]:15060"
  const sockets = [...output.matchAll(/^\s+(udp|tcp|tls): (\S+) \[[^\]]+\]:(\d+)$/gm)].map(
    (m) => `${m[1]}:${m[2]}:${m[3]}`,
  );
  return { ok: r.status === 0, output, sockets };
}

describe('renderTemplate', () => {
  it('keeps enabled sections, drops disabled ones and fills values', () => {
    const out = renderTemplate(
      'a={{A}}\n{{#ON}}\non\n{{/ON}}\n{{#OFF}}\noff {{A}}\n{{/OFF}}\nend',
      { A: '1' },
      {
        ON: true,
        OFF: false,
      },
    );
    expect(out).toBe('a=1\non\nend');
  });

  it('fails on unknown placeholders and unbalanced sections', () => {
    expect(() => renderTemplate('{{NOPE}}', {}, {})).toThrow(/NOPE/);
    expect(() => renderTemplate('{{#X}}\n', {}, { X: true })).toThrow(/unclosed/);
    expect(() => renderTemplate('{{/X}}\n', {}, { X: true })).toThrow(/unbalanced/);
  });
});

describe('renderKamailioConfig', () => {
  it('renders a loopback-only configuration that Kamailio accepts', () => {
    const cfg = renderKamailioConfig(template, base);
    expect(cfg).not.toMatch(/\{\{|\}\}/);
    expect(cfg).toContain('alias="127.0.0.1:15060"');
    expect(cfg).not.toContain('#!define WITH_WSS');
    expect(cfg).not.toContain('#!define WITH_QUEUE_ROUTING');
    expect(cfg).toContain('modparam("ctl", "binrpc", "unix:/tmp/sb-pbx-run/kamailio_ctl")');
    const check = kamailioCheck(cfg);
    expect(check.output).toContain('config file ok');
    expect(check.ok).toBe(true);
    expect(check.sockets).toEqual([
      'udp:127.0.0.1:15060',
      'tcp:127.0.0.1:15060',
      'tcp:127.0.0.1:18088',
      'tcp:127.0.0.1:18089',
    ]);
  });

  it('adds queue routing and wss only when configured, and Kamailio accepts that too', () => {
    const cfg = renderKamailioConfig(template, {
      ...base,
      routingUrl: 'http://127.0.0.1:3000/pbx/route',
      wss: { port: 18443, certFile: '/etc/ssl/certs/x.pem', keyFile: '/etc/ssl/private/x.key' },
      tlsConfigFile: join(dir, 'tls.cfg'),
    });
    expect(cfg).toContain('#!define SB_ROUTING_URL "http://127.0.0.1:3000/pbx/route"');
    expect(cfg).toContain(`modparam("tls", "config", "${join(dir, 'tls.cfg')}")`);
    // The tls module reads its certificate only when the server starts; -c checks syntax and modules.
    writeFileSync(
      join(dir, 'tls.cfg'),
      renderTlsConfig({ port: 18443, certFile: '/x.pem', keyFile: '/x.key' }),
    );
    const check = kamailioCheck(cfg);
    expect(check.output).toContain('config file ok');
    expect(check.ok).toBe(true);
    expect(check.sockets).toContain('tls:127.0.0.1:18443');
    expect(check.sockets.every((s) => s.split(':')[1] === '127.0.0.1')).toBe(true);
    // Without an events address, an abandoned call is left to the service's own timeout.
    expect(cfg).not.toContain('#!define WITH_CALL_EVENTS');
  });

  it('bridges media through rtpengine and keeps callers waiting only with rtpengine, prompts and routing', () => {
    const plain = renderKamailioConfig(template, { ...base, routingUrl: 'http://127.0.0.1:3000/pbx/route' });
    expect(plain).not.toContain('#!define WITH_MEDIA');
    expect(plain).not.toContain('#!define WITH_QUEUE_WAIT');
    const media = renderKamailioConfig(template, { ...base, rtpengineSocket: 'udp:127.0.0.1:22222' });
    expect(media).toContain('modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:22222")');
    // Without a routing service there is no queue to wait in.
    expect(media).not.toContain('#!define WITH_QUEUE_WAIT');
    expect(kamailioCheck(media).ok).toBe(true);
    const waiting = renderKamailioConfig(template, {
      ...base,
      routingUrl: 'http://127.0.0.1:3000/pbx/route',
      rtpengineSocket: 'udp:127.0.0.1:22222',
      promptsDir: join(dir, 'prompts'),
    });
    expect(waiting).toContain('#!define WITH_QUEUE_WAIT');
    expect(waiting).toContain(`#!define SB_PROMPTS "${join(dir, 'prompts')}"`);
    expect(waiting).toContain('loadmodule "rtimer.so"');
    // The callback key is offered only when rtpengine reports the keys to the relay.
    expect(waiting).not.toContain('#!define WITH_CALLBACK');
    const check = kamailioCheck(waiting);
    expect(check.output).toContain('config file ok');
    expect(check.ok).toBe(true);
    const withKey = renderKamailioConfig(template, {
      ...base,
      routingUrl: 'http://127.0.0.1:3000/pbx/route',
      rtpengineSocket: 'udp:127.0.0.1:22222',
      promptsDir: join(dir, 'prompts'),
      callbacks: true,
    });
    expect(withKey).toContain('#!define WITH_CALLBACK');
    const keyCheck = kamailioCheck(withKey);
    expect(keyCheck.output).toContain('config file ok');
    expect(keyCheck.ok).toBe(true);
    // Without prompts nobody waits, so there is nothing to offer.
    expect(
      renderKamailioConfig(template, { ...base, rtpengineSocket: 'udp:127.0.0.1:22222', callbacks: true }),
    ).not.toContain('#!define WITH_CALLBACK');
    expect(() => renderKamailioConfig(template, { ...base, promptsDir: join(dir, 'prompts') })).toThrow(
      /needs rtpengineSocket/,
    );
    expect(() =>
      renderKamailioConfig(template, { ...base, rtpengineSocket: 'udp:127.0.0.1:22222"' }),
    ).toThrow(/rtpengineSocket/);
  });

  it('posts call events to the central service when its events address is given', () => {
    const urls = serviceCallUrls('http://127.0.0.1:4000/');
    expect(urls).toEqual({
      routingUrl: 'http://127.0.0.1:4000/api/voice/route',
      eventsUrl: 'http://127.0.0.1:4000/api/voice/events',
      callbackUrl: 'http://127.0.0.1:4000/api/voice/callback',
    });
    const cfg = renderKamailioConfig(template, { ...base, ...urls });
    expect(cfg).toContain('#!define SB_EVENTS_URL "http://127.0.0.1:4000/api/voice/events"');
    expect(cfg).toContain('#!define WITH_CALL_EVENTS');
    const check = kamailioCheck(cfg);
    expect(check.output).toContain('config file ok');
    expect(check.ok).toBe(true);
  });

  it('sends the service’s PBX secret with routing requests and call events when it is given', () => {
    const urls = serviceCallUrls('http://127.0.0.1:4000');
    const cfg = renderKamailioConfig(template, { ...base, ...urls, serviceSecret: 'Zq9_x-4' });
    expect(cfg).toContain('#!define SB_SECRET_HEADER "x-switchboard-pbx-secret: Zq9_x-4"');
    const check = kamailioCheck(cfg);
    expect(check.output).toContain('config file ok');
    expect(check.ok).toBe(true);
    expect(renderKamailioConfig(template, { ...base, ...urls })).not.toContain('SB_SECRET_HEADER "');
    // Nothing that could end the string, expand as a variable, or add a header line of its own.
    for (const bad of ['a"b', 'a$b', 'a\r\nX: y', '']) {
      expect(() => renderKamailioConfig(template, { ...base, ...urls, serviceSecret: bad })).toThrow(
        /serviceSecret/,
      );
    }
    expect(() => renderKamailioConfig(template, { ...base, serviceSecret: 'Zq9_x-4' })).toThrow(/routingUrl/);
  });

  it('refuses values that would break out of the configuration or clash', () => {
    expect(() => renderKamailioConfig(template, { ...base, routingUrl: 'http://x/"; exit;' })).toThrow(
      /routingUrl/,
    );
    expect(() => renderKamailioConfig(template, { ...base, routingUrl: 'http://x/r?a=1' })).toThrow(/query/);
    expect(() => renderKamailioConfig(template, { ...base, routingUrl: 'file:///etc/passwd' })).toThrow(
      /http/,
    );
    expect(() => renderKamailioConfig(template, { ...base, routingUrl: 'http://x/$ru' })).toThrow(/\$/);
    expect(() =>
      renderKamailioConfig(template, {
        ...base,
        routingUrl: 'http://x/r',
        eventsUrl: 'http://x/"; exit;',
      }),
    ).toThrow(/eventsUrl/);
    expect(() => renderKamailioConfig(template, { ...base, eventsUrl: 'http://x/e' })).toThrow(/routingUrl/);
    expect(() => renderKamailioConfig(template, { ...base, wsPort: 15060 })).toThrow(/differ/);
    expect(() => renderKamailioConfig(template, { ...base, rpcPort: 70000 })).toThrow(/rpcPort/);
    expect(() => renderKamailioConfig(template, { ...base, runDir: 'relative/run' })).toThrow(/absolute/);
    expect(() => renderKamailioConfig(template, { ...base, domain: 'a b' })).toThrow(/domain/);
    expect(() =>
      renderKamailioConfig(template, { ...base, wss: { port: 18443, certFile: '/c', keyFile: '/k' } }),
    ).toThrow(/tlsConfigFile/);
  });
});
