import express, { type Request } from 'express';
import { z } from 'zod';
import { Id, parseOrThrow, SwitchboardError, type User } from '../../shared';
import { ChatLanguage } from '../../shared/chat';
import { CANNED_VARIABLES, CannedResponse } from '../../shared/chat/agent-protocol';
import { writeAudit } from '../audit/audit-log';
import type { Database, Db, Tx } from '../db/schema';

/** REST paths of canned responses (supervisors and admins manage them; every signed-in user lists them). */
export const CANNED_REST = {
  list: '/api/chat/canned',
  one: (id: string) => `/api/chat/canned/${id}`,
} as const;

/** What a supervisor or admin PUTs: the response without id and time. */
export const CannedInput = CannedResponse.omit({ id: true, updatedAt: true });
export type CannedInput = z.infer<typeof CannedInput>;

type Row = Database['canned_responses'];

function toCanned(r: Row): CannedResponse {
  return {
    id: r.id,
    departmentId: r.department_id === '' ? null : r.department_id,
    language: ChatLanguage.parse(r.language),
    shortcut: r.shortcut,
    title: r.title,
    text: r.body,
    updatedAt: r.updated_at,
  };
}

/** The {{variables}} a text uses that CANNED_VARIABLES does not know. */
export function unknownVariables(text: string): string[] {
  const known = new Set<string>(CANNED_VARIABLES);
  return [...text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1]!).filter((v) => !known.has(v));
}

/**
 * The canned responses a user may use: their department's and those for every department (admins: all), in
 * one language when given. Variables stay as written: the desktop fills them from the chat tab it sends in.
 */
export async function listCanned(trx: Tx, user: User, language?: ChatLanguage): Promise<CannedResponse[]> {
  const rows = await trx
    .selectFrom('canned_responses')
    .selectAll()
    .$if(user.departmentId !== null, (b) => b.where('department_id', 'in', ['', user.departmentId!]))
    .$if(language !== undefined, (b) => b.where('language', '=', language!))
    .orderBy('shortcut')
    .orderBy('department_id')
    .execute();
  return rows.map(toCanned);
}

function mayManage(user: User, departmentId: string | null): void {
  if (user.role === 'admin') return;
  if (user.role !== 'supervisor')
    throw new SwitchboardError('forbidden', 'Only supervisors and administrators change canned responses.');
  if (departmentId === null || departmentId !== user.departmentId)
    throw new SwitchboardError(
      'forbidden',
      departmentId === null
        ? 'Only administrators change canned responses for every department.'
        : 'You can change only your own department’s canned responses.',
    );
}

export function cannedRouter(deps: {
  db: Db;
  now: () => Date;
  bearerUser: (req: Request) => Promise<User>;
}): express.Router {
  const { db } = deps;
  const r = express.Router();
  const source = (req: Request) => req.socket.remoteAddress ?? null;

  r.get(CANNED_REST.list, async (req, res) => {
    const user = await deps.bearerUser(req);
    const q = parseOrThrow(z.object({ language: ChatLanguage.optional() }), req.query, 'canned responses');
    res.set('cache-control', 'no-store').json(await listCanned(db, user, q.language));
  });

  r.put(CANNED_REST.one(':id'), express.json({ limit: '16kb' }), async (req, res) => {
    const user = await deps.bearerUser(req);
    const id = parseOrThrow(Id, req.params.id, 'canned response id');
    const input = parseOrThrow(CannedInput, req.body, 'canned response');
    const unknown = unknownVariables(input.text);
    if (unknown.length)
      throw new SwitchboardError(
        'bad_request',
        `Unknown variable(s) ${unknown.map((v) => `{{${v}}}`).join(', ')}; use ${CANNED_VARIABLES.map((v) => `{{${v}}}`).join(', ')}.`,
      );
    mayManage(user, input.departmentId);
    const at = deps.now().toISOString();
    const saved = await db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('canned_responses')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (before) mayManage(user, before.department_id === '' ? null : before.department_id);
      const clash = await trx
        .selectFrom('canned_responses')
        .select('id')
        .where('department_id', '=', input.departmentId ?? '')
        .where('language', '=', input.language)
        .where('shortcut', '=', input.shortcut)
        .where('id', '!=', id)
        .executeTakeFirst();
      if (clash)
        throw new SwitchboardError(
          'conflict',
          `The shortcut /${input.shortcut} is taken in this language; choose another.`,
        );
      const row: Row = {
        id,
        department_id: input.departmentId ?? '',
        language: input.language,
        shortcut: input.shortcut,
        title: input.title,
        body: input.text,
        updated_at: at,
      };
      const { id: _id, ...rest } = row;
      await trx
        .insertInto('canned_responses')
        .values(row)
        .onConflict((oc) => oc.column('id').doUpdateSet(rest))
        .execute();
      await writeAudit(trx, {
        at,
        actorId: user.id,
        action: 'chat.canned.put',
        subjectId: id,
        detail: { before: before ? toCanned(before) : null, after: toCanned(row) },
        source: source(req),
      });
      return toCanned(row);
    });
    res.json(saved);
  });

  r.delete(CANNED_REST.one(':id'), async (req, res) => {
    const user = await deps.bearerUser(req);
    const id = parseOrThrow(Id, req.params.id, 'canned response id');
    await db.transaction().execute(async (trx) => {
      const before = await trx
        .selectFrom('canned_responses')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (!before) throw new SwitchboardError('not_found', 'No such canned response.');
      mayManage(user, before.department_id === '' ? null : before.department_id);
      await trx.deleteFrom('canned_responses').where('id', '=', id).execute();
      await writeAudit(trx, {
        at: deps.now().toISOString(),
        actorId: user.id,
        action: 'chat.canned.delete',
        subjectId: id,
        detail: { before: toCanned(before) },
        source: source(req),
      });
    });
    res.status(204).end();
  });

  return r;
}
