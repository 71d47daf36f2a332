import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { e2eWorld, shootBothLanguages, signIn, untilTicketsSettled, UNSOLVED_ROW } from './harness';

/**
 * Deleting a ticket in the workbench: an agent (no delete right) has no Delete button; the after-sales supervisor
 * (super01 孙丽) has one, behind a confirmation whose focus starts on Cancel, where Esc cancels and Enter confirms.
 * The deleted ticket leaves the supervisor's list and the agent's.
 * SWITCHBOARD_SCREENS=<folder> also saves screenshots of the dialog in both languages.
 */
const world = e2eWorld('sb-delete-e2e-');

async function login(username: string): Promise<Page> {
  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, { hostUrl: world.host.url, serverUrl: world.server.url }, username);
  await untilTicketsSettled(page);
  return page;
}

const rowOf = (page: Page, id: string) => page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`);

async function open(page: Page, id: string) {
  await rowOf(page, id).click();
  await expect.poll(() => page.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(id);
}

describe('deleting a ticket', () => {
  it('only with the right, after a confirmation that starts on Cancel; Esc cancels, Enter deletes', async () => {
    const [wang, sun] = await Promise.all([login('agent01'), login('super01')]);
    const ticketId = (await sun.locator(UNSOLVED_ROW).first().getAttribute('data-ticket-id'))!;
    await rowOf(wang, ticketId).waitFor();

    await open(wang, ticketId);
    expect(await wang.getByTestId('ticket-delete').count()).toBe(0);

    await open(sun, ticketId);
    await sun.getByTestId('ticket-delete').click();
    const dialog = sun.getByTestId('delete-ticket-dialog');
    await dialog.waitFor();
    await expect
      .poll(() => sun.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('delete-ticket-cancel');
    await shootBothLanguages(sun, 'delete-dialog');
    await sun.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await rowOf(sun, ticketId).count()).toBe(1);

    await sun.getByTestId('ticket-delete').click();
    await dialog.waitFor();
    await sun.getByTestId('delete-ticket-reason').fill('重复工单');
    await sun.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });

    await rowOf(sun, ticketId).waitFor({ state: 'detached', timeout: 30_000 });
    await rowOf(wang, ticketId).waitFor({ state: 'detached', timeout: 30_000 });
  });
});
