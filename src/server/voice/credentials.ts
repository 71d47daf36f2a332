import { randomBytes } from 'node:crypto';
import { nextCounter } from '../db/counters';
import type { Db, Tx } from '../db/schema';
import { kamailioUsers } from '../pbx/kamailio';

/** What the service needs of a PBX: Kamailio's controller (src/server/pbx) or anything with the same calls. */
export interface PbxController {
  setSipUser(username: string, password: string): Promise<void>;
  removeSipUser(username: string): Promise<void>;
  /** Whether the PBX knows the user; lets the service notice a restarted PBX that lost its users. */
  hasSipUser?(username: string): Promise<boolean>;
  /** SIP over WebSocket address handed to softphones. */
  wsUrl: string;
  /** SIP domain and digest realm. */
  domain: string;
}

export const FIRST_EXTENSION = 1001;

/** A fresh SIP password: 144 random bits, URL-safe, no characters a SIP stack could trip on. */
export function newSipPassword(): string {
  return randomBytes(18).toString('base64url');
}

export interface SipAccount {
  userId: string;
  extension: string;
  password: string;
}

/**
 * Gives every active agent without a SIP account one: the next free extension from 1001 (agents in user name
 * order, so the demo's agent01..agent12 get 1001..1012) and a random password. Returns every agent's account.
 */
export async function ensureSipAccounts(db: Db, now: Date): Promise<SipAccount[]> {
  return db.transaction().execute(async (trx) => {
    // Several nodes start (and check their PBX) at once on one PostgreSQL: under this lock the second reads
    // the first one's accounts instead of handing the same extensions out again.
    await nextCounter(trx, 'sip_accounts');
    const agents = await trx
      .selectFrom('users')
      .leftJoin('sip_accounts', 'sip_accounts.user_id', 'users.id')
      .select(['users.id', 'users.username', 'sip_accounts.extension', 'sip_accounts.password'])
      .where('users.role', '=', 'agent')
      .where('users.disabled', '=', 0)
      .orderBy('users.username')
      .execute();
    const taken = new Set(
      (await trx.selectFrom('sip_accounts').select('extension').execute()).map((r) => Number(r.extension)),
    );
    let next = FIRST_EXTENSION;
    const out: SipAccount[] = [];
    for (const a of agents) {
      if (a.extension !== null && a.password !== null) {
        out.push({ userId: a.id, extension: a.extension, password: a.password });
        continue;
      }
      while (taken.has(next)) next++;
      taken.add(next);
      const account = { userId: a.id, extension: String(next), password: newSipPassword() };
      await trx
        .insertInto('sip_accounts')
        .values({
          user_id: a.id,
          extension: account.extension,
          password: account.password,
          issued_at: now.toISOString(),
        })
        .execute();
      out.push(account);
    }
    return out;
  });
}

export async function getSipAccount(trx: Tx, userId: string): Promise<SipAccount | undefined> {
  const r = await trx.selectFrom('sip_accounts').selectAll().where('user_id', '=', userId).executeTakeFirst();
  return r && { userId: r.user_id, extension: r.extension, password: r.password };
}

/** A new password for the agent's extension; the old one stops working once the PBX has the new one. */
export async function rotateSipPassword(trx: Tx, userId: string, now: Date): Promise<SipAccount | undefined> {
  const password = newSipPassword();
  const r = await trx
    .updateTable('sip_accounts')
    .set({ password, issued_at: now.toISOString() })
    .where('user_id', '=', userId)
    .returningAll()
    .executeTakeFirst();
  return r && { userId: r.user_id, extension: r.extension, password: r.password };
}

/**
 * Puts SIP accounts into the PBX. Setting a user is idempotent, so a failed attempt (Kamailio's HTTP server
 * closes kept-alive connections now and then) is retried a few times before giving up.
 */
export async function pushSipAccounts(pbx: PbxController, accounts: readonly SipAccount[]): Promise<void> {
  for (const a of accounts) {
    for (let attempt = 1; ; attempt++) {
      try {
        await pbx.setSipUser(a.extension, a.password);
        break;
      } catch (e) {
        if (attempt >= 3) {
          throw new Error(
            `Could not give the PBX the SIP account ${a.extension}: ${e instanceof Error ? e.message : String(e)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 50 * attempt));
      }
    }
  }
}

/**
 * A controller for a Kamailio started elsewhere (e.g. `npm run pbx`), through its JSON-RPC endpoint: the
 * same calls startKamailio's controller makes (htable `sipusers`: user -> HA1; `ul.rm` on removal).
 */
export function rpcPbxController(opts: { rpcUrl: string; wsUrl: string; domain: string }): PbxController {
  const users = kamailioUsers(opts.rpcUrl, opts.domain);
  return {
    wsUrl: opts.wsUrl,
    domain: opts.domain,
    setSipUser: users.setSipUser,
    removeSipUser: users.removeSipUser,
    hasSipUser: users.hasSipUser,
  };
}
