import type { z } from 'zod';
import type {
  EventName,
  EventPayload,
  MethodInput,
  MethodName,
  MethodOutput,
  SwitchboardApi,
} from '../../shared';
import { SwitchboardError, contract, events, parseOrThrow } from '../../shared';
import { toSwitchboardError } from './api-error';

/**
 * Wrap a carrier (preload bridge or websocket) so every input is checked before it leaves, every output
 * and event payload is checked on arrival, and every rejection is a SwitchboardError with an ErrorBody.
 */
export function validatedApi(carrier: SwitchboardApi): SwitchboardApi {
  return {
    async invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      const spec = contract[method] as { input: z.ZodType; output: z.ZodType };
      const checked = parseOrThrow(spec.input, input, `${method} input`) as MethodInput<M>;
      let output: unknown;
      try {
        output = await carrier.invoke(method, checked);
      } catch (e) {
        throw toSwitchboardError(e);
      }
      const parsed = spec.output.safeParse(output);
      if (!parsed.success) {
        throw new SwitchboardError(
          'internal',
          `The desktop services answered ${method} in an unexpected shape: ${parsed.error.issues
            .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
            .join('; ')}`,
        );
      }
      return parsed.data as MethodOutput<M>;
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      const schema = events[event] as z.ZodType;
      return carrier.on(event, (payload) => {
        const parsed = schema.safeParse(payload);
        if (parsed.success) listener(parsed.data as EventPayload<E>);
        else console.warn(`switchboard: dropped a malformed ${event} event`, parsed.error.issues);
      });
    },
  };
}
