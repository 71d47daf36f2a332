import { randomUUID } from 'node:crypto';
import { SwitchboardError, type LoginResponse, type User } from '../../shared';
import { auditedTransaction, writeAudit } from '../audit/audit-log';
import type { Db, Tx } from '../db/schema';
import { findUserByUsername, getDepartment, getUserRow, toUser } from '../directory/directory-store';
import { LoginThrottle, type LoginThrottleOptions } from './login-throttle';
import { DUMMY_HASH, hashPassword, verifyPassword } from './passwords';
import {
  checkNotExpired,
  hashRefreshToken,
  newRefreshToken,
  REFRESH_TTL_SECONDS,
  signAccessToken,
  verifyAccessToken,
  type AccessClaims,
} from './tokens';

export type Clock = () => Date;

/** Why a session ended (sessions.revoked_reason). */
export type RevokeReason = 'logout' | 'password' | 'disabled' | 'refresh-reused' | 'admin';

const WRONG_LOGIN = 'Wrong user name or password.';
const SESSION_ENDED =
  'This session has ended (signed out, password changed or ended by an administrator); sign in again.';

/**
 * Ends sessions (all of a user's, or one) and their refresh tokens, with one audit record. Used by sign-out,
 * password changes and user administration, so each of them stops the access tokens at once.
 */
export async function revokeSessions(
  trx: Tx,
  target: { userId: string } | { sessionId: string },
  reason: RevokeReason,
  actorId: string | null,
  now: Date,
): Promise<number> {
  const at = now.toISOString();
  let q = trx.selectFrom('sessions').select(['id', 'user_id']).where('revoked_at', 'is', null);
  q = 'userId' in target ? q.where('user_id', '=', target.userId) : q.where('id', '=', target.sessionId);
  const sessions = await q.execute();
  if (sessions.length === 0) return 0;
  const ids = sessions.map((s) => s.id);
  await trx
    .updateTable('sessions')
    .set({ revoked_at: at, revoked_reason: reason })
    .where('id', 'in', ids)
    .execute();
  await trx
    .updateTable('refresh_tokens')
    .set({ revoked_at: at })
    .where('family_id', 'in', ids)
    .where('revoked_at', 'is', null)
    .execute();
  await writeAudit(trx, {
    at,
    actorId,
    // A sign-out is the one revocation a user asks for: it is recorded under its own name.
    action: reason === 'logout' ? 'auth.logout' : 'auth.revoke',
    subjectId: sessions[0]!.user_id,
    detail: { reason, sessions: ids },
  });
  return ids.length;
}

export class AuthService {
  readonly throttle: LoginThrottle;

  constructor(
    private readonly db: Db,
    private readonly secret: Uint8Array,
    private readonly accessTtlSeconds: number,
    private readonly now: Clock,
    throttle: LoginThrottleOptions,
  ) {
    this.throttle = new LoginThrottle(db, throttle, now);
  }

  /**
   * Signs in. Throttled per user name and per client `address` (login-throttle.ts): while either waits or is
   * locked the password is not even checked. A wrong password gets wrong_credentials, never a word about
   * sessions; failures reach the audit log rolled up, not one record each.
   */
  async login(username: string, password: string, address?: string): Promise<LoginResponse> {
    const attempt = await this.throttle.begin(username, address);
    let row: Awaited<ReturnType<typeof findUserByUsername>>;
    let ok: boolean;
    try {
      row = await findUserByUsername(this.db, username);
      // scrypt runs even for unknown names, so timing does not tell which names exist.
      ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    } catch (e) {
      await attempt.failed(null); // a try that could not be checked stays counted
      throw e;
    }
    if (!row || !ok || row.disabled) {
      await attempt.failed(row?.id ?? null);
      throw new SwitchboardError('wrong_credentials', WRONG_LOGIN);
    }
    const user = toUser(row);
    const sessionId = randomUUID();
    const refreshToken = await auditedTransaction(this.db, async (trx) => {
      await attempt.succeeded(trx);
      return this.startSession(trx, user.id, sessionId, 'auth.login', { address: address ?? null }, address);
    });
    return this.response(user, sessionId, refreshToken);
  }

  /** Rotates the refresh token. One that was already rotated is a sign of theft: its whole session is ended. */
  async refresh(refreshToken: string, address?: string): Promise<LoginResponse> {
    const now = this.now();
    const next = await auditedTransaction(this.db, async (trx) => {
      const row = await trx
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('token_hash', '=', hashRefreshToken(refreshToken))
        .executeTakeFirst();
      if (!row) throw new SwitchboardError('unauthenticated', 'Unknown session; sign in again.');
      const userRow = await getUserRow(trx, row.user_id);
      // forbidden, not unauthenticated: the desktop drops its copy of the data for a disabled account only.
      if (!userRow || userRow.disabled) throw new SwitchboardError('forbidden', 'This account is disabled.');
      if (row.revoked_at !== null) {
        // Reuse within a live session looks like theft (audited as auth.revoke, reason refresh-reused); after
        // the session ended it is only a late client, and nothing more is written.
        await revokeSessions(trx, { sessionId: row.family_id }, 'refresh-reused', row.user_id, now);
        return { error: new SwitchboardError('unauthenticated', SESSION_ENDED) };
      }
      if (Date.parse(row.expires_at) <= now.getTime()) {
        throw new SwitchboardError('unauthenticated', 'The session has expired; sign in again.');
      }
      await trx
        .updateTable('refresh_tokens')
        .set({ revoked_at: now.toISOString() })
        .where('token_hash', '=', row.token_hash)
        .execute();
      await writeAudit(trx, {
        at: now.toISOString(),
        actorId: row.user_id,
        action: 'auth.refresh',
        subjectId: row.user_id,
        source: address ?? null,
        detail: { session: row.family_id },
      });
      return {
        user: toUser(userRow),
        sessionId: row.family_id,
        token: await this.storeRefreshToken(trx, userRow.id, row.family_id),
      };
    });
    // Thrown after commit, so the session's end is kept.
    if ('error' in next) throw next.error;
    return this.response(next.user, next.sessionId, next.token);
  }

  /** Ends the session the refresh token belongs to: its access tokens stop working at once. */
  async logout(refreshToken: string): Promise<void> {
    await auditedTransaction(this.db, async (trx) => {
      const row = await trx
        .selectFrom('refresh_tokens')
        .select(['family_id', 'user_id'])
        .where('token_hash', '=', hashRefreshToken(refreshToken))
        .executeTakeFirst();
      if (!row) return; // Signing out twice is not an error.
      await revokeSessions(trx, { sessionId: row.family_id }, 'logout', row.user_id, this.now());
    });
  }

  /**
   * A user changes their own password: the current one is checked (and throttled like a sign-in), every
   * session of theirs ends, this one included, and a new session is returned so the caller stays signed in.
   */
  async changePassword(
    accessToken: string,
    currentPassword: string,
    newPassword: string,
    address?: string,
  ): Promise<LoginResponse> {
    const { user } = await this.authenticate(accessToken);
    const attempt = await this.throttle.begin(user.username, address);
    let right: boolean;
    try {
      const row = await getUserRow(this.db, user.id);
      right = row !== undefined && (await verifyPassword(currentPassword, row.password_hash));
    } catch (e) {
      await attempt.failed(user.id);
      throw e;
    }
    if (!right) {
      await attempt.failed(user.id);
      throw new SwitchboardError('wrong_credentials', 'The current password is not correct.');
    }
    const hash = await hashPassword(newPassword);
    const sessionId = randomUUID();
    const refreshToken = await auditedTransaction(this.db, async (trx) => {
      await attempt.succeeded(trx);
      await setPasswordHash(trx, user.id, hash, user.id, this.now());
      return this.startSession(trx, user.id, sessionId, 'auth.login', { after: 'password change' }, address);
    });
    return this.response(user, sessionId, refreshToken);
  }

  /** The user behind an access token, checked against the database so an ended session stops at once. */
  async authenticate(accessToken: string): Promise<{ user: User; expiresAt: number }> {
    const claims = await this.verify(accessToken);
    return { user: await this.userFor(claims), expiresAt: claims.expiresAt };
  }

  /** The signature and expiry of an access token: the costly half of `authenticate`, which a socket can keep. */
  verify(accessToken: string): Promise<AccessClaims> {
    return verifyAccessToken(this.secret, accessToken, this.now());
  }

  /**
   * The user behind claims `verify` accepted, perhaps a while ago: expiry is checked against the clock again,
   * and the session and the user's row are read afresh (one indexed read, the one a user check needed anyway),
   * so an expired token, an ended session or a disabled account stops at once, on REST and on every socket event.
   */
  async userFor(claims: AccessClaims): Promise<User> {
    checkNotExpired(claims, this.now());
    const row = await this.db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .selectAll('users')
      .select('sessions.revoked_at as session_revoked_at')
      .where('sessions.id', '=', claims.sessionId)
      .executeTakeFirst();
    if (!row || row.id !== claims.userId || row.session_revoked_at !== null)
      throw new SwitchboardError('unauthenticated', SESSION_ENDED);
    if (row.disabled) throw new SwitchboardError('unauthenticated', 'This account is disabled.');
    return toUser(row);
  }

  private async startSession(
    trx: Tx,
    userId: string,
    sessionId: string,
    action: string,
    detail: Record<string, unknown>,
    address?: string,
  ): Promise<string> {
    const at = this.now().toISOString();
    await trx
      .insertInto('sessions')
      .values({ id: sessionId, user_id: userId, created_at: at, revoked_at: null, revoked_reason: null })
      .execute();
    await writeAudit(trx, {
      at,
      actorId: userId,
      action,
      subjectId: userId,
      source: address ?? null,
      detail: { session: sessionId, ...detail },
    });
    return this.storeRefreshToken(trx, userId, sessionId);
  }

  private async storeRefreshToken(trx: Tx, userId: string, familyId: string): Promise<string> {
    const token = newRefreshToken();
    await trx
      .insertInto('refresh_tokens')
      .values({
        token_hash: hashRefreshToken(token),
        user_id: userId,
        family_id: familyId,
        expires_at: new Date(this.now().getTime() + REFRESH_TTL_SECONDS * 1000).toISOString(),
        revoked_at: null,
      })
      .execute();
    return token;
  }

  private async response(user: User, sessionId: string, refreshToken: string): Promise<LoginResponse> {
    const department = user.departmentId ? ((await getDepartment(this.db, user.departmentId)) ?? null) : null;
    return {
      accessToken: await signAccessToken(this.secret, user, sessionId, this.accessTtlSeconds, this.now()),
      refreshToken,
      expiresIn: this.accessTtlSeconds,
      user,
      department,
    };
  }
}

/** Stores a new password hash and ends every session of the user (their access tokens stop at once). */
export async function setPasswordHash(
  trx: Tx,
  userId: string,
  hash: string,
  actorId: string,
  now: Date,
): Promise<void> {
  await trx.updateTable('users').set({ password_hash: hash }).where('id', '=', userId).execute();
  await writeAudit(trx, {
    at: now.toISOString(),
    actorId,
    action: 'user.password_change',
    subjectId: userId,
    detail: {},
  });
  await revokeSessions(trx, { userId }, 'password', actorId, now);
}
