import {
  ADELE,
  cardText,
  fact,
  findAction,
  invoke,
  LEE,
  message,
  TENANT,
  type Scope,
} from '../support/activities';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { startHarness, type Harness } from '../support/harness';
import { CHECKLISTS } from '../../src/domain/templates';

const DEFAULT_CHECKLISTS = CHECKLISTS.app;
import { MemoryTable } from '../../src/storage/memory-table';

/** What an advance into a stage with no announce setting (prompt) adds to its reply. */
const PREVIEW_FOLLOWS =
  "A preview of the announcement follows in the rollout's conversation: Send or Skip it there.";

/** The bot as a person meets it over HTTP: real restify + CloudAdapter, fake Bot Connector. */
let h: Harness;
const say = (
  text: string,
  opts: { scope?: Scope; from?: typeof ADELE; id?: string; conversationId?: string } = {},
) => h.post(message(text, { serviceUrl: h.connector.url, ...opts }));
const click = (verb: string, data: unknown, opts: { scope?: Scope; from?: typeof ADELE; id?: string } = {}) =>
  h.post(invoke(verb, data, { serviceUrl: h.connector.url, scope: 'personal', ...opts }));
const lastText = () => h.connector.texts().at(-1) ?? '';
const lastCard = () => h.connector.cards().at(-1);
const invokeCard = (res: { body: unknown }) => (res.body as { value: Record<string, unknown> }).value;

const newRollout = async (name = 'Teams Premium', opts: { scope?: Scope } = {}) => {
  await say(`rollout new ${name}`, opts);
  const id = fact(lastCard(), 'Rollout id');
  if (!id) throw new Error(`no rollout created: ${lastText()}`);
  return id;
};

describe('with admins configured (anonymous local mode)', () => {
  beforeEach(async () => {
    h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  });
  afterEach(() => h.close());

  it('rollout new answers with a status card in project scope', async () => {
    const res = await say('rollout new Teams Premium');
    expect(res.status).toBe(200);
    expect(lastText()).toMatch(/^Created “Teams Premium” \(ro-[0-9a-f]{10}\)/);
    const card = lastCard();
    expect(fact(card, 'Current phase')).toBe('Project scope');
    expect(fact(card, 'Status')).toBe('Active');
    expect(cardText(card)).toContain(
      '❌ **Project scope checklist complete**: 0 of 6 done (target: 6 of 6 done)',
    );
  });

  it('ticks the checklist from the card, refuses to advance until it is complete, then advances', async () => {
    const id = await newRollout();
    await say('advance phase');
    expect(lastText()).toContain('cannot leave Project scope yet: 1 exit criterion is unmet');
    expect(lastText()).toContain('Project scope checklist complete**: 0 of 6 done');

    await say('checklist');
    let card = lastCard();
    for (const [itemId] of DEFAULT_CHECKLISTS.scope) {
      const action = findAction(card, 'checklist.tick', (d) => d.itemId === itemId);
      expect(action?.title).toBe('Tick');
      const res = await click('checklist.tick', action?.data);
      expect(res.status).toBe(200);
      card = invokeCard(res);
    }
    expect(cardText(card)).toContain('6 of 6 done');
    // In the rollout's zone (America/Los_Angeles, the creator's client zone): 17:30 UTC.
    expect(cardText(card)).toContain('✅ Done by Adele Vance, 10 Feb 2026, 09:30 GMT-8');

    await say('advance phase');
    expect(lastText()).toBe(
      `“Teams Premium” advanced from Project scope to Proof of concept. ${PREVIEW_FOLLOWS}`,
    );
    await say(`status ${id}`);
    expect(fact(lastCard(), 'Current phase')).toBe('Proof of concept');
    expect(cardText(lastCard())).toContain('Advanced Project scope → Proof of concept');
  });

  it('a card action without `trigger` (as the Agents Playground sends it) is handled like a click', async () => {
    await newRollout();
    await say('checklist');
    const tick = findAction(lastCard(), 'checklist.tick', (d) => d.itemId === 'installer');
    const res = await h.post(
      invoke('checklist.tick', tick?.data, { serviceUrl: h.connector.url, scope: 'personal', trigger: null }),
    );
    expect(cardText(invokeCard(res))).toContain('1 of 6 done');
  });

  it('unticking from the card records it', async () => {
    await newRollout();
    await say('checklist');
    const tick = findAction(lastCard(), 'checklist.tick', (d) => d.itemId === 'installer');
    const ticked = invokeCard(await click('checklist.tick', tick?.data));
    const untick = findAction(ticked, 'checklist.tick', (d) => d.itemId === 'installer');
    expect(untick?.title).toBe('Untick');
    const unticked = invokeCard(await click('checklist.tick', untick?.data));
    expect(cardText(unticked)).toContain('Open (unticked by Adele Vance');
  });

  it('forces an advance with a reason, and refuses a force without one', async () => {
    await newRollout();
    await say('advance phase --force');
    expect(lastText()).toContain('The flag --force needs a value');
    await say('advance phase --force “vendor signed off”');
    expect(lastText()).toBe(
      `“Teams Premium” advanced from Project scope to Proof of concept (forced: vendor signed off). ${PREVIEW_FOLLOWS}`,
    );
    await say('status');
    expect(cardText(lastCard())).toContain(
      'Advanced Project scope → Proof of concept (forced: vendor signed off)',
    );
  });

  it('two admins advancing at once: it advances once and the other is told who did it', async () => {
    await h.close();
    h = await startHarness({ env: { ROLLOUT_ADMINS: `${ADELE.id},${LEE.id}` } });
    await newRollout();
    h.connector.clear();
    const [a, b] = await Promise.all([
      say('advance phase --force "go"', { from: ADELE }),
      say('advance phase --force "go"', { from: LEE }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const texts = h.connector.texts();
    expect(texts.filter((t) => t.includes('advanced from Project scope to Proof of concept'))).toHaveLength(
      1,
    );
    expect(texts.filter((t) => /already advanced it to Proof of concept/.test(t))).toHaveLength(1);
    await say('status');
    expect(fact(lastCard(), 'Current phase')).toBe('Proof of concept');
  });

  it('the same activity delivered 5 times at once acts once', async () => {
    await newRollout();
    h.connector.clear();
    const activity = message('advance phase --force "redelivery"', {
      serviceUrl: h.connector.url,
      id: 'redelivered-1',
    });
    const results = await Promise.all(Array.from({ length: 5 }, () => h.post(activity)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    const texts = h.connector.texts();
    expect(texts.filter((t) => t.startsWith('“Teams Premium” advanced'))).toHaveLength(1);
    expect(texts.filter((t) => t.startsWith('Already done: “Teams Premium” advanced'))).toHaveLength(4);
    await say('status');
    expect(fact(lastCard(), 'Current phase')).toBe('Proof of concept');
  });

  it('a redelivered `rollout new` creates one rollout', async () => {
    const activity = message('rollout new Once', { serviceUrl: h.connector.url, id: 'create-1' });
    await Promise.all([h.post(activity), h.post(activity), h.post(activity)]);
    await say('rollout list');
    expect(cardText(lastCard()).match(/\*\*Once\*\*/g)).toHaveLength(1);
  });

  it('refuses a non-admin politely, changes nothing, and audits the attempt', async () => {
    await newRollout();
    await say('advance phase --force "mine"', { from: LEE });
    expect(lastText()).toMatch(/^Sorry, only the rollout's admins can use `advance phase`/);
    await say('checklist', { from: LEE });
    const tick = findAction(lastCard(), 'checklist.tick');
    const res = await click('checklist.tick', tick?.data, { from: LEE });
    expect(cardText(invokeCard(res))).toContain("only the rollout's admins");
    await say('rollout new Sneaky', { from: LEE });
    expect(lastText()).toMatch(/^Sorry/);
    await say('status');
    const card = lastCard();
    expect(fact(card, 'Current phase')).toBe('Project scope');
    expect(cardText(card)).toContain('Lee Gu: Refused `checklist tick`: not an admin');
    expect(cardText(card)).toContain('Lee Gu: Refused `advance phase`: not an admin');
  });

  it('a refused command that is redelivered is audited once and gets the same refusal', async () => {
    const id = await newRollout();
    const refusal = /^Sorry, only the rollout's admins can use `advance phase`/;
    for (const activityId of ['redelivered-1', 'redelivered-1', 'redelivered-1']) {
      await say('advance phase --force "mine"', { from: LEE, id: activityId });
      expect(lastText()).toMatch(refusal);
    }
    await say('rollout new Sneaky', { from: LEE, id: 'redelivered-2' });
    await say('rollout new Sneaky', { from: LEE, id: 'redelivered-2' });
    expect(lastText()).toMatch(/^Sorry/);
    const audit = await new TableRolloutRepository(h.table).audit(TENANT, id, 50);
    expect(audit.filter((e) => e.type === 'access-denied')).toHaveLength(1);
    const tenantAudit = await new TableRolloutRepository(h.table).audit(TENANT, null, 50);
    expect(tenantAudit.filter((e) => e.type === 'access-denied')).toHaveLength(1);
  });

  it('with several rollouts, offers a choice whose buttons re-run the command with its arguments', async () => {
    await newRollout('Alpha');
    await newRollout('Beta');
    await say('advance phase --force "chosen"');
    const choice = lastCard();
    expect(cardText(choice)).toContain('Choose one to run `advance phase --force chosen` on.');
    const beta = findAction(
      choice,
      'command.run',
      (d) =>
        cardText(choice).includes('Beta') && d.command === 'advance phase' && String(d.rolloutId).length > 0,
    );
    const betaId = h.connector
      .cards()
      .map((c) => fact(c, 'Rollout id'))
      .filter(Boolean)[1];
    const button = findAction(choice, 'command.run', (d) => d.rolloutId === betaId);
    expect(beta).not.toBeNull();
    const res = await click('command.run', button?.data);
    expect(cardText(invokeCard(res))).toContain(
      '“Beta” advanced from Project scope to Proof of concept (forced: chosen)',
    );
    await say('status Beta');
    expect(fact(lastCard(), 'Current phase')).toBe('Proof of concept');
    await say('status Alpha');
    expect(fact(lastCard(), 'Current phase')).toBe('Project scope');
  });

  it.each<[string, Scope, string]>([
    ['a channel @mention', 'channel', 'STATUS'],
    ['a group chat @mention', 'groupChat', '/status'],
    ['personal chat with a slash', 'personal', '/Status'],
  ])('understands %s', async (_name, scope, text) => {
    await newRollout('Scoped', { scope });
    await say(text, { scope });
    expect(fact(lastCard(), 'Current phase')).toBe('Project scope');
  });

  it('quoted names with spaces, straight or typographic', async () => {
    await newRollout('Windows 11 upgrade');
    await newRollout('Other');
    await say('status “windows 11 upgrade”');
    expect(cardText(lastCard())).toContain('Windows 11 upgrade');
    await say('pause \'Windows 11 upgrade\' --reason "freeze"');
    expect(lastText()).toBe('“Windows 11 upgrade” is paused. Use `resume` to continue.');
  });

  it('pausing refuses advancing and ticking; resume lifts it; close only from operations', async () => {
    await newRollout();
    await say('pause');
    await say('advance phase --force "x"');
    expect(lastText()).toBe('“Teams Premium” is paused. Resume it first with `resume`.');
    await say('checklist');
    expect(cardText(lastCard())).toContain('This rollout is paused');
    expect(findAction(lastCard(), 'checklist.tick')).toBeNull();
    await say('resume');
    await say('rollout close');
    expect(lastText()).toContain('a rollout closes from operations and maintenance');
    for (let i = 0; i < 4; i++) await say(`advance phase --force "step ${i}"`);
    await say('advance phase');
    expect(lastText()).toContain('Operations and maintenance is the last phase; use `rollout close`');
    await say('rollout close');
    expect(lastText()).toBe('“Teams Premium” is completed. Thank you all!');
  });

  it('an unknown command or flag gets help', async () => {
    await say('frobnicate');
    expect(lastText()).toMatch(/^I don’t know “frobnicate”\. Here is what I can do:/);
    expect(lastText()).toContain('`advance phase [rollout] [--force "reason"]`');
    await say('rollout list --everything');
    expect(lastText()).toContain('Unknown flag --everything. This command takes --all.');
  });

  it('rollout list --all is for admins', async () => {
    await newRollout('Here');
    await say('rollout new There', { conversationId: 'a:another-conversation' });
    await say('rollout list --all');
    expect(cardText(lastCard())).toMatch(/Here[\s\S]*There/);
    await say('rollout list --all', { from: LEE });
    expect(lastText()).toMatch(/^Sorry/);
    await say('rollout list', { from: LEE });
    expect(cardText(lastCard())).not.toContain('There');
  });

  it('unknown card verbs and bad card data get an explicit error and change nothing', async () => {
    const id = await newRollout();
    const unknown = await click('nope.verb', {});
    expect(unknown.body).toEqual({
      statusCode: 400,
      type: 'application/vnd.microsoft.error',
      value: { code: 'BadRequest', message: 'Unknown card action “nope.verb”.' },
    });
    const bad = await click('checklist.tick', {
      rolloutId: id,
      phase: 'scope',
      itemId: 'installer',
      done: 'maybe',
    });
    expect(bad.body).toMatchObject({ statusCode: 400, value: { message: expect.stringContaining('done') } });
    await say('checklist');
    expect(cardText(lastCard())).toContain('0 of 6 done');
  });

  it('a malformed activity gets a 4xx, stores nothing, and the server stays up', async () => {
    const table = h.table as MemoryTable;
    const before = table.size;
    expect((await h.post('{not json')).status).toBe(400);
    expect((await h.post({ type: 'message', text: 'rollout new X' })).status).toBe(400);
    const noFrom = message('rollout new X', { serviceUrl: h.connector.url }) as Record<string, unknown>;
    delete noFrom.from;
    const res = await h.post(noFrom);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { message: expect.stringContaining('from') } });
    expect(table.size).toBe(before);
    expect(h.connector.calls).toHaveLength(0);
    expect((await fetch(`${h.server.url}/healthz`)).status).toBe(200);
  });

  it('a message without text (a file, or a legacy card submit) gets a hint, not an error', async () => {
    const file = message('', { serviceUrl: h.connector.url });
    expect((await h.post(file)).status).toBe(200);
    expect(lastText()).toBe('I only understand typed commands. Type `help` to see them.');
    await h.post({ ...message('', { serviceUrl: h.connector.url }), value: { verb: 'checklist.tick' } });
    expect(lastText()).toBe('This card button needs a newer Teams client. Type `help` to see them.');
  });

  it('welcomes on install', async () => {
    const { installationAdd } = await import('../support/activities');
    await h.post(installationAdd({ serviceUrl: h.connector.url }));
    expect(lastText()).toContain('Type `help`');
  });
});

describe('authentication', () => {
  afterEach(() => h.close());

  it('with MicrosoftAppId set, a request without a token or with a garbage token gets 401', async () => {
    h = await startHarness({
      env: {
        MicrosoftAppId: '11111111-2222-4333-8444-555555555555',
        MicrosoftAppPassword: 'secret',
        ROLLOUT_ADMINS: ADELE.id,
      },
    });
    const activity = message('rollout new X', { serviceUrl: h.connector.url });
    expect((await h.post(activity)).status).toBe(401);
    expect((await h.post(activity, { Authorization: 'Bearer garbage' })).status).toBe(401);
    expect((await h.post(activity, { Authorization: 'Bearer eyJhbGciOiJSUzI1NiJ9.eyJ9.c2ln' })).status).toBe(
      401,
    );
    expect((h.table as MemoryTable).size).toBe(0);
    expect(h.connector.calls).toHaveLength(0);
  });
});

describe('health', () => {
  afterEach(() => h.close());

  it('answers 200 after a storage round trip and 503 when storage is unreachable', async () => {
    const table = new MemoryTable();
    h = await startHarness({ table });
    const ok = await fetch(`${h.server.url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ status: 'ok', storage: 'ok' });
    table.get = async () => {
      throw new Error('connect ECONNREFUSED 127.0.0.1:1');
    };
    const down = await fetch(`${h.server.url}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable' });
  });

  it('shows each scheduled job: its last slot, last error and failures in a row', async () => {
    h = await startHarness();
    await h.sweep();
    const body = (await (await fetch(`${h.server.url}/healthz`)).json()) as {
      jobs: Record<string, unknown>[];
    };
    expect(body.jobs.find((job) => job.name === 'housekeeping')).toMatchObject({
      lastSlot: h.clock.now().toISOString(),
      lastRunAt: h.clock.now().toISOString(),
      lastError: null,
      failures: 0,
    });
  });
});
