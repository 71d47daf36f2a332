import { z } from 'zod';

/** Error codes shared by REST, socket acks and the IPC contract; the UI maps each to a sentence in both languages. */
export const ErrorCode = z.enum([
  'bad_request',
  'unauthenticated',
  'token_expired',
  'forbidden',
  'not_found',
  'conflict',
  'unavailable',
  'internal',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

export const ErrorBody = z.object({
  code: ErrorCode,
  message: z.string(),
  /** Field-level problems from schema validation: path -> message. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export class SwitchboardError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: { path: string; message: string }[],
  ) {
    super(message);
    this.name = 'SwitchboardError';
  }
  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.issues ? { issues: this.issues } : {}) };
  }
}

/** Parse with a schema, turning a failure into a bad_request that names every wrong field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what = 'input'): z.infer<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  throw new SwitchboardError(
    'bad_request',
    `Invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
  );
}

/** Acknowledgement envelope for every socket.io request/response event. */
export const Ack = <T extends z.ZodType>(data: T) =>
  z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), data }),
    z.object({ ok: z.literal(false), error: ErrorBody }),
  ]);
export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
