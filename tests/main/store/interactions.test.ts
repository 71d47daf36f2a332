import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { openStore, type LocalStore } from '../../../src/main/store';
import type { InteractionLog } from '../../../src/shared/protocol/voice';
import { AGENT_A1, AGENT_A2, DEPT_A, customer, interaction, tempDir, up } from '../fixtures';

let dir: ReturnType<typeof tempDir>;
let path: string;
let store: LocalStore;
const now = () => new Date().toISOString();
const me = { departmentId: DEPT_A, agentId: AGENT_A1, customerId: null };

beforeEach(() => {
  dir = tempDir();
  path = join(dir.path, 'i.sqlite');
  store = openStore(path);
  store.write.applyPage(up.directory(), 10, 10, now());
});
afterEach(() => {
  store.close();
  dir.remove();
});

function log(over: Partial<InteractionLog> = {}): InteractionLog {
  return {
    interactionId: uuidv7(),
    callId: `direct-${uuidv7()}`,
    direction: 'inbound',
    callerNumber: '138 0013 8000',
    calleeNumber: '1001',
    queueNumber: null,
    ringAt: '2026-03-02T08:00:00.000Z',
    answerAt: '2026-03-02T08:00:05.000Z',
    endAt: '2026-03-02T08:03:05.000Z',
    holdSeconds: 12,
    ...over,
  };
}

const wrapUp = (interactionId: string, disposition = 'resolved') => ({
  interactionId,
  disposition,
  notes: '客户确认已解决',
  ticketId: null,
});

describe('call records in the replica', () => {
  it('applies pulled calls and answers by customer, caller and Call-ID, newest first', () => {
    const c = customer({ phone: '+8613900139000' });
    const older = interaction({ customerId: c.id, ringAt: '2026-03-01T08:00:00.000Z' });
    const newer = interaction({ customerId: c.id, ringAt: '2026-03-01T09:00:00.000Z' });
    const unknownCaller = interaction({ callerNumber: '+8613700137000' });
    // The same call first offered to a colleague is the colleague's; this agent's record comes first.
    const colleagues = interaction({ agentId: AGENT_A2, callId: 'shared-call', status: 'abandoned' });
    const touched = store.write.applyPage(
      [up.customer(c), ...[older, newer, unknownCaller, colleagues].map(up.interaction)],
      11,
      11,
      now(),
    );
    expect(touched.interactionIds.sort()).toEqual(
      [older.id, newer.id, unknownCaller.id, colleagues.id].sort(),
    );
    expect(store.read.customerInteractions(c.id, 10).map((i) => i.id)).toEqual([newer.id, older.id]);
    expect(store.read.customerInteractions(c.id, 1).map((i) => i.id)).toEqual([newer.id]);
    expect(store.read.callerInteractions('+8613700137000', 5).map((i) => i.id)).toEqual([unknownCaller.id]);
    expect(store.read.interactionForCall('shared-call', AGENT_A1)?.id).toBe(colleagues.id);
    const mine = interaction({ callId: 'shared-call', id: uuidv7() });
    store.write.applyPage([up.interaction(mine)], 12, 12, now());
    expect(store.read.interactionForCall('shared-call', AGENT_A1)).toMatchObject({
      id: mine.id,
      syncState: 'synced',
    });
  });

  it('keeps a call logged offline, with its queued mutation, across a restart', () => {
    const l = log();
    const id = store.write.logCallLocally(l, me, uuidv7(), now());
    expect(id).toBe(l.interactionId);
    store.close();

    store = openStore(path);
    expect(store.read.getInteraction(id)).toMatchObject({
      callId: l.callId,
      callerNumber: '+8613800138000',
      calleeNumber: '1001',
      departmentId: DEPT_A,
      agentId: AGENT_A1,
      status: 'ended',
      answerAt: l.answerAt,
      holdSeconds: 12,
      syncState: 'pending',
    });
    expect(store.read.outbox(10).map((e) => e.mutation)).toEqual([
      { id: expect.any(String), name: 'interaction.log', args: l },
    ]);
    // The same log again (a retried call from the renderer) queues nothing more.
    expect(store.write.logCallLocally(l, me, uuidv7(), now())).toBe(id);
    expect(store.read.pendingCount()).toBe(1);
  });

  it('lays a pending wrap-up over a newer server copy and undoes it to that copy when refused', () => {
    const s = interaction({ version: 3 });
    store.write.applyPage([up.interaction(s)], 11, 11, now());
    const mutationId = uuidv7();
    store.write.completeCallLocally(s.id, wrapUp(s.id), mutationId, now());
    expect(store.read.getInteraction(s.id)).toMatchObject({ disposition: 'resolved', syncState: 'pending' });

    // The PBX's late hold time reaches the server meanwhile; the agent's wrap-up is still on show.
    store.write.applyPage([up.interaction({ ...s, holdSeconds: 40, version: 4 })], 12, 12, now());
    expect(store.read.getInteraction(s.id)).toMatchObject({
      disposition: 'resolved',
      notes: '客户确认已解决',
      holdSeconds: 40,
      version: 4,
    });
    // A page replayed from before changes nothing.
    store.write.applyPage([up.interaction({ ...s, holdSeconds: 0, version: 2 })], 12, 12, now());
    expect(store.read.getInteraction(s.id)).toMatchObject({ holdSeconds: 40, version: 4 });

    expect(store.write.markRejected(mutationId)).toEqual({
      ticketIds: [],
      customerIds: [],
      interactionIds: [s.id],
    });
    expect(store.read.getInteraction(s.id)).toMatchObject({
      disposition: null,
      notes: null,
      completedAt: null,
      holdSeconds: 40,
      syncState: 'synced',
    });
    expect(store.read.pendingCount()).toBe(0);
  });

  it('forgets the kept server copy once every change to the call is acknowledged', () => {
    const s = interaction();
    store.write.applyPage([up.interaction(s)], 11, 11, now());
    const first = uuidv7();
    const second = uuidv7();
    store.write.completeCallLocally(s.id, wrapUp(s.id, 'callback'), first, now());
    store.write.completeCallLocally(s.id, wrapUp(s.id, 'resolved'), second, now());
    store.write.markApplied([first]);
    expect(store.read.getInteraction(s.id)?.syncState).toBe('pending');
    // A refusal of the later wrap-up goes back to the server copy with the earlier one laid over it.
    store.write.markRejected(second);
    expect(store.read.getInteraction(s.id)).toMatchObject({ disposition: 'callback', syncState: 'synced' });
  });

  it("folds a provisional call into the server's record of the same call: one row, its changes moved over", () => {
    const l = log({ callId: 'queue-call-7', queueNumber: '8001' });
    store.write.logCallLocally(l, me, uuidv7(), now());
    store.write.completeCallLocally(l.interactionId, wrapUp(l.interactionId), uuidv7(), now());

    // The service had routed this call: its record (own id, ring time, no answer seen) arrives by sync.
    const server = interaction({
      callId: 'queue-call-7',
      status: 'abandoned',
      ringAt: '2026-03-02T07:59:58.000Z',
      answerAt: null,
      endAt: '2026-03-02T08:00:40.000Z',
    });
    const touched = store.write.applyPage([up.interaction(server)], 11, 11, now());
    expect(touched.interactionIds.sort()).toEqual([server.id, l.interactionId].sort());

    const row = store.read.interactionForCall('queue-call-7', AGENT_A1)!;
    expect(row).toMatchObject({
      id: server.id,
      ringAt: server.ringAt,
      // The desktop talked on it: its times win over the server's guess.
      status: 'ended',
      answerAt: l.answerAt,
      endAt: l.endAt,
      holdSeconds: 12,
      disposition: 'resolved',
      syncState: 'pending',
    });
    // The id the softphone knew still finds the call, and nothing else holds it.
    expect(store.read.getInteraction(l.interactionId)?.id).toBe(server.id);
    expect(store.read.callerInteractions('+8613800138000', 10).map((i) => i.id)).toEqual([server.id]);

    // Both queued mutations still name the provisional id: the server resolves it to its record.
    expect(store.read.outbox(10).map((e) => e.mutation)).toMatchObject([
      { name: 'interaction.log', args: { interactionId: l.interactionId } },
      { name: 'interaction.complete', args: { interactionId: l.interactionId } },
    ]);
    store.write.markApplied(store.read.outbox(10).map((e) => e.mutation.id));
    const { syncState: _, ...merged } = row;
    store.write.applyPage([up.interaction({ ...merged, version: 9 })], 12, 12, now());
    expect(store.read.getInteraction(server.id)).toMatchObject({ version: 9, syncState: 'synced' });
  });

  it('merges a log into the routed record the replica already has, under the id the softphone gave', () => {
    const routed = interaction({ status: 'ringing', answerAt: null, endAt: null, version: 5 });
    store.write.applyPage([up.interaction(routed)], 11, 11, now());
    const l = log({ callId: routed.callId, queueNumber: '8001' });
    expect(store.write.logCallLocally(l, me, uuidv7(), now())).toBe(routed.id);
    expect(store.read.getInteraction(l.interactionId)).toMatchObject({
      id: routed.id,
      status: 'ended',
      answerAt: l.answerAt,
      endAt: l.endAt,
      syncState: 'pending',
    });
    // Refused: back to the server copy.
    store.write.markRejected(store.read.outbox(1)[0]!.mutation.id);
    expect(store.read.getInteraction(routed.id)).toMatchObject({ status: 'ringing', syncState: 'synced' });
  });

  it("refuses to log a call the replica has as a colleague's", () => {
    const theirs = interaction({ agentId: AGENT_A2 });
    store.write.applyPage([up.interaction(theirs)], 11, 11, now());
    expect(() => store.write.logCallLocally(log({ callId: theirs.callId }), me, uuidv7(), now())).toThrow(
      /another agent/,
    );
    expect(store.read.pendingCount()).toBe(0);
  });

  it('drops a refused log with the wrap-up queued behind it: the server never had the call', () => {
    const l = log();
    const logMutation = uuidv7();
    store.write.logCallLocally(l, me, logMutation, now());
    store.write.completeCallLocally(l.interactionId, wrapUp(l.interactionId), uuidv7(), now());
    expect(store.write.markRejected(logMutation)?.interactionIds).toEqual([l.interactionId]);
    expect(store.read.getInteraction(l.interactionId)).toBeNull();
    expect(store.read.pendingCount()).toBe(0);
  });
});
