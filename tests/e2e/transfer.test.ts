import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { AdminConfig, CONFIG_REST } from '../../src/shared/admin';
import type { Ticket, TicketComment, TicketHistoryEntry } from '../../src/shared/domain';
import { REST } from '../../src/shared/protocol/auth';
import { SlaEngine, type SlaTargetKind } from '../../src/shared/sla';
import { e2eWorld, apiLogin, signIn, untilTicketsSettled, shootBothLanguages } from './harness';

/**
 * A ticket transferred from after-sales (售后服务, agent01 王芳) to technical support (技术支持, agent05 刘洋) in
 * the workbench: a reason is required, the ticket leaves agent01's list and appears in agent05's with the
 * reason in its history and a hand-back button, which takes it home again. Its SLA timer there is right: the list's
 * chip and the detail's targets show the due times the shared engine computes for the receiving department's
 * policy from the ticket's original creation time.
 * SWITCHBOARD_SCREENS=<folder> also saves screenshots of the dialog, the received ticket and the list with its SLA
 * timers in both languages.
 */
const world = e2eWorld('sb-transfer-e2e-');

async function login(username: string): Promise<Page> {
  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, { hostUrl: world.host.url, serverUrl: world.server.url }, username);
  await untilTicketsSettled(page);
  return page;
}

/** The ticket's SLA as the service's records and configuration give it, computed with the shared engine. */
async function expectedSla(serverUrl: string, username: string, id: string) {
  const { accessToken } = await apiLogin(serverUrl, username);
  const get = async (path: string) => {
    const res = await fetch(`${serverUrl}${path}`, { headers: { authorization: `Bearer ${accessToken}` } });
    if (!res.ok) throw new Error(`GET ${path}: ${res.status}`);
    return res.json() as Promise<unknown>;
  };
  const config = AdminConfig.parse(await get(CONFIG_REST));
  const detail = (await get(REST.ticket(id))) as {
    ticket: Ticket;
    comments: TicketComment[];
    history: TicketHistoryEntry[];
  };
  const sla = new SlaEngine(config).ticketSla(detail.ticket, detail.history, detail.comments, Date.now());
  return { ticket: detail.ticket, sla: sla! };
}

const rowOf = (page: Page, id: string) => page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`);

describe('transfer between departments', () => {
  let wang: Page;
  let liu: Page;
  let ticketId: string;

  it('asks for a reason, then takes the ticket out of the sender’s list', async () => {
    [wang, liu] = await Promise.all([login('agent01'), login('agent05')]);
    // A ticket with an SLA whose clock runs (not paused), so its due times are fixed instants to compare.
    const row = wang
      .locator(
        '[data-testid="ticket-row"]:not([data-status="closed"]):not([data-status="solved"])' +
          ':not([data-status="pending"]):not([data-status="on_hold"]):has([data-testid="sla-chip"])',
      )
      .first();
    ticketId = (await row.getAttribute('data-ticket-id'))!;
    await row.click();
    await expect.poll(() => wang.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(ticketId);
    expect(await rowOf(liu, ticketId).count()).toBe(0);

    await wang.getByTestId('ticket-transfer').click();
    await wang.getByTestId('transfer-dialog').waitFor();
    await wang.getByTestId('transfer-department').selectOption({ label: 'Technical support' });
    // Saved without a reason: refused in the dialog, nothing sent.
    await wang.getByTestId('transfer-save').click();
    await expect
      .poll(() => wang.getByTestId('transfer-dialog').innerText())
      .toMatch(/Say why the ticket is transferred/);
    await wang.getByTestId('transfer-reason').fill('路由器升级固件后无法联网，请技术支持排查');
    await wang.getByTestId('transfer-hand-back').check();
    await shootBothLanguages(wang, 'transfer-dialog');
    await wang.keyboard.press('Control+Enter');
    await wang.getByTestId('transfer-dialog').waitFor({ state: 'detached' });

    await rowOf(wang, ticketId).waitFor({ state: 'detached', timeout: 30_000 });
  });

  it('arrives in the receiver’s list with the reason, and goes home with a hand-back', async () => {
    await rowOf(liu, ticketId).waitFor({ timeout: 30_000 });

    // The SLA timer came along, right: the receiving department's policy, from the original creation time.
    const { ticket, sla } = await expectedSla(world.server.url, 'agent05', ticketId);
    const tech = (await apiLogin(world.server.url, 'agent05')).user.departmentId;
    expect(ticket.departmentId).toBe(tech);
    expect(sla.policy.departmentId).toBe(tech);
    expect(sla.status.state).not.toBe('paused');
    const chip = rowOf(liu, ticketId).getByTestId('sla-chip');
    await chip.waitFor();
    const chipTarget = (await chip.getAttribute('data-sla-target')) as SlaTargetKind;
    expect(Number(await chip.getAttribute('data-sla-due'))).toBe(sla.status[chipTarget]!.dueAt);
    expect(await chip.getAttribute('data-sla-state')).toBe(
      sla.status.state === 'met' ? 'met' : sla.status[chipTarget]!.state,
    );
    await rowOf(liu, ticketId).click();
    await expect.poll(() => liu.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(ticketId);
    const targets = (['firstResponse', 'nextResponse', 'resolution'] as const).filter((k) => sla.status[k]);
    expect(targets.length).toBeGreaterThan(0);
    for (const k of targets) {
      const shown = liu.getByTestId(`sla-target-${k}`);
      expect(Number(await shown.getAttribute('data-sla-due'))).toBe(sla.status[k]!.dueAt);
      expect(await shown.getAttribute('data-sla-state')).toBe(sla.status[k]!.state);
    }
    await shootBothLanguages(liu, 'sla-list-and-detail');
    await expect
      .poll(() => liu.getByTestId('history-note').allInnerTexts())
      .toContain('路由器升级固件后无法联网，请技术支持排查');
    const handBack = liu.getByTestId('ticket-hand-back');
    expect(await handBack.innerText()).toMatch(/Hand back to After-sales/);
    await shootBothLanguages(liu, 'transfer-received');

    await handBack.click();
    await liu.getByTestId('transfer-dialog').waitFor();
    expect(await liu.getByTestId('transfer-department').isDisabled()).toBe(true);
    await liu.getByTestId('transfer-reason').fill('Firmware rolled back; the line works again.');
    await liu.getByTestId('transfer-save').click();
    await rowOf(liu, ticketId).waitFor({ state: 'detached', timeout: 30_000 });
    await rowOf(wang, ticketId).waitFor({ timeout: 30_000 });
  });
});
