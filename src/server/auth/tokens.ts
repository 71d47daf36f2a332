import { createHash, randomBytes } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';
import { SwitchboardError, type User } from '../../shared';

export const DEFAULT_ACCESS_TTL_SECONDS = 15 * 60;
export const REFRESH_TTL_SECONDS = 30 * 24 * 3600;
const ISSUER = 'switchboard';

export interface AccessClaims {
  userId: string;
  /** The session (sessions.id) the token belongs to: ending it stops the token at once. */
  sessionId: string;
  /** Seconds since the epoch. */
  expiresAt: number;
}

export async function signAccessToken(
  secret: Uint8Array,
  user: User,
  sessionId: string,
  ttlSeconds: number,
  now: Date,
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ role: user.role, dept: user.departmentId, sid: sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(user.id)
    .setIssuer(ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttlSeconds)
    .sign(secret);
}

/** token_expired lets a client refresh and retry; unauthenticated means sign in again. */
export async function verifyAccessToken(secret: Uint8Array, token: string, now: Date): Promise<AccessClaims> {
  try {
    const { payload } = await jwtVerify(token, secret, {
      issuer: ISSUER,
      algorithms: ['HS256'],
      currentDate: now,
    });
    if (!payload.sub || payload.exp === undefined) {
      throw new SwitchboardError('unauthenticated', 'The access token is not valid; sign in again.');
    }
    // Signed by us before sessions were tracked: the client's refresh gives it one that names its session.
    if (typeof payload.sid !== 'string' || payload.sid === '') throw tokenExpired();
    return { userId: payload.sub, sessionId: payload.sid, expiresAt: payload.exp };
  } catch (e) {
    if (e instanceof SwitchboardError) throw e;
    if (e instanceof errors.JWTExpired) throw tokenExpired();
    throw new SwitchboardError('unauthenticated', 'The access token is not valid; sign in again.');
  }
}

/** The same check jose makes (whole seconds), for claims verified earlier and held since. */
export function checkNotExpired(claims: AccessClaims, now: Date): void {
  if (claims.expiresAt <= Math.floor(now.getTime() / 1000)) throw tokenExpired();
}

function tokenExpired(): SwitchboardError {
  return new SwitchboardError('token_expired', 'The access token has expired; refresh it.');
}

/** Refresh tokens are opaque random strings; only their SHA-256 is stored. */
export function newRefreshToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashRefreshToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
