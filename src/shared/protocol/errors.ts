import { z } from 'zod';

/** Error codes shared by REST, socket acks and the IPC contract; the UI maps each to a sentence in both languages. */
export const ErrorCode = z.enum([
  'bad_request',
  'unauthenticated',
  /** Sign-in only: the user name or password is wrong (never about sessions; see unauthenticated). */
  'wrong_credentials',
  /** Sign-in refused for a while after repeated failures; the body says how long (retryAfterSeconds). */
  'too_many_attempts',
  'token_expired',
  'forbidden',
  'not_found',
  'conflict',
  /** The ticket was deleted (by someone with the delete right): it can no longer be read or changed. */
  'deleted',
  'unavailable',
  'internal',
  /** This computer's disk is full (SQLITE_FULL, ENOSPC): nothing queued is lost; it is sent once there is room. */
  'disk_full',
  /** The desktop's data folder or replica cannot be written (SQLITE_READONLY, EACCES, EROFS). */
  'storage_read_only',
  /** Another program holds the replica's lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED). */
  'storage_locked',
  /** The replica is damaged (SQLITE_CORRUPT, SQLITE_NOTADB): it is set aside and rebuilt from the server. */
  'storage_corrupt',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** The error codes that name a fault of the desktop's own storage (see src/main/store/faults.ts). */
export const StorageFault = ErrorCode.extract([
  'disk_full',
  'storage_read_only',
  'storage_locked',
  'storage_corrupt',
]);
export type StorageFault = z.infer<typeof StorageFault>;

export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Field-level problems from schema validation: path -> message. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  /** too_many_attempts: seconds until another try can be made (also sent as HTTP Retry-After). */
  retryAfterSeconds: z.number().int().positive().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export class SwitchboardError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SwitchboardError';
  }
  /** The error a wire body describes, with everything it carries (so a relay loses nothing). */
  static fromBody(body: ErrorBody): SwitchboardError {
    return new SwitchboardError(body.code, body.message, body.issues, body.retryAfterSeconds);
  }
  toBody(): ErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.issues ? { issues: this.issues } : {}),
      ...(this.retryAfterSeconds !== undefined ? { retryAfterSeconds: this.retryAfterSeconds } : {}),
    };
  }
}

/** How many wrong fields an error names: a list of 100,000 bad items gets a sentence, not megabytes. */
const MAX_ISSUES = 20;
const clip = (s: string, max = 200) => (s.length > max ? `${s.slice(0, max)}…` : s);

/** Parse with a schema, turning a failure into a bad_request that names the wrong fields (the first 20). */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what = 'input'): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const all = r.error.issues;
  const issues = all
    .slice(0, MAX_ISSUES)
    .map((i) => ({ path: clip(i.path.map(String).join('.')), message: clip(i.message) }));
  const more = all.length > MAX_ISSUES ? `; and ${all.length - MAX_ISSUES} more` : '';
  throw new SwitchboardError(
    'bad_request',
    `Invalid ${what}: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}${more}`,
    issues,
  );
}

/** Acknowledgement envelope for every socket.io request/response event. */
export const Ack = <T extends z.ZodType>(data: T) =>
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ErrorBody }),
  ]);
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
