import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Visitor } from '../server/chat-visitor-client';
import { e2eWorld, shootBothLanguages, signIn, untilTicketsSettled } from './harness';

/**
 * chat-timeline (issue 13): a web chat that a known customer had with the service (the visitor's side through the
 * real visitor socket, the assistant answering) shows on that customer's timeline in the desktop once it ends,
 * from the replica; with no ticket linked, clicking it shows the transcript as plain text.
 * SWITCHBOARD_SCREENS=<folder>: chat-timeline and chat-timeline-transcript in both languages.
 */
const world = e2eWorld('sb-chattl-e2e-', async () => {
  const screens = process.env['SWITCHBOARD_SCREENS'];
  if (screens) mkdirSync(screens, { recursive: true });
});

interface Known {
  agent: string;
  customerId: string;
  name: string;
  email: string;
}

/** An agent of the demo chat site's department and a customer of theirs with an email and a ticket. */
function known(): Known {
  const db = new Database(join(world.dir.path, 'server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const site = db.prepare(`select department_id from chat_sites where id = 'demo'`).get() as {
      department_id: string;
    };
    const agent = db
      .prepare(`select username from users where role = 'agent' and department_id = ? order by username`)
      .get(site.department_id) as { username: string };
    const c = db
      .prepare(
        `select c.id, c.name, c.email from customers c join tickets t on t.customer_id = c.id
         where t.department_id = ? and c.email is not null order by c.id limit 1`,
      )
      .get(site.department_id) as { id: string; name: string; email: string };
    return { agent: agent.username, customerId: c.id, name: c.name, email: c.email };
  } finally {
    db.close();
  }
}

function chatCustomer(sessionId: string): string | null {
  const db = new Database(join(world.dir.path, 'server.sqlite'), { readonly: true, fileMustExist: true });
  try {
    const r = db.prepare('select customer_id from chat_interactions where session_id = ?').get(sessionId) as
      { customer_id: string | null } | undefined;
    return r?.customer_id ?? null;
  } finally {
    db.close();
  }
}

describe('a chat on the customer timeline', () => {
  let page: Page;

  it('shows an ended chat of a known customer on their timeline, and its transcript on a click', async () => {
    const k = known();
    let sessionId = '';
    const v = await Visitor.open(world.server.url, world.server.url);
    try {
      await v.hello('demo');
      const ack = await v.say('e2e-1', '我的快递 4711 三天没有更新了');
      if (ack.type !== 'ack') throw new Error('refused');
      sessionId = ack.message.sessionId;
      v.send({ type: 'identify', identity: { name: k.name, email: k.email, phone: '' } });
      await v.next('message', (f) => f.message.event === 'identified');
      v.send({ type: 'end', ref: 'e2e-end' });
      await v.next('state', (f) => f.session.state === 'ended');
    } finally {
      v.close();
    }

    // The customer the visitor's email led to (the known one; identity.ts decides).
    const customerId = await expect
      .poll(() => chatCustomer(sessionId), { timeout: 10_000 })
      .toBeTruthy()
      .then(() => chatCustomer(sessionId));
    const context = await world.browser.newContext({
      locale: 'en-US',
      viewport: { width: 1280, height: 800 },
    });
    page = await context.newPage();
    await signIn(page, { hostUrl: world.host.url, serverUrl: world.server.url }, k.agent);
    await untilTicketsSettled(page);
    await page.getByTestId('nav-customers').click();
    await page.getByTestId('customer-search').fill(k.name);
    await page.locator(`[data-testid="customer-row"][data-customer-id="${customerId}"]`).click();
    const chat = page.locator('[data-testid="timeline-entry"][data-kind="chat"]');
    await chat.waitFor();
    expect(await chat.innerText()).toContain('我的快递 4711 三天没有更新了');
    await page.getByTestId('timeline-filter-chat').click();
    await expect.poll(() => page.getByTestId('timeline-entry').count()).toBe(1);
    await page.getByTestId('timeline-filter-all').click();
    await shootBothLanguages(page, 'chat-timeline');

    await chat.click();
    const transcript = page.getByTestId('chat-transcript');
    await transcript.waitFor();
    expect(await transcript.innerText()).toContain(`${k.name}: 我的快递 4711 三天没有更新了`);
    // Plain text: nothing the visitor wrote becomes markup.
    expect(await transcript.locator('*').count()).toBe(0);
    await shootBothLanguages(page, 'chat-timeline-transcript');
    await context.close();
  });
});
