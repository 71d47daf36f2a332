import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { ADMIN_REST } from '../../src/shared';
import { apiLogin, e2eWorld, signIn, untilTicketsSettled, shootBothLanguages, UNSOLVED_ROW } from './harness';

/**
 * The ticket workflow in the workbench: a supervisor (super01, after-sales) checks tickets with the keyboard and
 * changes their priority at once; on a ticket, tags are added as chips and the department's custom fields are
 * filled in, and a ticket whose required field is empty is not solved until it is filled.
 * SWITCHBOARD_SCREENS=<folder> also saves screenshots of the bulk bar and of the ticket's fields in both languages.
 */
const world = e2eWorld('sb-workflow-e2e-', async ({ server }) => {
  // The admin defines after-sales' fields before anyone signs in (each desktop reads them with its config).
  const admin = await apiLogin(server.url, 'admin');
  const sup = await apiLogin(server.url, 'super01');
  const post = (body: unknown) =>
    fetch(`${server.url}${ADMIN_REST.customFields}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
      body: JSON.stringify(body),
    });
  const departmentId = sup.user.departmentId;
  const option = (value: string, labelZh: string, labelEn: string) => ({ value, labelZh, labelEn });
  for (const f of [
    { key: 'order_no', labelZh: '订单号', labelEn: 'Order number', type: 'text', required: true },
    {
      key: 'reason',
      labelZh: '退货原因',
      labelEn: 'Return reason',
      type: 'singleChoice',
      options: [option('damaged', '破损', 'Damaged'), option('wrong_item', '发错货', 'Wrong item')],
    },
  ])
    expect((await post({ departmentId, ...f })).status).toBe(201);
});

describe('ticket workflow', () => {
  let page: Page;

  it('checks two tickets with x and raises their priority at once', async () => {
    const context = await world.browser.newContext({
      locale: 'en-US',
      viewport: { width: 1440, height: 900 },
    });
    page = await context.newPage();
    await signIn(page, { hostUrl: world.host.url, serverUrl: world.server.url }, 'super01');
    await untilTicketsSettled(page);
    const rows = page.locator(UNSOLVED_ROW);
    const ids: string[] = [];
    for (const i of [0, 1]) {
      await rows.nth(i).click();
      ids.push((await rows.nth(i).getAttribute('data-ticket-id'))!);
      await page.keyboard.press('x');
    }
    await expect.poll(() => page.getByTestId('bulk-count').textContent()).toBe('2 tickets selected');
    await page.getByTestId('bulk-priority').selectOption('urgent');
    await expect.poll(() => page.getByTestId('bulk-result').textContent()).toContain('2 tickets changed.');
    for (const id of ids)
      await expect
        .poll(() =>
          page.locator(`[data-testid="ticket-row"][data-ticket-id="${id}"]`).getAttribute('data-priority'),
        )
        .toBe('urgent');
    // The bar goes once everything applied; check two again for the screenshot.
    await rows.nth(2).click();
    await page.keyboard.press('x');
    await rows.nth(3).click();
    await page.keyboard.press('x');
    await page.getByTestId('bulk-bar').waitFor();
    await shootBothLanguages(page, 'bulk-bar');
    await page.keyboard.press('Escape');
    await page.getByTestId('bulk-bar').waitFor({ state: 'detached' });
  });

  it('adds tags, and will not solve a ticket until its required field is filled', async () => {
    await page.locator(UNSOLVED_ROW).nth(4).click();
    const detail = page.getByTestId('ticket-detail');
    await detail.getByTestId('ticket-custom-fields').waitFor();
    await detail.getByTestId('ticket-tags-input').fill('VIP');
    await page.keyboard.press('Enter');
    await detail.getByTestId('ticket-tags-input').fill('退货 ');
    await expect.poll(() => detail.getByTestId('ticket-tag').allTextContents()).toEqual(['vip', '退货']);

    await detail.getByTestId('ticket-status').selectOption('solved');
    await expect
      .poll(() => detail.getByTestId('ticket-save-error').textContent())
      .toContain('Fill in Order number before the ticket is solved.');
    await detail.getByTestId('ticket-field-order_no').fill('A-20261205');
    await page.keyboard.press('Enter');
    await detail.getByTestId('ticket-field-reason').selectOption('damaged');
    await expect.poll(() => detail.getByTestId('ticket-field-reason').inputValue()).toBe('damaged');
    await shootBothLanguages(page, 'ticket-fields');
    await detail.getByTestId('ticket-status').selectOption('solved');
    await expect.poll(() => detail.getByTestId('ticket-status').inputValue()).toBe('solved');
  });
});
