import express, { type Request } from 'express';
import { Id, parseOrThrow, type User } from '../../shared';
import {
  ApiKeyInput,
  CUSTOMER_MERGE_REST,
  CustomerMergeRequest,
  INTAKE_ADMIN_REST,
  MessagingChannelInput,
  type IntakeOverview,
} from '../../shared/intake';
import { requireAdmin } from '../admin/admin-service';
import { mergeCustomers } from '../customers/merge';
import type { Db } from '../db/schema';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys';
import { createChannel, listChannels, updateChannel } from './channel-store';

export interface IntakeAdminDeps {
  db: Db;
  now: () => Date;
  bearerUser: (req: Request) => Promise<User>;
  poke: (departments: string[]) => void;
}

/**
 * Administrators manage messaging channels and API keys (secrets are answered once, at creation); supervisors
 * merge duplicate customers of their department (customers/merge.ts).
 */
export function intakeAdminRouter(deps: IntakeAdminDeps): express.Router {
  const { db, now } = deps;
  const r = express.Router();
  const admin = async (req: Request) => {
    const user = await deps.bearerUser(req);
    requireAdmin(user);
    return user;
  };
  const id = (req: Request, what: string) => parseOrThrow(Id, req.params.id, `${what} id`);

  r.get(INTAKE_ADMIN_REST.overview, async (req, res) => {
    await admin(req);
    const out: IntakeOverview = { channels: await listChannels(db), apiKeys: await listApiKeys(db) };
    res.set('cache-control', 'no-store').json(out);
  });
  r.post(INTAKE_ADMIN_REST.channels, async (req, res) => {
    const user = await admin(req);
    const input = parseOrThrow(MessagingChannelInput, req.body, 'messaging channel');
    res
      .set('cache-control', 'no-store')
      .status(201)
      .json(await createChannel(db, user, input, now()));
  });
  r.post(INTAKE_ADMIN_REST.channel(':id'), async (req, res) => {
    const user = await admin(req);
    const input = parseOrThrow(MessagingChannelInput, req.body, 'messaging channel');
    res
      .set('cache-control', 'no-store')
      .json(await updateChannel(db, user, id(req, 'channel'), input, now()));
  });
  r.post(INTAKE_ADMIN_REST.apiKeys, async (req, res) => {
    const user = await admin(req);
    const input = parseOrThrow(ApiKeyInput, req.body, 'API key');
    res
      .set('cache-control', 'no-store')
      .status(201)
      .json(await createApiKey(db, user, input, now()));
  });
  r.post(INTAKE_ADMIN_REST.apiKeyRevoke(':id'), async (req, res) => {
    const user = await admin(req);
    await revokeApiKey(db, user, id(req, 'API key'), now());
    res.json({ id: req.params.id });
  });

  r.post(CUSTOMER_MERGE_REST, async (req, res) => {
    const user = await deps.bearerUser(req);
    const body = parseOrThrow(CustomerMergeRequest, req.body, 'customer merge');
    const { departments, ...result } = await mergeCustomers(
      db,
      user,
      body.keepId,
      body.mergeId,
      now(),
      req.socket.remoteAddress ?? null,
    );
    deps.poke(departments);
    res.json(result);
  });
  return r;
}
