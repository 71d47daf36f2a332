import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { e2eWorld, signIn, untilTicketsSettled, shootBothLanguages, UNSOLVED_ROW } from './harness';

/**
 * Linked tickets and merge in the workbench (agent01 王芳): a related link added by ticket number from the
 * Links section opens the other ticket, which lists the reverse link once synced; a merge asks for
 * confirmation saying what happens, closes the ticket with a "Merged into" banner leading to the target, and
 * the target lists it. SWITCHBOARD_SCREENS=<folder> also saves screenshots in both languages.
 */
const world = e2eWorld('sb-links-e2e-');

const openRows = (page: Page) => page.locator(UNSOLVED_ROW);

async function open(page: Page, id: string) {
  await page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`).click();
  await expect.poll(() => page.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(id);
}

describe('links and merge in the ticket detail', () => {
  it('relates two tickets by number, opens the other, then merges with a confirmation', async () => {
    const context = await world.browser.newContext({
      locale: 'en-US',
      viewport: { width: 1440, height: 900 },
    });
    const page = await context.newPage();
    await signIn(page, { hostUrl: world.host.url, serverUrl: world.server.url }, 'agent01');
    await untilTicketsSettled(page);
    const [a, b] = [openRows(page).nth(0), openRows(page).nth(1)];
    const aId = (await a.getAttribute('data-ticket-id'))!;
    const bId = (await b.getAttribute('data-ticket-id'))!;
    await open(page, bId);
    const bNumber = (await page.getByTestId('ticket-number').innerText()).trim();
    await open(page, aId);

    await page.getByTestId('link-add').click();
    await page.getByTestId('link-dialog').waitFor();
    await page.getByTestId('link-search').fill(bNumber);
    const result = page.getByTestId('link-results').getByRole('button').filter({ hasText: bNumber });
    await result.first().click();
    await shootBothLanguages(page, 'links-add');
    await page.getByTestId('link-save').click();
    await page.getByTestId('link-dialog').waitFor({ state: 'detached' });
    const related = page.getByTestId('link-related');
    await expect.poll(() => related.innerText()).toContain(bNumber);

    // The link opens the other ticket, which lists the reverse link once the server has made it.
    await related.getByRole('button').first().click();
    await expect.poll(() => page.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(bId);
    await expect
      .poll(() => page.locator(`[data-testid="link-related"] [data-link-id="${aId}"]`).count(), {
        timeout: 30_000,
      })
      .toBe(1);

    // Merge b into a: the dialog says what happens before anything is done.
    await page.getByTestId('ticket-merge').click();
    await page.getByTestId('merge-dialog').waitFor();
    const aNumber = (await page.locator(`[data-testid="link-related"] [data-link-id="${aId}"]`).innerText())
      .trim()
      .split(' ')[0]!;
    await page.getByTestId('link-search').fill(aNumber);
    await page.getByTestId('link-results').getByRole('button').filter({ hasText: aNumber }).first().click();
    await expect
      .poll(() => page.getByTestId('merge-explain').innerText())
      .toContain(`${bNumber} will be closed`);
    await page.getByTestId('merge-note').fill('同一客户重复报修');
    await shootBothLanguages(page, 'links-merge-dialog');
    await page.getByTestId('merge-save').click();
    await page.getByTestId('merge-dialog').waitFor({ state: 'detached' });
    const banner = page.getByTestId('ticket-merged-banner');
    await expect.poll(() => banner.innerText()).toContain('This ticket was merged into');
    await shootBothLanguages(page, 'links-merged');

    await banner.getByRole('button').click();
    await expect.poll(() => page.getByTestId('ticket-detail').getAttribute('data-ticket-id')).toBe(aId);
    await expect
      .poll(() => page.locator(`[data-testid="link-merged-from"] [data-link-id="${bId}"]`).count(), {
        timeout: 30_000,
      })
      .toBe(1);
    await expect
      .poll(() => page.getByTestId('ticket-detail').innerText(), { timeout: 30_000 })
      .toContain('was merged into this ticket');
    await shootBothLanguages(page, 'links-target');
    await context.close();
  });
});
