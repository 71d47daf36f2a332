import type { ErrorCode } from '../../shared';

export const httpStatus: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  wrong_credentials: 401,
  too_many_attempts: 429,
  token_expired: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  internal: 500,
};
