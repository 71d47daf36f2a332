import { randomBytes, randomUUID } from 'node:crypto';
import type { MessagingChannelInput } from '../../shared/intake';
import { INTAKE_REST, type MessagingChannel, type MessagingKind } from '../../shared/intake';
import { SwitchboardError, type User } from '../../shared';
import { writeAudit } from '../audit/audit-log';
import type { Database, Db, Tx } from '../db/schema';
import { getDepartment } from '../directory/directory-store';
import type { z } from 'zod';

export type ChannelRow = Database['intake_channels'];

export async function getChannel(trx: Tx, id: string): Promise<ChannelRow | undefined> {
  return trx.selectFrom('intake_channels').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listChannels(db: Db): Promise<MessagingChannel[]> {
  const rows = await db.selectFrom('intake_channels').selectAll().orderBy('name').execute();
  const counts = await db
    .selectFrom('intake_outbound')
    .select(['channel_id', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .groupBy(['channel_id', 'status'])
    .execute();
  const count = (id: string, status: string) =>
    Number(counts.find((c) => c.channel_id === id && c.status === status)?.n ?? 0);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    kind: r.kind,
    departmentId: r.department_id,
    outboundUrl: r.outbound_url,
    enabled: r.enabled === 1,
    webhookPath: INTAKE_REST.webhook(r.id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    outbound: { pending: count(r.id, 'pending'), failed: count(r.id, 'failed'), sent: count(r.id, 'sent') },
  }));
}

type Input = z.output<typeof MessagingChannelInput>;

async function checkDepartment(trx: Tx, departmentId: string): Promise<void> {
  if (!(await getDepartment(trx, departmentId)))
    throw new SwitchboardError('bad_request', 'The department of this channel does not exist.');
}

/** A new channel; its secret is the one given or a new random one, returned once (the admin copies it). */
export async function createChannel(
  db: Db,
  actor: User,
  input: Input,
  now: Date,
): Promise<{ id: string; secret: string }> {
  const id = randomUUID();
  const secret = input.secret ?? randomBytes(24).toString('base64url');
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    await checkDepartment(trx, input.departmentId);
    await trx
      .insertInto('intake_channels')
      .values({
        id,
        kind: input.kind satisfies MessagingKind,
        name: input.name,
        department_id: input.departmentId,
        secret,
        outbound_url: input.outboundUrl,
        enabled: input.enabled ? 1 : 0,
        created_at: at,
        updated_at: at,
      })
      .execute();
    // Never the secret: the audit chain is read by auditors, not channel owners.
    await writeAudit(trx, {
      at,
      actorId: actor.id,
      action: 'intake.channel.create',
      subjectId: id,
      detail: {
        name: input.name,
        kind: input.kind,
        departmentId: input.departmentId,
        outboundUrl: input.outboundUrl,
      },
    });
  });
  return { id, secret };
}

/** Changes a channel; a secret given replaces the old one (returned once), none keeps it. */
export async function updateChannel(
  db: Db,
  actor: User,
  id: string,
  input: Input,
  now: Date,
): Promise<{ id: string; secret?: string }> {
  const at = now.toISOString();
  await db.transaction().execute(async (trx) => {
    const before = await getChannel(trx, id);
    if (!before) throw new SwitchboardError('not_found', 'No such messaging channel.');
    await checkDepartment(trx, input.departmentId);
    await trx
      .updateTable('intake_channels')
      .set({
        kind: input.kind,
        name: input.name,
        department_id: input.departmentId,
        outbound_url: input.outboundUrl,
        enabled: input.enabled ? 1 : 0,
        updated_at: at,
        ...(input.secret ? { secret: input.secret } : {}),
      })
      .where('id', '=', id)
      .execute();
    await writeAudit(trx, {
      at,
      actorId: actor.id,
      action: 'intake.channel.update',
      subjectId: id,
      detail: {
        before: {
          name: before.name,
          kind: before.kind,
          departmentId: before.department_id,
          outboundUrl: before.outbound_url,
          enabled: before.enabled === 1,
        },
        after: {
          name: input.name,
          kind: input.kind,
          departmentId: input.departmentId,
          outboundUrl: input.outboundUrl,
          enabled: input.enabled,
        },
        secretChanged: Boolean(input.secret),
      },
    });
  });
  return input.secret ? { id, secret: input.secret } : { id };
}
