import { SignJWT } from 'jose';
import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/shared';
import { connectSocket, login, pullAll, startTestServer, type TestServer } from './helpers';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ tickets: 900, customers: 300 });
});
afterAll(async () => server?.stop());

async function everything(username: string) {
  const session = await login(server.url, username);
  const socket = await connectSocket(server.url, session.accessToken);
  try {
    return { session, changes: (await pullAll(socket)).changes };
  } finally {
    socket.close();
  }
}

function connectError(promise: Promise<Socket>): Promise<{ message: string; data?: { code: string } }> {
  return promise.then(
    (s) => {
      s.close();
      throw new Error('the connection was accepted');
    },
    (e: { message: string; data?: { code: string } }) => e,
  );
}

describe('socket security', () => {
  it("never sends an agent another department's tickets, comments, history or customers", async () => {
    const { session, changes } = await everything('agent09'); // billing
    const { changes: all } = await everything('admin');
    const dept = session.user.departmentId!;

    const allTickets = new Map<string, { departmentId: string; customerId: string }>();
    for (const c of all) if (c.kind === 'ticket' && c.op === 'upsert') allTickets.set(c.data.id, c.data);
    const ownTicketIds = new Set(
      [...allTickets].filter(([, t]) => t.departmentId === dept).map(([id]) => id),
    );
    const ownCustomers = new Set(
      [...allTickets.values()].filter((t) => t.departmentId === dept).map((t) => t.customerId),
    );
    expect(ownTicketIds.size).toBeGreaterThan(0);
    expect(ownTicketIds.size).toBeLessThan(allTickets.size);

    const kinds = new Set<string>();
    for (const c of changes as Change[]) {
      kinds.add(c.kind);
      if (c.op !== 'upsert') continue;
      switch (c.kind) {
        case 'ticket':
          expect(c.data.departmentId).toBe(dept);
          break;
        case 'comment':
        case 'history':
          expect(ownTicketIds.has(c.data.ticketId)).toBe(true);
          break;
        case 'customer':
          expect(ownCustomers.has(c.data.id)).toBe(true);
          break;
      }
    }
    // The agent gets the whole of its own department and the shared directory.
    const seenTickets = new Set(
      changes.flatMap((c) => (c.kind === 'ticket' && c.op === 'upsert' ? [c.data.id] : [])),
    );
    expect(seenTickets).toEqual(ownTicketIds);
    expect([...kinds].sort()).toEqual(['comment', 'customer', 'department', 'history', 'ticket', 'user']);
    const serialized = JSON.stringify(changes);
    expect(serialized).not.toMatch(/password|scrypt/);
  });

  it('refuses a connection without a token, with a forged token, and with an expired token', async () => {
    expect((await connectError(connectSocket(server.url, undefined))).message).toBe('unauthenticated');

    const real = await login(server.url, 'agent01');
    const forged = await new SignJWT({ role: 'admin', dept: null })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(real.user.id)
      .setIssuer('switchboard')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('not-the-server-secret-not-the-server-secret'));
    const refused = await connectError(connectSocket(server.url, forged));
    expect(refused.message).toBe('unauthenticated');
    expect(refused.data?.code).toBe('unauthenticated');
    const tampered = `${real.accessToken.slice(0, -4)}AAAA`;
    expect((await connectError(connectSocket(server.url, tampered))).message).toBe('unauthenticated');

    const realNow = server.clock.now;
    server.clock.now = new Date(realNow.getTime() + 60 * 60_000);
    try {
      const expired = await connectError(connectSocket(server.url, real.accessToken));
      expect(expired.message).toBe('token_expired');
    } finally {
      server.clock.now = realNow;
    }
    // The same token is fine while valid: the refusals above were about the token, not the server.
    (await connectSocket(server.url, real.accessToken)).close();
  });
});

describe('events the server does not have', () => {
  it('are answered at once with bad_request, and the socket still works', async () => {
    const session = await login(server.url, 'agent01');
    const socket = await connectSocket(server.url, session.accessToken);
    try {
      for (const event of ['sync:nope', 'agent:fly', 'constructor', '__proto__']) {
        const ack = (await socket.timeout(5_000).emitWithAck(event, {})) as {
          ok: boolean;
          error?: { code: string; message: string };
        };
        expect(ack.ok).toBe(false);
        expect(ack.error?.code).toBe('bad_request');
        expect(ack.error?.message).toContain('has no event');
      }
      expect((await pullAll(socket)).changes.length).toBeGreaterThan(0);
    } finally {
      socket.close();
    }
  });
});
