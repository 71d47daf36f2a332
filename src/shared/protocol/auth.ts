import { z } from 'zod';
import { User, Department } from '../domain';

/** POST /api/auth/login */
export const LoginRequest = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const TokenPair = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  /** Seconds until the access token expires. */
  expiresIn: z.number().int().positive(),
});
export type TokenPair = z.infer<typeof TokenPair>;

export const LoginResponse = TokenPair.extend({ user: User, department: Department.nullable() });
export type LoginResponse = z.infer<typeof LoginResponse>;

/** POST /api/auth/refresh: rotates the refresh token (the old one stops working). */
export const RefreshRequest = z.object({ refreshToken: z.string().min(10) });
export type RefreshRequest = z.infer<typeof RefreshRequest>;
export const RefreshResponse = LoginResponse;
export type RefreshResponse = LoginResponse;

/** POST /api/auth/logout: ends the session (its refresh token and every access token of it). */
export const LogoutRequest = RefreshRequest;

/**
 * POST /api/auth/password with the access token: changes the caller's password. Every session of the user
 * ends; the answer is a new session (LoginResponse) for the caller.
 */
export const ChangePasswordRequest = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(8).max(256),
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

export const REST = {
  login: '/api/auth/login',
  refresh: '/api/auth/refresh',
  logout: '/api/auth/logout',
  password: '/api/auth/password',
  health: '/api/health',
  ticket: (id: string) => `/api/tickets/${id}`,
} as const;
