import { randomUUID } from 'node:crypto';
import { SwitchboardError, type LoginResponse, type User } from '../../shared';
import { writeAudit } from '../audit/audit-log';
import type { Db, Tx } from '../db/schema';
import { findUserByUsername, getDepartment, getUserRow, toUser } from '../directory/directory-store';
import { DUMMY_HASH, verifyPassword } from './passwords';
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

const WRONG_LOGIN = 'Wrong user name or password.';

export class AuthService {
  constructor(
    private readonly db: Db,
    private readonly secret: Uint8Array,
    private readonly accessTtlSeconds: number,
    private readonly now: Clock,
  ) {}

  async login(username: string, password: string): Promise<LoginResponse> {
    const row = await findUserByUsername(this.db, username);
    // scrypt runs even for unknown names, so timing does not tell which names exist.
    const ok = await verifyPassword(password, row?.password_hash ?? DUMMY_HASH);
    const at = this.now().toISOString();
    if (!row || !ok || row.disabled) {
      await writeAudit(this.db, {
        at,
        actorId: row?.id ?? null,
        action: 'auth.login_failed',
        subjectId: null,
        detail: { username },
      });
      throw new SwitchboardError('unauthenticated', WRONG_LOGIN);
    }
    const user = toUser(row);
    const refreshToken = await this.db.transaction().execute(async (trx) => {
      await writeAudit(trx, { at, actorId: user.id, action: 'auth.login', subjectId: user.id, detail: {} });
      return this.storeRefreshToken(trx, user.id, randomUUID());
    });
    return this.response(user, refreshToken);
  }

  /** Rotates the refresh token. One that was already rotated is a sign of theft: its whole family is revoked. */
  async refresh(refreshToken: string): Promise<LoginResponse> {
    const now = this.now();
    const next = await this.db.transaction().execute(async (trx) => {
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
        await this.revokeFamily(trx, row.family_id);
        await writeAudit(trx, {
          at: now.toISOString(),
          actorId: row.user_id,
          action: 'auth.refresh_reused',
          subjectId: row.user_id,
          detail: { family: row.family_id },
        });
        return { error: new SwitchboardError('unauthenticated', 'This session was ended; sign in again.') };
      }
      if (Date.parse(row.expires_at) <= now.getTime()) {
        throw new SwitchboardError('unauthenticated', 'The session has expired; sign in again.');
      }
      await trx
        .updateTable('refresh_tokens')
        .set({ revoked_at: now.toISOString() })
        .where('token_hash', '=', row.token_hash)
        .execute();
      return { user: toUser(userRow), token: await this.storeRefreshToken(trx, userRow.id, row.family_id) };
    });
    // Thrown after commit, so the family revocation is kept.
    if ('error' in next) throw next.error;
    return this.response(next.user, next.token);
  }

  async logout(refreshToken: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('refresh_tokens')
        .select(['family_id', 'user_id'])
        .where('token_hash', '=', hashRefreshToken(refreshToken))
        .executeTakeFirst();
      if (!row) return; // Signing out twice is not an error.
      await this.revokeFamily(trx, row.family_id);
      await writeAudit(trx, {
        at: this.now().toISOString(),
        actorId: row.user_id,
        action: 'auth.logout',
        subjectId: row.user_id,
        detail: {},
      });
    });
  }

  /** The user behind an access token, checked against the database so a disabled account stops at once. */
  async authenticate(accessToken: string): Promise<{ user: User; expiresAt: number }> {
    const claims = await this.verify(accessToken);
    return { user: await this.userFor(claims), expiresAt: claims.expiresAt };
  }

  /** The signature and expiry of an access token: the costly half of `authenticate`, which a socket can keep. */
  verify(accessToken: string): Promise<AccessClaims> {
    return verifyAccessToken(this.secret, accessToken, this.now());
  }

  /**
   * The user behind claims `verify` accepted, perhaps a while ago: expiry is checked against the clock again and
   * the user's row read afresh, so an expired token or a disabled account stops at once.
   */
  async userFor(claims: AccessClaims): Promise<User> {
    checkNotExpired(claims, this.now());
    const row = await getUserRow(this.db, claims.userId);
    if (!row || row.disabled) throw new SwitchboardError('unauthenticated', 'This account is disabled.');
    return toUser(row);
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

  private async revokeFamily(trx: Tx, familyId: string): Promise<void> {
    await trx
      .updateTable('refresh_tokens')
      .set({ revoked_at: this.now().toISOString() })
      .where('family_id', '=', familyId)
      .where('revoked_at', 'is', null)
      .execute();
  }

  private async response(user: User, refreshToken: string): Promise<LoginResponse> {
    const department = user.departmentId ? ((await getDepartment(this.db, user.departmentId)) ?? null) : null;
    return {
      accessToken: await signAccessToken(this.secret, user, this.accessTtlSeconds, this.now()),
      refreshToken,
      expiresIn: this.accessTtlSeconds,
      user,
      department,
    };
  }
}
