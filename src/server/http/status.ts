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
  deleted: 410,
  unavailable: 503,
  internal: 500,
  // Desktop storage faults: the server never sends them, but every code needs a status.
  disk_full: 507,
  storage_read_only: 500,
  storage_locked: 503,
  storage_corrupt: 500,
};
