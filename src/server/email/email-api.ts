import express, { type Request } from 'express';
import { parseOrThrow, SwitchboardError, type User } from '../../shared';
import { requireAdmin } from '../admin/admin-service';
import { writeAudit } from '../audit/audit-log';
import type { Db } from '../db/schema';
import { getDepartment } from '../directory/directory-store';
import { EMAIL_REST, MailboxAddress, MailboxInput } from '../../shared/protocol/email';
import { listMailboxes, putMailbox, removeMailbox } from './mailbox-store';

/**
 * Administrators manage the support mailboxes: which addresses take mail, for which department, through which
 * relay replies go. Each change takes effect at the next mail (nothing is cached) and is audited.
 */
export function emailAdminRouter(deps: {
  db: Db;
  now: () => Date;
  bearerUser: (req: Request) => Promise<User>;
}): express.Router {
  const { db, now } = deps;
  const r = express.Router();
  const admin = async (req: Request) => {
    const user = await deps.bearerUser(req);
    requireAdmin(user);
    return user;
  };

  r.get(EMAIL_REST.mailboxes, async (req, res) => {
    await admin(req);
    res.set('cache-control', 'no-store').json({ mailboxes: await listMailboxes(db) });
  });

  r.put(`${EMAIL_REST.mailboxes}/:address`, async (req, res) => {
    const user = await admin(req);
    const address = parseOrThrow(MailboxAddress, req.params.address, 'mailbox address');
    const input = parseOrThrow(MailboxInput, req.body, 'mailbox');
    if (!(await getDepartment(db, input.departmentId)))
      throw new SwitchboardError(
        'bad_request',
        'That department does not exist; pick one of the departments.',
      );
    const at = now().toISOString();
    await db.transaction().execute(async (trx) => {
      await putMailbox(trx, { address, ...input }, at);
      await writeAudit(trx, {
        at,
        actorId: user.id,
        action: 'email.mailbox.set',
        subjectId: null,
        detail: { address, ...input },
      });
    });
    res.json({ mailbox: { address, ...input } });
  });

  r.delete(`${EMAIL_REST.mailboxes}/:address`, async (req, res) => {
    const user = await admin(req);
    const address = parseOrThrow(MailboxAddress, req.params.address, 'mailbox address');
    const at = now().toISOString();
    const removed = await db.transaction().execute(async (trx) => {
      const gone = await removeMailbox(trx, address);
      if (gone)
        await writeAudit(trx, {
          at,
          actorId: user.id,
          action: 'email.mailbox.remove',
          subjectId: null,
          detail: { address },
        });
      return gone;
    });
    if (!removed) throw new SwitchboardError('not_found', `No support mailbox ${address}.`);
    res.json({});
  });
  return r;
}
