import { ErrorBody, SwitchboardError } from '../../shared';

/**
 * Turn whatever a transport rejected with into a SwitchboardError carrying an ErrorBody, so screens handle
 * one shape whichever transport is underneath. Electron IPC flattens thrown errors into a message string,
 * so the body may arrive as a property, as the whole object, or as JSON inside the message.
 */
export function toSwitchboardError(e: unknown): SwitchboardError {
  if (e instanceof SwitchboardError) return e;
  const body = findBody(e);
  if (body) return SwitchboardError.fromBody(body);
  const message = e instanceof Error ? e.message : String(e);
  return new SwitchboardError('internal', message);
}

function findBody(e: unknown): ErrorBody | null {
  const direct = ErrorBody.safeParse(e);
  if (direct.success) return direct.data;
  if (e && typeof e === 'object') {
    for (const key of ['body', 'error', 'cause']) {
      const nested = ErrorBody.safeParse((e as Record<string, unknown>)[key]);
      if (nested.success) return nested.data;
    }
  }
  if (e instanceof Error) {
    const start = e.message.indexOf('{');
    if (start >= 0) {
      try {
        const parsed = ErrorBody.safeParse(JSON.parse(e.message.slice(start)));
        if (parsed.success) return parsed.data;
      } catch {
        // Not JSON: fall through to a generic error.
      }
    }
  }
  return null;
}

export function errorBodyOf(e: unknown): ErrorBody {
  return toSwitchboardError(e).toBody();
}
