import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { KB_REST, KbSearchResponse } from '../../src/shared/kb';
import { apiLogin, e2eWorld, shootBothLanguages, signIn, untilTicketsSettled } from './harness';

/**
 * The knowledge base in the workbench (real service with the demo articles, browser-mode host, Chromium): an
 * agent searches with the keyboard and reads; the ticket detail suggests articles; a supervisor writes an
 * article and takes it through review to published, which agents then find; with the server gone the
 * suggestions say so and the ticket still opens. SWITCHBOARD_SCREENS=<folder> saves screenshots in both
 * languages (kb-search, kb-editor, kb-published, kb-suggested, kb-unreachable).
 */
const world = e2eWorld('sb-kb-e2e-');
beforeAll(() => {
  const screens = process.env['SWITCHBOARD_SCREENS'];
  if (screens) mkdirSync(screens, { recursive: true });
});

async function login(username: string): Promise<Page> {
  const context = await world.browser.newContext({ locale: 'en-US', viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  await signIn(page, { hostUrl: world.host.url, serverUrl: world.server.url }, username);
  await untilTicketsSettled(page);
  return page;
}

describe('knowledge base', () => {
  it('an agent searches with the keyboard and reads an article; writing is not offered', async () => {
    const page = await login('agent01');
    await page.getByTestId('nav-knowledge').click();
    await page.getByTestId('kb-page').waitFor();
    // Nothing typed: the department's published articles, newest first.
    await page.getByTestId('kb-result').first().waitFor();
    expect(await page.getByTestId('kb-new').count()).toBe(0);
    expect(await page.getByTestId('kb-manage-categories').count()).toBe(0);
    expect(await page.getByTestId('kb-filter-state').count()).toBe(0);

    // "/" goes to the search box from anywhere on the page.
    await page.getByTestId('kb-page').click({ position: { x: 900, y: 600 } });
    await page.keyboard.press('/');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('kb-search');
    await page.keyboard.type('退款到账');
    // Typing runs a search per pause: the list answers the whole text before the results are read.
    await expect.poll(() => page.getByTestId('kb-results').getAttribute('data-query')).toBe('退款到账');
    await expect.poll(() => page.getByTestId('kb-result').first().textContent()).toContain('退款');
    await shootBothLanguages(page, 'kb-search');
    const second = await page.getByTestId('kb-result').nth(1).getAttribute('data-article-id');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('kb-article').getAttribute('data-article-id')).toBe(second);
    expect(await page.getByTestId('kb-article-body').textContent()).toMatch(/\S{20,}/);
    expect(await page.getByTestId('kb-edit').count()).toBe(0);

    // English words find English articles, stemmed: "refunded" finds "Refund process and timelines".
    await page.getByTestId('kb-search').fill('refunded timeline');
    await expect
      .poll(() => page.getByTestId('kb-result').first().textContent())
      .toContain('Refund process and timelines');
    await page.context().close();
  });

  it('a supervisor writes an article, submits it for review and publishes it; agents then find it', async () => {
    const page = await login('super01');
    await page.getByTestId('nav-knowledge').click();
    await page.getByTestId('kb-new').click();
    const editor = page.getByTestId('kb-editor');
    await editor.waitFor();
    // Saved empty: the server's refusal names the fields, under them.
    await page.getByTestId('kb-editor-save').click();
    await page.getByTestId('kb-editor-error').waitFor();
    expect(await editor.textContent()).toContain('title');

    await page.getByTestId('kb-editor-language').selectOption('zh-CN');
    await page.getByTestId('kb-editor-audience').selectOption('public');
    await page.getByTestId('kb-editor-category').selectOption({ label: 'Refunds' });
    await page.getByTestId('kb-editor-title').fill('以旧换新补贴退款说明');
    await page
      .getByTestId('kb-editor-body')
      .fill(
        '以旧换新的补贴在旧机检测完成后发放。\n\n1. 在订单详情查看“补贴状态”。\n2. 检测通过后 1 个工作日内退回原支付账户。\n\n<b>不是 HTML</b>',
      );
    await page.getByTestId('kb-editor-tags').fill('以旧换新, 补贴');
    await shootBothLanguages(page, 'kb-editor');
    await page.getByTestId('kb-editor-save').click();
    await editor.waitFor({ state: 'detached' });
    const article = page.getByTestId('kb-article');
    await expect.poll(() => article.getAttribute('data-state')).toBe('draft');
    // The body is text: the tag stays visible as typed, nothing is rendered bold.
    expect(await page.getByTestId('kb-article-body').textContent()).toContain('<b>不是 HTML</b>');
    expect(await page.getByTestId('kb-article-body').locator('b').count()).toBe(0);
    const id = (await article.getAttribute('data-article-id'))!;

    await page.getByTestId('kb-action-submit').click();
    await expect.poll(() => article.getAttribute('data-state')).toBe('in_review');
    await page.getByTestId('kb-action-publish').click();
    await expect.poll(() => article.getAttribute('data-state')).toBe('published');
    await page.getByTestId('kb-notice').waitFor();
    await shootBothLanguages(page, 'kb-published');
    await page.context().close();

    // An agent of the department finds it; so does the public search, as it is public.
    const agent = await apiLogin(world.server.url, 'agent02');
    const res = await fetch(`${world.server.url}${KB_REST.search}?q=${encodeURIComponent('以旧换新补贴')}`, {
      headers: { authorization: `Bearer ${agent.accessToken}` },
    });
    expect(KbSearchResponse.parse(await res.json()).hits[0]?.id).toBe(id);
    const pub = await fetch(
      `${world.server.url}${KB_REST.publicSearch}?q=${encodeURIComponent('补贴')}&lang=zh-CN`,
    );
    expect(((await pub.json()) as { hits: { id: string }[] }).hits.map((h) => h.id)).toContain(id);
  });

  it('a supervisor adds, renames and deletes a category of their department in the categories dialog', async () => {
    const page = await login('super01');
    await page.getByTestId('nav-knowledge').click();
    await page.getByTestId('kb-manage-categories').click();
    const dialog = page.getByTestId('kb-categories');
    await dialog.waitFor();
    await page.getByTestId('kb-category-new-zh').fill('以旧换新');
    await page.getByTestId('kb-category-new-en').fill('Trade-in');
    await page.getByTestId('kb-category-add').click();
    const row = dialog.getByTestId('kb-category').filter({ hasText: 'Trade-in' });
    await row.waitFor();
    await row.getByTestId('kb-category-rename').click();
    await page.getByTestId('kb-category-rename-en').fill('Trade-in subsidies');
    await page.getByTestId('kb-category-rename-zh').fill('以旧换新补贴');
    await page.getByTestId('kb-category-rename-save').click();
    const renamed = dialog.getByTestId('kb-category').filter({ hasText: 'Trade-in subsidies' });
    await renamed.waitFor();
    await shootBothLanguages(page, 'kb-categories');
    const id = (await renamed.getAttribute('data-category-id'))!;
    await renamed.getByTestId('kb-category-delete').click();
    await shootBothLanguages(page, 'kb-categories-delete');
    await page.getByTestId('kb-category-delete-confirm').click();
    await expect.poll(() => dialog.locator(`[data-category-id="${id}"]`).count()).toBe(0);

    // A category articles are filed under stays, and the refusal says how many.
    const refunds = dialog.getByTestId('kb-category').filter({ hasText: /^Refunds/ });
    await refunds.getByTestId('kb-category-delete').click();
    await page.getByTestId('kb-category-delete-confirm').click();
    // Said in the reader's language, with the count the service gave.
    await expect
      .poll(() => page.getByTestId('kb-categories-error').textContent())
      .toMatch(/^\d+ articles? (is|are) still filed under this category/);
    expect(await refunds.count()).toBe(1);
    await shootBothLanguages(page, 'kb-categories-in-use');
    await page.context().close();
  });

  it('suggests articles beside a ticket, and says so without blocking it when the server is gone', async () => {
    const page = await login('agent01');
    const rows = page.getByTestId('ticket-row');
    await rows.first().click();
    const panel = page.getByTestId('kb-suggested');
    await panel.waitFor();
    await expect
      .poll(
        async () =>
          (await page.getByTestId('kb-suggested-item').count()) +
          (await page.getByTestId('kb-suggested-none').count()),
      )
      .toBeGreaterThan(0);
    await shootBothLanguages(page, 'kb-suggested');

    await world.server.stop();
    await rows.nth(1).click();
    await page.getByTestId('kb-suggested-unreachable').waitFor({ timeout: 30_000 });
    // The ticket itself is there, from the local copy.
    expect(await page.getByTestId('ticket-detail').count()).toBe(1);
    await shootBothLanguages(page, 'kb-unreachable');
    await page.context().close();
  });
});
