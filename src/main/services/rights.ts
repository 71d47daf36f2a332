import { AdminConfig, customFieldIssues, withoutEmpty } from '../../shared/admin';
import {
  can,
  DEFAULT_ROLE_PERMISSIONS,
  rightRefusal,
  type Right,
  type RolePermissions,
  type Ticket,
  type TicketChange,
  type User,
} from '../../shared/domain';
import { SwitchboardError } from '../../shared/protocol/errors';
import { CONFIG_META, type LocalStore } from '../store';

/** The last administration config the server gave this replica (kept by the SLA keeper), or null. */
export function cachedConfig(store: LocalStore): AdminConfig | null {
  const raw = store.read.meta(CONFIG_META);
  if (!raw) return null;
  // Parsed once per text, not per check: a bulk change checks rights ticket by ticket, and the config (every
  // SLA policy and calendar) takes a millisecond or more to parse and validate.
  const known = parsedConfigs.get(store);
  if (known?.raw === raw) return known.config;
  const parsed = AdminConfig.safeParse(JSON.parse(raw));
  const config = parsed.success ? parsed.data : null;
  parsedConfigs.set(store, { raw, config });
  return config;
}

const parsedConfigs = new WeakMap<LocalStore, { raw: string; config: AdminConfig | null }>();

/** The rights matrix as last known (the defaults before the first fetch: what the server assumes too). */
export function cachedPermissions(store: LocalStore): RolePermissions {
  return cachedConfig(store)?.rolePermissions ?? DEFAULT_ROLE_PERMISSIONS;
}

/**
 * Refuses offline what the server would refuse (the same shared `can`): a change queued without the right would
 * only come back refused later, after the agent has moved on.
 */
export function requireRights(store: LocalStore, user: Pick<User, 'role'>, rights: readonly Right[]): void {
  const permissions = cachedPermissions(store);
  for (const right of rights)
    if (!can(user, right, permissions)) throw new SwitchboardError('forbidden', rightRefusal(right));
}

/**
 * Refuses offline the custom field values the server would refuse (the same shared check over the kept config):
 * an unknown field, a value the definition does not take, a required field empty when the change solves or
 * closes the ticket. Without a kept config the server alone checks.
 */
export function requireFieldValues(
  store: LocalStore,
  ticket: Pick<Ticket, 'departmentId' | 'status' | 'fields'>,
  change: Pick<TicketChange, 'status' | 'fields' | 'departmentId'>,
): void {
  const config = cachedConfig(store);
  if (!config) return;
  const closing =
    change.status !== undefined &&
    change.status !== ticket.status &&
    (change.status === 'solved' || change.status === 'closed')
      ? change.status
      : null;
  if (change.fields === undefined && closing === null) return;
  const issues = customFieldIssues(
    config.customFields,
    change.departmentId ?? ticket.departmentId,
    ticket.fields,
    change.fields === undefined ? ticket.fields : withoutEmpty(change.fields),
    closing,
  );
  if (issues.length > 0) throw new SwitchboardError('bad_request', issues.map((i) => i.message).join(' '));
}
