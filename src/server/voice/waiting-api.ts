import type { User, WaitingCall } from '../../shared';
import type { VoiceCluster } from './voice-cluster';
import type { VoiceService } from './voice-service';

/**
 * The callers waiting in queues, for the supervisors' live view (README "API for the live view"), the same on
 * every node: on one node (SQLite) straight from the VoiceService; on several (PostgreSQL) from the node that
 * owns routing, whose changes reach the others through the cluster's notifications.
 */
export interface WaitingApi {
  /** The waiting calls now, in the order they will be offered (every department: filter by queue). */
  waitingCalls(): Promise<WaitingCall[]>;
  /** Told of the whole waiting list after each change, on this node; returns the way to stop listening. */
  onChange(listener: (calls: WaitingCall[]) => void): () => void;
  /**
   * A supervisor (of the call's department) or admin offers a waiting call to this agent next: the agent must
   * be Available, with a phone, of the call's department. Refusals: not_found, forbidden, conflict.
   */
  assignWaiting(actor: User, callId: string, userId: string): Promise<void>;
}

export function waitingApi(voice: VoiceService, cluster?: VoiceCluster): WaitingApi {
  return {
    waitingCalls: () => (cluster ? cluster.waitingCalls() : Promise.resolve(voice.waitingCalls())),
    onChange(listener) {
      // The owner's own changes come from its VoiceService; a follower's from the owner's notifications.
      const stops = [
        voice.onWaitingChange(listener),
        ...(cluster ? [cluster.onRemoteWaitingChange(listener)] : []),
      ];
      return () => {
        for (const stop of stops) stop();
      };
    },
    assignWaiting: async (actor, callId, userId) => {
      if (cluster) await cluster.assignWaiting(callId, userId, actor);
      else {
        voice.assignWaiting(callId, userId, actor.id, actor);
        await voice.committed().catch(() => {});
      }
    },
  };
}
