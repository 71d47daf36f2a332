import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isUnsolved } from '../../../src/shared';
import type { TicketRow } from '../../../src/shared/ipc/contract';
import { tempDir } from '../fixtures';
import { desktop, startDemoServer, waitFor, type TestDesktop, signIn } from './helpers';

/**
 * Linked tickets and merge through the desktop services: links made here show in the detail from the replica
 * (another department's ticket as a link without its row), and a merge made offline is queued, shown at once,
 * and applied by the server after reconnecting, the target then holding the source's words.
 */
let dir: ReturnType<typeof tempDir>;
let server: Awaited<ReturnType<typeof startDemoServer>>;
let port = 0;
const dbPath = () => join(dir.path, 'server.sqlite');
let wang: TestDesktop;
let liu: TestDesktop;

beforeAll(async () => {
  dir = tempDir('sb-links-');
  server = await startDemoServer(dbPath(), 0);
  port = Number(new URL(server.url).port);
  wang = desktop(join(dir.path, 'wang'), { deviceId: 'wang-desk' });
  liu = desktop(join(dir.path, 'liu'), { deviceId: 'liu-desk' });
  await signIn(wang, server.url, 'agent01');
  await signIn(liu, server.url, 'agent05');
}, 120_000);

afterAll(async () => {
  await wang?.services.dispose();
  await liu?.services.dispose();
  await server?.close();
  dir?.remove();
});

const used = new Set<string>();
async function pick(d: TestDesktop): Promise<TicketRow> {
  const page = await d.call('tickets.search', { limit: 300 });
  const row = page.rows.find((r) => isUnsolved(r.status) && r.syncState === 'synced' && !used.has(r.id))!;
  used.add(row.id);
  return row;
}

describe('links on the desktop', () => {
  it('shows parent, children and related from the replica, both ways once synced', async () => {
    const [parent, child, related] = [await pick(wang), await pick(wang), await pick(wang)];
    await wang.call('tickets.update', { id: child.id, patch: { parentId: parent.id } });
    await wang.call('tickets.update', { id: parent.id, patch: { relatedIds: [related.id] } });
    // At once, from the replica: the child lists its parent, the parent its child.
    const childDetail = await wang.call('tickets.get', { id: child.id });
    expect(childDetail.links.parent).toMatchObject({ id: parent.id, row: { number: parent.number } });
    const parentDetail = await wang.call('tickets.get', { id: parent.id });
    expect(parentDetail.links.children.map((l) => l.id)).toEqual([child.id]);
    expect(parentDetail.links.related).toMatchObject([{ id: related.id, row: { subject: related.subject } }]);

    await wang.waitSynced();
    // The reverse related link comes from the server.
    await waitFor(
      async () => (await wang.call('tickets.get', { id: related.id })).links.related[0]?.id === parent.id,
      'the reverse related link to arrive',
    );

    // Unlinked, the history still names the ticket it pointed to, by its row.
    await wang.call('tickets.update', { id: child.id, patch: { parentId: null } });
    const unlinked = await wang.call('tickets.get', { id: child.id });
    expect(unlinked.links.parent).toBeNull();
    expect(unlinked.links.mentioned).toMatchObject([{ id: parent.id, row: { number: parent.number } }]);
    await wang.call('tickets.update', { id: child.id, patch: { parentId: parent.id } });
    await wang.waitSynced();

    // A cycle is refused before anything is queued.
    const cycle = await wang.services.invoke('tickets.update', {
      id: parent.id,
      patch: { parentId: child.id },
    });
    expect(cycle).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect((await wang.call('sync.status', {})).pending).toBe(0);
  });

  it('refuses another department’s ticket it does not hold', async () => {
    const mine = await pick(wang);
    const theirs = await pick(liu);
    const r = await wang.services.invoke('tickets.update', {
      id: mine.id,
      patch: { relatedIds: [theirs.id] },
    });
    expect(r).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('merge on the desktop', () => {
  it('queued offline, shown at once, applied after reconnecting; merging again says where it went', async () => {
    const [source, target] = [await pick(wang), await pick(wang)];
    const reply = `客户来电补充：快递单号 SF${Date.now()}`;
    await wang.call('tickets.comment', { ticketId: source.id, body: reply, internal: false });
    await wang.waitSynced();

    await server.close();
    await waitFor(async () => (await wang.call('sync.status', {})).state === 'offline', 'offline');
    const row = await wang.call('tickets.merge', {
      sourceId: source.id,
      targetId: target.id,
      note: '重复工单',
    });
    expect(row).toMatchObject({ mergedInto: target.id, status: 'closed', syncState: 'pending' });
    const offline = await wang.call('tickets.get', { id: source.id });
    expect(offline.links.mergedInto).toMatchObject({ id: target.id, row: { number: target.number } });

    server = await startDemoServer(dbPath(), port);
    await waitFor(async () => (await wang.call('sync.status', {})).pending === 0, 'the outbox to drain');
    await waitFor(
      async () =>
        (await wang.call('tickets.get', { id: target.id })).comments.some(
          (c) => c.internal && c.body.includes(reply),
        ),
      'the target to hold the source’s words',
    );
    const after = await wang.call('tickets.get', { id: source.id });
    expect(after.ticket).toMatchObject({ mergedInto: target.id, status: 'closed', syncState: 'synced' });
    expect(after.history.find((h) => h.field === 'mergedInto')).toMatchObject({
      to: target.id,
      note: '重复工单',
    });
    expect((await wang.call('tickets.get', { id: target.id })).links.mergedFrom.map((l) => l.id)).toEqual([
      source.id,
    ]);
    expect((await wang.call('notSent.list', {})).some((k) => k.ticketId === source.id)).toBe(false);

    const again = await wang.services.invoke('tickets.merge', { sourceId: source.id, targetId: target.id });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(again.ok ? '' : again.error.message).toContain(`already merged into #${target.number}`);
  });
});
