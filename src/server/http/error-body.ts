import { SwitchboardError, type ErrorBody } from '../../shared';

/** The wire form of any error: ours as they are; anything else is logged (stack only) and becomes `internal`. */
export function errorBody(e: unknown, log: (line: string) => void): ErrorBody {
  if (e instanceof SwitchboardError) return e.toBody();
  log(`unexpected error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  return { code: 'internal', message: 'The server could not complete the request.' };
}
