import { SwitchboardError, type ErrorBody, type ErrorCode } from '../../shared';

/**
 * What the HTTP layer under our routes (express's router, body-parser) throws about a request it could not read:
 * an error carrying a 4xx `status`. These are the client's fault and say so; without this they became
 * `internal` 500s (a %-encoding that does not decode in a path, a body in an encoding or charset we do not read).
 */
const CLIENT_ERRORS: Record<number, { code: ErrorCode; message: string }> = {
  400: { code: 'bad_request', message: 'The request could not be read: check its address and body.' },
  404: { code: 'not_found', message: 'No such API endpoint.' },
  413: { code: 'bad_request', message: 'The request body is too large.' },
  415: {
    code: 'bad_request',
    message: 'The request body is in an encoding or character set the server does not read; send UTF-8 JSON.',
  },
};

function clientError(e: unknown): ErrorBody | null {
  if (!(e instanceof Error)) return null;
  const { status, statusCode } = e as { status?: unknown; statusCode?: unknown };
  const s = typeof status === 'number' ? status : statusCode;
  if (typeof s !== 'number' || s < 400 || s > 499) return null;
  return CLIENT_ERRORS[s] ?? CLIENT_ERRORS[400]!;
}

/** The wire form of any error: ours as they are; anything else is logged (stack only) and becomes `internal`. */
export function errorBody(e: unknown, log: (line: string) => void): ErrorBody {
  if (e instanceof SwitchboardError) return e.toBody();
  const client = clientError(e);
  if (client) return client;
  log(`unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return { code: 'internal', message: 'The server could not complete the request.' };
}
