import type {
  EventName,
  EventPayload,
  MethodInput,
  MethodName,
  MethodOutput,
  SwitchboardApi,
  SwitchboardBridge,
} from '../../shared';
import { ResultMessage, SwitchboardError } from '../../shared';

/**
 * The Electron carrier: the preload hands over envelopes (contextBridge would strip a thrown error down
 * to its message), and this turns them back into resolved outputs and SwitchboardErrors.
 */
export function bridgeApi(bridge: SwitchboardBridge): SwitchboardApi {
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let unsubscribe: (() => void) | null = null;

  return {
    async invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      const envelope = ResultMessage.safeParse(await bridge.invokeRaw(method, input));
      if (!envelope.success)
        throw new SwitchboardError('internal', `Malformed answer to ${method} from the preload`);
      if (envelope.data.ok) return envelope.data.output as MethodOutput<M>;
      throw SwitchboardError.fromBody(envelope.data.error);
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
      // One subscription to the bridge fans out to every listener here.
      unsubscribe ??= bridge.onEvent((m) => {
        for (const l of [...(listeners.get(m.event) ?? [])]) l(m.payload);
      });
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = listener as (payload: unknown) => void;
      set.add(l);
      return () => set.delete(l);
    },
  };
}
