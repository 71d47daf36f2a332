import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BILLING, sendToService, startEmailServer, type EmailTestServer } from './email-helpers';

/**
 * Hostile mail from the open internet: whatever the bytes, the listener answers each mail with an acceptance or
 * a 5xx refusal that says why (never a failure of ours, 451, which makes senders retry it for days), and keeps
 * taking well-formed mail.
 */
/** FUZZ_RUNS as for the other fuzz targets (tests/fuzz/README.md); each mail is one SMTP session. */
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

describe('email listener under malformed mail', () => {
  let server: EmailTestServer;
  beforeAll(async () => {
    server = await startEmailServer({ senderWindow: { mails: 1000, seconds: 600 } });
  });
  afterAll(() => server.stop());

  const headerName = fc.constantFrom(
    'From',
    'To',
    'Subject',
    'Message-ID',
    'In-Reply-To',
    'References',
    'Content-Type',
    'Content-Transfer-Encoding',
    'Auto-Submitted',
    'X-Weird',
  );
  const value = fc.oneof(
    fc.string({ maxLength: 120 }),
    fc.constantFrom(
      '<>',
      '<<a@b>>',
      'multipart/mixed; boundary=',
      'base64',
      '=?utf-8?B?5L2g5aW9?=',
      '[#1]',
      '[#999999999]',
      'a@b',
      '"" <@>',
    ),
  );
  const raw = fc
    .record({
      headers: fc.array(fc.tuple(headerName, value), { maxLength: 8 }),
      body: fc.oneof(
        fc.string({ maxLength: 400 }),
        fc.constantFrom('--\r\n--\r\n', '=\r\n=ZZ', '\u0000\u0001'),
      ),
      from: fc.boolean(),
    })
    .map(({ headers, body, from }) => {
      const lines = headers.map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, ' ')}`);
      if (from) lines.unshift('From: fuzz@customer.example');
      return `${lines.join('\r\n')}\r\n\r\n${body}\r\n`;
    });

  it(
    'accepts or refuses each with a reason, and still takes a good mail',
    async () => {
      const port = server.email.smtpPort!;
      await fc.assert(
        fc.asyncProperty(raw, async (text) => {
          const r = await sendToService(port, {
            envelope: { from: 'fuzz@customer.example', to: BILLING },
            raw: text,
          });
          if (!r.ok) {
            expect(r.code).toBeGreaterThanOrEqual(550);
            expect(r.message).toMatch(/\d\.\d\.\d .{10,}/);
          }
        }),
        { numRuns: RUNS, seed: 20261204 },
      );
      expect(
        await sendToService(port, {
          from: 'after@customer.example',
          to: BILLING,
          subject: 'Still here',
          text: 'ok',
        }),
      ).toEqual({ ok: true });
    },
    30_000 + RUNS * 400,
  );
});
