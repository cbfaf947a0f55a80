import { emptyAudience } from '../../src/domain/audience';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';
import { ADELE, cardText, fact, findAction, invoke, LEE, message, TENANT } from '../support/activities';
import type { RecordedCall } from '../support/fake-connector';
import { startHarness, type Harness } from '../support/harness';

/**
 * The scheduled jobs through the real server: each slot run as node-cron would (`runJob`), the
 * fan-out drained by the test, the fake Bot Connector receiving what people would see.
 */
let h: Harness;
let rolloutId = '';
const DAY = 86_400_000;
const say = async (text: string, from = ADELE) => {
  await h.post(message(text, { serviceUrl: h.connector.url, from, scope: 'channel' }));
  await h.server.settled();
};
const personalCards = (person: { id: string }): Record<string, unknown>[] => {
  const chat = h.connector.chatOf(person.id)?.conversationId ?? '';
  return h.connector.calls
    .filter((c: RecordedCall) => c.method === 'POST' && c.conversationId === chat)
    .flatMap((c) =>
      ((c.body.attachments ?? []) as { content: Record<string, unknown> }[]).map((a) => a.content),
    );
};
/** Runs a job's slot at the clock's time (rounded down to the minute), then what it started. */
const runAt = async (job: string) => {
  const now = h.clock.now().getTime();
  const ran = await h.server.runJob(job, new Date(now - (now % 60_000)));
  await h.server.fanout.drain();
  await h.server.settled();
  return ran;
};

beforeAll(async () => {
  h = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id } });
  await say('rollout new Copilot');
  rolloutId = fact(h.connector.cards().at(-1) ?? {}, 'Rollout id') ?? '';
  const repo = new TableRolloutRepository(h.table);
  const stored = await repo.get(TENANT, rolloutId);
  if (!stored) throw new Error('no rollout');
  const audience = { ...emptyAudience(), members: [ADELE.id, LEE.id] };
  const phases = stored.value.phases.map((p) =>
    p.key === 'pilot' ? { ...p, audience, announce: 'off' as const } : p,
  );
  await repo.commit(TENANT, {
    rollout: { ...stored.value, phases, timeZone: 'Europe/Berlin' },
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
  await say(`advance phase ${rolloutId} --force "to the pilot"`);
  await say(`advance phase ${rolloutId} --force "to the pilot"`);
});
afterAll(() => h.close());

describe('feedback nudges', () => {
  it('nudges who has not answered two days in, honours Stop reminding me, never twice a slot', async () => {
    // The pilot was entered on Tuesday 2026-02-10 17:30 UTC (18:30 in Berlin): two days on is
    // Thursday 18:31, before the quiet hours (19:00–08:00 and weekends).
    h.clock.advance(2 * DAY + 60_000);
    expect(await runAt('feedback-nudges')).toBe(true);
    expect(await runAt('feedback-nudges')).toBe(false);
    const nudge = personalCards(LEE).at(-1);
    expect(cardText(nudge)).toContain('How is Copilot working for you?');
    expect(personalCards(ADELE)).toHaveLength(1);
    expect(personalCards(LEE)).toHaveLength(1);

    const stop = findAction(nudge, 'reminders.stop');
    if (!stop) throw new Error('no Stop reminding me on the nudge');
    const res = await h.post(
      invoke('reminders.stop', stop.data, { serviceUrl: h.connector.url, from: LEE, scope: 'personal' }),
    );
    expect(JSON.stringify(res.body)).toContain("You won't get more reminders about Copilot");

    // Two days later is Saturday (quiet): nothing; Monday morning the second nudge reaches Adele only.
    h.clock.advance(2 * DAY);
    await runAt('feedback-nudges');
    expect(personalCards(ADELE)).toHaveLength(1);
    h.clock.advance(39 * 3600_000); // Monday 09:30 in Berlin
    await runAt('feedback-nudges');
    expect(personalCards(ADELE)).toHaveLength(2);
    expect(personalCards(LEE)).toHaveLength(1);
  });
});

describe('the daily digest', () => {
  it('posts the digest card to the coordination conversation at 09:00 in the rollout’s zone, once', async () => {
    const digestsPosted = () =>
      h.connector.cards().filter((c) => cardText(c).includes('Daily digest: Copilot'));
    // The clock is now Monday 2026-02-16 08:30 UTC (09:30 in Berlin): today's digest is due.
    await runAt('daily-digest');
    await runAt('daily-digest');
    expect(digestsPosted()).toHaveLength(1);
    expect(cardText(digestsPosted()[0])).toContain('CET');
    expect(await h.server.runJob('daily-digest', new Date(h.clock.now().getTime() + 5 * 60_000))).toBe(true);
    await h.server.settled();
    expect(digestsPosted()).toHaveLength(1);
  });
});

describe('help-desk reminders, escalation and closing', () => {
  const HAL = { id: '00000000-0000-4000-8000-0000000000a3', name: 'Hal Desk' };
  let desk: Harness;
  let id = '';
  const tell = async (text: string) => {
    await desk.post(message(text, { serviceUrl: desk.connector.url, from: ADELE, scope: 'channel' }));
    await desk.server.settled();
    return desk.connector.texts().at(-1) ?? '';
  };
  const run = async (job: string) => {
    const now = desk.clock.now().getTime();
    await desk.server.runJob(job, new Date(now - (now % 60_000)));
    await desk.server.fanout.drain();
    await desk.server.settled();
  };
  const halCards = () => {
    const chat = desk.connector.chatOf(HAL.id)?.conversationId ?? '';
    return desk.connector.calls
      .filter((c: RecordedCall) => c.method === 'POST' && c.conversationId === chat)
      .flatMap((c) =>
        ((c.body.attachments ?? []) as { content: Record<string, unknown> }[]).map((a) => a.content),
      );
  };

  beforeAll(async () => {
    desk = await startHarness({ env: { ROLLOUT_ADMINS: ADELE.id, ROLLOUT_HELPDESK: `${HAL.id},${LEE.id}` } });
    await tell('rollout new Intune');
    id = fact(desk.connector.cards().at(-1) ?? {}, 'Rollout id') ?? '';
    await tell(`advance phase ${id} --force "lab done"`);
    // Tuesday 2026-02-10 17:30 UTC; the rollout's zone is the creator's (America/Los_Angeles).
    await tell(`signoff request ${id}`);
    expect(await tell(`signoff extend ${id} --until "2026-02-13 15:00"`)).toMatch(
      /are taken until 2026-02-13 15:00/,
    );
  });
  afterAll(() => desk.close());

  it('schedule says what comes next and when, in the rollout’s zone', async () => {
    const text = await tell(`schedule ${id}`);
    expect(text).toContain('Coming up for “Intune”');
    expect(text).toContain('America/Los_Angeles');
    expect(text).toContain(
      '11 Feb 2026, 09:30 GMT-8: Reminder in personal chat to the 2 help-desk members who have not answered (Pilot sign-off)',
    );
    expect(text).toContain('13 Feb 2026, 15:00 GMT-8: The Pilot sign-off closes at its deadline');
    // Soonest first.
    const times = [...text.matchAll(/^- (.+?): /gm)].map((m) => m[1] ?? '');
    expect(times.length).toBeGreaterThanOrEqual(5);
    expect(times.indexOf('11 Feb 2026, 09:30 GMT-8')).toBeLessThan(times.indexOf('13 Feb 2026, 15:00 GMT-8'));
  });

  it('reminds the members who have not answered, takes Ready from the reminder, escalates, closes once', async () => {
    desk.clock.advance(24 * 3600_000 + 60_000); // Wednesday 09:31 in Los Angeles
    await run('signoff-reminders');
    const reminder = halCards().at(-1);
    expect(cardText(reminder)).toContain('Are you ready for');
    const ready = findAction(reminder, 'signoff.answer');
    if (!ready) throw new Error('no Ready on the reminder');
    const res = await desk.post(
      invoke('signoff.answer', ready.data, { serviceUrl: desk.connector.url, from: HAL, scope: 'personal' }),
    );
    expect(res.status).toBe(200);
    await desk.server.settled();

    // 24 h before the deadline (Thursday 15:00 in Los Angeles): the coordination conversation hears who is missing.
    desk.clock.advance(30 * 3600_000); // Thursday 15:31
    await run('signoff-reminders');
    await run('signoff-reminders');
    const escalations = desk.connector.cards().filter((c) => cardText(c).includes('24 h to the deadline'));
    expect(escalations).toHaveLength(1);
    // Lee has never met the bot: named by id, as the sign-off card names them.
    expect(cardText(escalations[0])).toContain(`Not answered yet (1): ${LEE.id}`);

    // The deadline passes: the request closes (not met: everyone must answer), told once.
    desk.clock.advance(24 * 3600_000);
    await run('signoff-reminders');
    desk.clock.advance(5 * 60_000);
    await run('signoff-reminders');
    const closed = desk.connector.cards().filter((c) => cardText(c).includes('closed: not met'));
    expect(closed).toHaveLength(1);
    // The gate reads the request as it closed: not met, so the advance is refused.
    expect(await tell(`advance phase ${id}`)).toMatch(
      /Help desk ready for Pilot\*\*: closed at the deadline: 1 ready/,
    );
    expect(await tell(`advance phase ${id}`)).not.toMatch(/advanced from/);
  });
});
