import { describe, expect, it } from 'vitest';
import {
  AdminConfig,
  can,
  DEFAULT_ROLE_PERMISSIONS,
  Right,
  rightRefusal,
  rightsForChange,
  RolePermissions,
  scopeDepartment,
  supervisesAgents,
} from '../../src/shared';

describe('can', () => {
  it('gives administrators every right, whatever the matrix says', () => {
    const none: RolePermissions = { agent: [], team_lead: [], supervisor: [] };
    for (const r of Right.options) expect(can({ role: 'admin' }, r, none)).toBe(true);
  });

  it('follows the configured matrix for every other role', () => {
    const rp: RolePermissions = { agent: ['close'], team_lead: ['transfer'], supervisor: [] };
    expect(can({ role: 'agent' }, 'close', rp)).toBe(true);
    expect(can({ role: 'agent' }, 'transfer', rp)).toBe(false);
    expect(can({ role: 'team_lead' }, 'transfer', rp)).toBe(true);
    expect(can({ role: 'team_lead' }, 'close', rp)).toBe(false);
    expect(can({ role: 'supervisor' }, 'close', rp)).toBe(false);
  });

  it('defaults: agents work their tickets, only supervisors delete, nobody but admins exports', () => {
    expect(can({ role: 'agent' }, 'seeInternalNotes')).toBe(true);
    expect(can({ role: 'agent' }, 'delete')).toBe(false);
    expect(can({ role: 'agent' }, 'bulkEdit')).toBe(false);
    expect(can({ role: 'team_lead' }, 'bulkEdit')).toBe(true);
    expect(can({ role: 'team_lead' }, 'delete')).toBe(false);
    expect(can({ role: 'supervisor' }, 'delete')).toBe(true);
    for (const role of ['agent', 'team_lead', 'supervisor'] as const)
      expect(can({ role }, 'export')).toBe(false);
    // Each role has at least what the one below it has.
    const rank = [
      DEFAULT_ROLE_PERMISSIONS.agent,
      DEFAULT_ROLE_PERMISSIONS.team_lead,
      DEFAULT_ROLE_PERMISSIONS.supervisor,
    ];
    for (let i = 1; i < rank.length; i++) for (const r of rank[i - 1]!) expect(rank[i]).toContain(r);
  });

  it('reads a config cached before rights existed as the defaults; refuses a right twice or unknown', () => {
    const old = {
      version: 3,
      calendars: [],
      slaPolicies: [],
      customFields: [],
      workflow: { autoCloseSolvedAfterDays: 7 },
    };
    expect(AdminConfig.parse(old).rolePermissions).toEqual(DEFAULT_ROLE_PERMISSIONS);
    expect(
      RolePermissions.safeParse({ agent: ['close', 'close'], team_lead: [], supervisor: [] }).success,
    ).toBe(false);
    expect(RolePermissions.safeParse({ agent: ['fly'], team_lead: [], supervisor: [] }).success).toBe(false);
    // The admin column is not configurable.
    expect(RolePermissions.parse({ agent: [], team_lead: [], supervisor: [], admin: [] })).not.toHaveProperty(
      'admin',
    );
  });
});

describe('rightsForChange', () => {
  const t = { status: 'solved', priority: 'normal', departmentId: 'a' };
  it('names each right a patch uses, and none for a value that does not change', () => {
    expect(rightsForChange(t, { priority: 'urgent' })).toEqual(['changePriority']);
    expect(rightsForChange(t, { priority: 'normal' })).toEqual([]);
    expect(rightsForChange(t, { status: 'closed' })).toEqual(['close']);
    expect(rightsForChange(t, { status: 'reopened' })).toEqual(['reopen']);
    expect(rightsForChange(t, { departmentId: 'b' })).toEqual(['transfer']);
    expect(rightsForChange(t, { departmentId: 'a', status: 'solved' })).toEqual([]);
  });

  it('says whom to ask', () => {
    expect(rightRefusal('close')).toMatch(/close tickets.*team lead or supervisor/);
  });
});

describe('supervisesAgents', () => {
  it('is team leads, supervisors and admins', () => {
    expect(supervisesAgents('agent')).toBe(false);
    expect(supervisesAgents('team_lead')).toBe(true);
    expect(supervisesAgents('supervisor')).toBe(true);
    expect(supervisesAgents('admin')).toBe(true);
  });
});

describe('scopeDepartment', () => {
  it('reads the department of a scope key with or without internal notes', () => {
    const id = '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    expect(scopeDepartment(`dept:${id}`)).toBe(id);
    expect(scopeDepartment(`dept:${id}+public`)).toBe(id);
    expect(scopeDepartment('all')).toBeNull();
    expect(scopeDepartment('all+public')).toBeNull();
  });
});
