import { untilChained } from './audit-wait';
import { request as httpRequest } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import i18next from 'i18next';
import { ErrorBody } from '../../src/shared';
import { errorText } from '../../src/renderer/i18n/error-text';
import { en } from '../../src/renderer/i18n/locales/en';
import { zhCN } from '../../src/renderer/i18n/locales/zh-CN';
import { clientAddress } from '../../src/server/auth/login-throttle';
import { openDatabase } from '../../src/server/db/open';
import { reopenTestServer, startTestServer, type TestServer } from './helpers';

/**
 * Guessing passwords over REST: throttled per user name and per client address (every request here comes
 * from 127.0.0.1), locked for a while, kept across a restart, and audited without a record per guess.
 */

let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

/** One sign-in on a connection of its own: the server is restarted in between, and pooled ones would be dead. */
function signIn(username: string, password: string) {
  const payload = JSON.stringify({ username, password });
  return new Promise<{
    status: number;
    retryAfter: string | null;
    body: ReturnType<typeof ErrorBody.safeParse>;
  }>((resolve, reject) => {
    const req = httpRequest(
      `${server!.url}/api/auth/login`,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: (res.headers['retry-after'] as string | undefined) ?? null,
            body: ErrorBody.safeParse(JSON.parse(text)),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function tick(seconds: number) {
  server!.clock.now = new Date(server!.clock.now.getTime() + seconds * 1000);
}

async function auditRows(action: string) {
  const db = openDatabase(server!.dbPath);
  try {
    // Records are chained shortly after their transaction commits (audit/README.md): chain what is there.
    await untilChained(db);
    const rows = await db.selectFrom('audit_log').selectAll().where('action', '=', action).execute();
    return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
  } finally {
    await db.destroy();
  }
}

async function auditCount(): Promise<number> {
  const db = openDatabase(server!.dbPath);
  try {
    await untilChained(db);
    const r = await db
      .selectFrom('audit_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  } finally {
    await db.destroy();
  }
}

// The address limits are out of the way here, so what is seen is the account's.
const accountOnly = { address: { delayAfter: 1000, lockoutAfter: 1000 } };

describe('sign-in throttling per account', () => {
  it('makes guesses wait longer and longer, then locks the account, even against the right password, and keeps the lock across a restart', async () => {
    server = await startTestServer({ tickets: 20, customers: 10, loginThrottle: accountOnly });
    const auditBefore = await auditCount();

    for (let i = 0; i < 3; i++) {
      const r = await signIn('agent05', `guess-${i}`);
      expect(r.status).toBe(401);
      expect(r.body.data?.code).toBe('wrong_credentials');
    }
    // From the 4th guess on, each waits twice as long as the one before: 1, 2, 4, ... 64 s.
    for (let wait = 1; wait <= 64; wait *= 2) {
      const early = await signIn('agent05', 'switchboard');
      expect(early.status).toBe(429);
      expect(early.body.data).toMatchObject({ code: 'too_many_attempts', retryAfterSeconds: wait });
      expect(early.retryAfter).toBe(String(wait));
      tick(wait);
      expect((await signIn('agent05', `guess-${wait}`)).body.data?.code).toBe('wrong_credentials');
    }
    // 10 failures: locked for 15 minutes, the right password included, and hammering does not extend it.
    for (let i = 0; i < 40; i++) {
      const locked = await signIn('Agent05', i % 2 ? 'switchboard' : `hammer-${i}`);
      expect(locked.status).toBe(429);
      expect(locked.body.data).toMatchObject({ code: 'too_many_attempts', retryAfterSeconds: 900 });
    }
    // The sign-in screen says how long to wait, in both languages.
    const lockedBody = (await signIn('agent05', 'switchboard')).body.data!;
    const i = i18next.createInstance();
    await i.init({ resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } }, lng: 'en' });
    expect(errorText(i.t, lockedBody).headline).toBe(
      'Too many failed sign-ins. Wait 15 minutes, then try again.',
    );
    await i.changeLanguage('zh-CN');
    expect(errorText(i.t, lockedBody).headline).toBe('登录失败次数过多，请等待15分钟后再试。');
    expect(errorText(i.t, { ...lockedBody, retryAfterSeconds: 1 }).headline).toContain('等待1秒后');

    // Another account is not affected.
    expect((await signIn('agent06', 'switchboard')).status).toBe(200);

    // One record for the lockout, none for each guess or refused try.
    const lockouts = await auditRows('auth.lockout');
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]!.detail).toMatchObject({ username: 'agent05', failures: 10 });
    expect(await auditRows('auth.login_failed')).toHaveLength(0);
    // 50 tries on agent05 and one sign-in of agent06 (auth.login) added two records, not fifty.
    expect((await auditCount()) - auditBefore).toBe(2);

    // The lockout is in the database: a restarted server still refuses the right password.
    await server.close();
    server = await reopenTestServer(server, { loginThrottle: accountOnly });
    tick(600);
    const stillLocked = await signIn('agent05', 'switchboard');
    expect(stillLocked.body.data).toMatchObject({ code: 'too_many_attempts', retryAfterSeconds: 300 });

    // It ends on its own; the run of failures reaches the audit log as one rolled-up record.
    tick(300);
    expect((await signIn('agent05', 'switchboard')).status).toBe(200);
    const rollups = (await auditRows('auth.login_failures')).filter((r) => r.detail.username === 'agent05');
    expect(rollups).toHaveLength(1);
    expect(rollups[0]!.detail).toMatchObject({ failures: 10, refused: 7 + 40 + 1 + 1 });
  });

  it('counts unknown user names the same way, so a lockout does not tell which names exist', async () => {
    server = await startTestServer({
      tickets: 20,
      customers: 10,
      loginThrottle: { account: { delayAfter: 2, lockoutAfter: 2 }, ...accountOnly },
    });
    for (const name of ['agent07', 'nobody-here']) {
      expect((await signIn(name, 'x1')).status).toBe(401);
      expect((await signIn(name, 'x2')).status).toBe(401);
      const r = await signIn(name, 'x3');
      expect(r.body.data).toMatchObject({ code: 'too_many_attempts', retryAfterSeconds: 900 });
    }
  });
});

describe('sign-in throttling per address', () => {
  it('slows and then stops one address spraying a guess over many accounts', async () => {
    server = await startTestServer({
      tickets: 20,
      customers: 10,
      loginThrottle: {
        account: { delayAfter: 1000, lockoutAfter: 1000 },
        address: { delayAfter: 4, lockoutAfter: 6 },
        lockoutSeconds: 600,
      },
    });
    const names = ['agent01', 'agent02', 'agent03', 'agent04', 'agent08', 'agent09', 'agent10'];
    for (const name of names.slice(0, 4)) expect((await signIn(name, 'Spring2026!')).status).toBe(401);
    const slowed = await signIn(names[4]!, 'Spring2026!');
    expect(slowed.body.data).toMatchObject({ code: 'too_many_attempts', retryAfterSeconds: 1 });
    expect(slowed.body.data?.message).toMatch(/address/);
    tick(1);
    expect((await signIn(names[4]!, 'Spring2026!')).status).toBe(401);
    tick(2);
    expect((await signIn(names[5]!, 'Spring2026!')).status).toBe(401);
    // 6 failures from this address: every account is refused from here, whatever the password.
    const stopped = await signIn(names[6]!, 'switchboard');
    expect(stopped.status).toBe(429);
    expect(stopped.body.data).toMatchObject({ code: 'too_many_attempts', retryAfterSeconds: 600 });
    const lockouts = await auditRows('auth.lockout');
    expect(lockouts.map((r) => r.detail)).toEqual([
      expect.objectContaining({ address: '127.0.0.1', failures: 6 }),
    ]);

    tick(600);
    expect((await signIn(names[6]!, 'switchboard')).status).toBe(200);
  });

  it('gives a right password back the try it was counted in advance', async () => {
    server = await startTestServer({
      tickets: 20,
      customers: 10,
      loginThrottle: {
        account: { delayAfter: 1000, lockoutAfter: 1000 },
        address: { delayAfter: 3, lockoutAfter: 5 },
      },
    });
    // An office of agents signing in from one address: successes do not add up to a lockout.
    for (let i = 0; i < 12; i++)
      expect((await signIn(`agent0${(i % 9) + 1}`, 'switchboard')).status).toBe(200);
    expect((await signIn('agent01', 'typo')).status).toBe(401);
    expect((await signIn('agent01', 'switchboard')).status).toBe(200);
    // Two right passwords at once (two devices): neither is reported as a failure of the other's.
    const both = await Promise.all([signIn('agent02', 'switchboard'), signIn('agent02', 'switchboard')]);
    expect(both.map((r) => r.status)).toEqual([200, 200]);
    const failures = (await auditRows('auth.login_failures')).map((r) => r.detail);
    expect(failures).toEqual([expect.objectContaining({ username: 'agent01', failures: 1 })]);
  });
});

describe('client addresses', () => {
  it('counts IPv4 as it is and IPv6 by its /64, the share one subscriber usually gets', () => {
    expect(clientAddress('::ffff:10.0.0.7')).toBe('10.0.0.7');
    expect(clientAddress('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:0db8:0001:0002::9')).toBe('2001:db8:1:2::/64');
    expect(clientAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddress(undefined)).toBe('unknown');
  });
});
