import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import type { Customer, Ticket, TicketComment } from '../../src/shared/domain';
import type { Change } from '../../src/shared/protocol/sync';
import type { Interaction } from '../../src/shared/protocol/voice';
import type { ResolvedTicketQuery } from '../../src/main/store';
import type { Encryptor } from '../../src/main/vault';

export function tempDir(prefix = 'sb-main-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export const DEPT_A = '0190a000-0000-7000-8000-00000000000a';
export const DEPT_B = '0190a000-0000-7000-8000-00000000000b';
export const AGENT_A1 = '0190b000-0000-7000-8000-0000000000a1';
export const AGENT_A2 = '0190b000-0000-7000-8000-0000000000a2';
export const AGENT_B1 = '0190b000-0000-7000-8000-0000000000b1';

let clock = Date.UTC(2026, 0, 1);
const nextTime = () => new Date((clock += 60_000)).toISOString();

/** A ticket list query with no filters: all statuses, priorities, departments and assignees. */
export const ticketQuery = (over: Partial<ResolvedTicketQuery> = {}): ResolvedTicketQuery => ({
  text: '',
  status: [],
  priority: [],
  departmentIds: [],
  assignees: [],
  sort: null,
  offset: 0,
  limit: 100,
  ...over,
});

export function customer(over: Partial<Customer> = {}): Customer {
  const t = nextTime();
  return {
    id: uuidv7(),
    name: '王伟',
    phone: null,
    email: null,
    language: 'zh-CN',
    company: null,
    createdAt: t,
    updatedAt: t,
    version: 1,
    ...over,
  };
}

export function ticket(customerId: string, over: Partial<Ticket> = {}): Ticket {
  const t = nextTime();
  return {
    id: uuidv7(),
    number: Math.floor(Math.random() * 1e6) + 1,
    departmentId: DEPT_A,
    customerId,
    subject: 'Printer jam',
    description: '',
    status: 'open',
    priority: 'normal',
    assigneeId: null,
    handBackTo: null,
    channel: 'web',
    tags: [],
    fields: {},
    parentId: null,
    relatedIds: [],
    mergedInto: null,
    category: null,
    triage: null,
    createdAt: t,
    updatedAt: t,
    version: 1,
    ...over,
  };
}

export function comment(ticketId: string, body: string): TicketComment {
  return {
    id: uuidv7(),
    ticketId,
    authorId: null,
    authorName: 'Agent',
    body,
    internal: false,
    createdAt: nextTime(),
  };
}

/** A call record as the server sends it: an answered, ended inbound queue call of agent a1. */
export function interaction(over: Partial<Interaction> = {}): Interaction {
  const ringAt = nextTime();
  return {
    id: uuidv7(),
    callId: `call-${uuidv7()}`,
    direction: 'inbound',
    callerNumber: '+8613800138000',
    calleeNumber: '8001',
    queueNumber: '8001',
    departmentId: DEPT_A,
    agentId: AGENT_A1,
    customerId: null,
    status: 'ended',
    ringAt,
    answerAt: ringAt,
    endAt: ringAt,
    holdSeconds: 0,
    disposition: null,
    notes: null,
    ticketId: null,
    completedAt: null,
    version: 1,
    ...over,
  };
}

let version = 0;
export const up = {
  ticket: (data: Ticket): Change => ({ version: ++version, kind: 'ticket', op: 'upsert', data }),
  customer: (data: Customer): Change => ({ version: ++version, kind: 'customer', op: 'upsert', data }),
  comment: (data: TicketComment): Change => ({ version: ++version, kind: 'comment', op: 'upsert', data }),
  remove: (id: string): Change => ({ version: ++version, kind: 'ticket', op: 'remove', id }),
  interaction: (data: Interaction): Change => ({
    version: ++version,
    kind: 'interaction',
    op: 'upsert',
    data,
  }),
  directory: (): Change[] => [
    {
      version: ++version,
      kind: 'department',
      op: 'upsert',
      data: { id: DEPT_A, code: 'aftersales', nameZh: '售后服务', nameEn: 'After-sales' },
    },
    {
      version: ++version,
      kind: 'department',
      op: 'upsert',
      data: { id: DEPT_B, code: 'billing', nameZh: '账务', nameEn: 'Billing' },
    },
    ...[
      [AGENT_A1, 'a1', DEPT_A],
      [AGENT_A2, 'a2', DEPT_A],
      [AGENT_B1, 'b1', DEPT_B],
    ].map(([id, username, departmentId]): Change => ({
      version: ++version,
      kind: 'user',
      op: 'upsert',
      data: {
        id: id!,
        username: username!,
        displayName: `Agent ${username}`,
        role: 'agent',
        departmentId: departmentId!,
      },
    })),
  ],
};

/** A real AES-256-GCM encryptor with the shape of Electron's safeStorage. */
export function aesEncryptor(available = true): Encryptor {
  const key = randomBytes(32);
  return {
    isEncryptionAvailable: () => available,
    encryptString(plain) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
      return Buffer.concat([iv, c.getAuthTag(), body]);
    },
    decryptString(buf) {
      const d = createDecipheriv('aes-256-gcm', key, buf.subarray(0, 12));
      d.setAuthTag(buf.subarray(12, 28));
      return Buffer.concat([d.update(buf.subarray(28)), d.final()]).toString('utf8');
    },
  };
}
