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
