import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { v7 as uuidv7 } from 'uuid';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, type LocalStore } from '../../../src/main/store';
import { jiebaCut } from '../../../src/main/triage/jieba-cut';
import { modelCachePath, TriageModelCache } from '../../../src/main/triage/model-cache';
import { TriageKeeper, type ServiceModel } from '../../../src/main/triage/triage-keeper';
import { SwitchboardError } from '../../../src/shared/protocol/errors';
import { trainTriageModel, type TriageModelJson } from '../../../src/shared/triage/model';
import { customer, tempDir, ticket, ticketQuery, up } from '../fixtures';
import { TRAINING_LINES } from './lines';

let model: TriageModelJson;
beforeAll(() => {
  model = trainTriageModel(TRAINING_LINES, { cut: jiebaCut, minDf: 1, seed: 15 });
});

let dir: ReturnType<typeof tempDir>;
let replica: string;
beforeEach(() => {
  dir = tempDir('sb-triage-');
  replica = join(dir.path, 'server', 'agent.sqlite');
});
afterEach(() => dir.remove());

const offline = () =>
  Promise.reject(new SwitchboardError('unavailable', 'Cannot reach the server at http://127.0.0.1:9.'));

/** A keeper on this test's cache file; `serve` is the service's answer (its transport, injected). */
function keeper(serve: (have: number | null) => Promise<ServiceModel>): TriageKeeper {
  return new TriageKeeper({ cache: new TriageModelCache(modelCachePath(replica)), fetchModel: serve });
}

const outage = {
  subject: '家里断网了',
  description: '宽带从早上开始完全连不上，光猫红灯，急！',
  channel: 'phone' as const,
  priority: 'normal' as const,
  priorityChosen: false,
};

describe('offline triage on the desktop', () => {
  it('triages a new ticket with the model fetched while online, and again offline after a restart', async () => {
    const first = keeper(() => Promise.resolve({ version: 3, threshold: 0.6, model }));
    // Never online since install: no model, the ticket is made untriaged (the service triages it).
    expect(first.triageNewTicket(outage)).toBeNull();
    expect(first.status().version).toBeNull();

    const status = await first.refresh();
    expect(status).toMatchObject({ version: 3, threshold: 0.6, lastError: null });
    expect(existsSync(modelCachePath(replica))).toBe(true);
    const online = first.triageNewTicket(outage)!;
    expect(online.category).toBe('network_outage');
    expect(online.triage).toMatchObject({
      modelVersion: 3,
      source: 'desktop',
      article: null,
      department: { value: 'tech_support' },
      category: { value: 'network_outage' },
    });
    // The agent left the default priority: the model's stands.
    expect(online.priority).toBe(online.triage.priority.value);
    expect(online.triage.why.category.length).toBeGreaterThan(0);
    first.stop();

    // A restart during an outage: the kept model still triages, the status says why no newer one came.
    const restarted = keeper(offline);
    await expect(restarted.refresh()).rejects.toThrow(/Cannot reach/);
    expect(restarted.status()).toMatchObject({
      version: 3,
      lastError: expect.stringMatching(/Cannot reach/),
    });
    const english = restarted.triageNewTicket({
      ...outage,
      subject: 'I was charged twice on my bill this month',
      description: '',
      priority: 'low',
    })!;
    expect(english).toMatchObject({ category: 'wrong_charge', priority: 'low' });
    expect(english.triage).toMatchObject({ modelVersion: 3, source: 'desktop' });
    // A priority the agent picked stays theirs, even `normal`.
    expect(restarted.triageNewTicket({ ...outage, priorityChosen: true })!.priority).toBe('normal');
    restarted.stop();
  });

  it('keeps the model it has when the service sends one it cannot read, and takes a new threshold on 304', async () => {
    let answer: ServiceModel = { version: 1, threshold: 0.6, model };
    const k = keeper(() => Promise.resolve(answer));
    await k.refresh();
    const before = k.triageNewTicket(outage)!;

    answer = { version: 2, threshold: 0.6, model: { format: 'something-else' } };
    await k.refresh();
    expect(k.status()).toMatchObject({
      version: 1,
      lastError: expect.stringMatching(/version 2\) cannot be read/),
    });
    expect(k.triageNewTicket(outage)!.triage.modelVersion).toBe(1);

    // Unchanged model (the service's 304), higher threshold: every field is now below it, so it needs review.
    answer = { version: 1, threshold: 1, model: undefined };
    await k.refresh();
    expect(k.status()).toMatchObject({ version: 1, threshold: 1, lastError: null });
    expect(before.triage.needsReview).toBe(false);
    expect(k.triageNewTicket(outage)!.triage.needsReview).toBe(true);
    k.stop();
  });

  it('reads past a damaged cache file: no model until the service gives one again', async () => {
    const k = keeper(() => Promise.resolve({ version: 5, threshold: 0.6, model }));
    await k.refresh();
    k.stop();
    writeFileSync(modelCachePath(replica), '{"version": 5, "model": [trunc');
    const again = keeper(offline);
    expect(again.status().version).toBeNull();
    expect(again.triageNewTicket(outage)).toBeNull();
    again.stop();
  });
});

describe('a triaged ticket in the replica', () => {
  let store: LocalStore;
  beforeEach(() => {
    store = openStore(join(dir.path, 'replica.sqlite'));
    store.write.applyPage([...up.directory()], 1, 1, new Date().toISOString());
  });
  afterEach(() => store.close());

  it('goes to the server with its category and prediction, waits in Needs triage, and leaves it when confirmed', async () => {
    const k = keeper(() => Promise.resolve({ version: 7, threshold: 1, model }));
    await k.refresh();
    const c = customer({ version: 0 });
    store.write.createCustomerLocally(c, uuidv7());
    const triaged = k.triageNewTicket(outage)!;
    expect(triaged.triage.needsReview).toBe(true); // 1: nothing is that sure
    const t = ticket(c.id, {
      number: null,
      version: 0,
      subject: outage.subject,
      description: outage.description,
      priority: triaged.priority,
      category: triaged.category,
      triage: triaged.triage,
    });
    store.write.createTicketLocally(t, null, uuidv7());
    const untriaged = ticket(c.id, { number: null, version: 0, category: null, triage: null });
    store.write.createTicketLocally(untriaged, null, uuidv7());

    const create = store.read.outbox(10).find((e) => e.mutation.name === 'ticket.create')!;
    expect(create.mutation.args).toMatchObject({
      ticketId: t.id,
      category: 'network_outage',
      triage: { modelVersion: 7, source: 'desktop', needsReview: true },
    });
    const ids = (q: Parameters<typeof ticketQuery>[0]) =>
      store.read.searchTickets(ticketQuery(q)).rows.map((r) => r.id);
    expect(ids({ needsTriage: true })).toEqual([t.id]);
    expect(ids({ categories: ['network_outage'] })).toEqual([t.id]);
    expect(ids({ categories: ['wrong_charge'] })).toEqual([]);
    expect(ids({ text: '断网', needsTriage: true })).toEqual([t.id]);
    expect(store.read.getTicketDetail(t.id)!.ticket).toMatchObject({
      category: 'network_outage',
      triage: { modelVersion: 7 },
    });

    // Confirm: the category named as it is, an ordinary edit; the review ends here at once.
    store.write.updateTicketLocally(t.id, { category: 'network_outage' }, uuidv7(), new Date().toISOString());
    expect(ids({ needsTriage: true })).toEqual([]);
    expect(store.read.getTicketDetail(t.id)!.ticket.triage?.needsReview).toBe(false);
    // A correction moves it to its new category's filter.
    store.write.updateTicketLocally(t.id, { category: 'device_fault' }, uuidv7(), new Date().toISOString());
    expect(ids({ categories: ['device_fault'] })).toEqual([t.id]);
    expect(ids({ categories: ['network_outage'] })).toEqual([]);
    k.stop();
  });
});
