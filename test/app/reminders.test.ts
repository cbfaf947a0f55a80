import { FanoutWorker } from '../../src/app/announce/fanout-worker';
import { RateController } from '../../src/app/announce/rate-control';
import { reminderRecipientsOf } from '../../src/app/announce/reminder-recipients';
import { reminderId, startReminder } from '../../src/app/announce/reminders';
import { startReminders, stopReminders } from '../../src/app/announce/reminder-optout';
import { latestAnnouncement } from '../../src/app/announce/announce-common';
import { answerSignoff } from '../../src/app/answer-signoff';
import { requestSignoff } from '../../src/app/signoff-requests';
import { submitFeedback } from '../../src/app/submit-feedback';
import { pauseRollout } from '../../src/app/change-status';
import { runFeedbackNudges, upcomingNudges } from '../../src/app/schedule/feedback-nudges';
import { updateScheduleState } from '../../src/app/schedule/schedule-state';
import cron from 'node-cron';
import { feedbackNudgesJob } from '../../src/schedule/feedback-nudges-job';
import { emptyScheduleState } from '../../src/app/ports-schedule';
import type { FeedbackAnswer } from '../../src/domain/feedback';
import type { Announcement } from '../../src/domain/announcement';
import { announceDeps, deliver, people, pilotWith } from './announce-support';
import { ADMIN, COORDINATION, HELPDESK, HELPDESK2, rolloutAfter, TENANT } from './support';

const ANSWER: FeedbackAnswer = {
  rating: 4,
  installed: 'yes',
  category: 'install',
  severity: 'none',
  platform: 'windows',
  comment: '',
  shareName: true,
};

/**
 * A pilot of `members` entered at the clock's start (Tue 2026-02-10 17:30 UTC, a UTC rollout with
 * the default quiet hours 19:00–08:00 and weekends), a fan-out worker over the same store and queue.
 */
const world = async (members = people(6)) => {
  const { deps, announcer, queue } = announceDeps();
  const rolloutId = await pilotWith(deps, members);
  const worker = new FanoutWorker({
    queue,
    announcements: deps.announce.store,
    announcer,
    rate: new RateController({
      tenantRps: 1000,
      now: () => deps.clock.now().getTime(),
      wait: async () => {},
    }),
    recipientsOf: async () => [],
    reminderRecipientsOf: reminderRecipientsOf({ ...deps, announcements: deps.announce.store }),
    serviceUrlOf: (a) => a.coordination?.conversation.serviceUrl ?? '',
    clock: deps.clock,
    wait: async (ms) => deps.clock.advance(ms),
    log: deps.log,
    instanceId: 'test',
  });
  /** Runs the fan-out until nothing is visible. */
  const drain = async () => {
    for (let i = 0; i < 50; i++) if ((await worker.runOnce()) === 0) return;
  };
  const rollout = async () => {
    const r = (await deps.rollouts.get(TENANT, rolloutId))?.value;
    if (!r) throw new Error('no rollout');
    return r;
  };
  /** Who got a personal card of kind `purpose` (the recorded sends). */
  const sentTo = (kind: string) =>
    announcer.personal
      .filter((p) => p.card.announcement.purpose?.kind === kind)
      .map((p) => p.card.recipient.personId)
      .sort();
  const reminders = async (): Promise<Announcement[]> => {
    const all: Announcement[] = [];
    for (const p of announcer.personal) {
      if (p.card.announcement.purpose && !all.some((a) => a.id === p.card.announcement.id))
        all.push(p.card.announcement);
    }
    return all;
  };
  const answer = (personId: string) =>
    submitFeedback(deps, {
      tenantId: TENANT,
      rolloutId,
      stageId: 'pilot',
      by: { id: personId, name: personId },
      activityKey: `conv|fb-${personId}`,
      answer: ANSWER,
    });
  return { deps, announcer, queue, rolloutId, drain, rollout, sentTo, reminders, answer, members };
};

const at = (iso: string) => new Date(iso);

describe('feedback nudges', () => {
  it('are due two days after the stage was entered, spaced two days, capped at the stage’s nudges (2)', async () => {
    const w = await world();
    // Thursday 12 Feb 10:00 is less than two days after Tuesday 17:30: nothing.
    await runFeedbackNudges(w.deps, at('2026-02-12T10:00:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toEqual([]);
    await runFeedbackNudges(w.deps, at('2026-02-12T17:30:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toEqual(w.members);
    // A day later: too soon for the second.
    await runFeedbackNudges(w.deps, at('2026-02-13T17:30:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toHaveLength(6);
    // Monday 16 Feb 09:00: the second (over two days after Thursday's).
    await runFeedbackNudges(w.deps, at('2026-02-16T09:00:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toHaveLength(12);
    // A week later: no third (the default is two).
    await runFeedbackNudges(w.deps, at('2026-02-23T09:00:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toHaveLength(12);
    const state = (await w.deps.schedules.state(TENANT, w.rolloutId))?.value;
    expect(state?.nudges.pilot).toEqual({ count: 2, lastAt: '2026-02-16T09:00:00.000Z' });
  });

  it('a nudge due on Saturday waits for Monday 08:00, and goes out once', async () => {
    const w = await world();
    // The first nudge went out Thursday 12 Feb 17:30; the second is due Saturday 14 Feb 17:30.
    await runFeedbackNudges(w.deps, at('2026-02-12T17:30:00Z'));
    for (const slot of ['2026-02-14T17:30:00Z', '2026-02-15T12:00:00Z', '2026-02-16T07:45:00Z'])
      await runFeedbackNudges(w.deps, at(slot));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toHaveLength(6);
    const r = await w.rollout();
    const state =
      (await w.deps.schedules.state(TENANT, w.rolloutId))?.value ?? emptyScheduleState(TENANT, r.id);
    expect(upcomingNudges(r, state, null, at('2026-02-14T17:30:00Z'))).toEqual([
      {
        at: '2026-02-16T08:00:00.000Z',
        what: 'Feedback nudge 2 to the people of the stage who have not answered',
      },
    ]);
    await runFeedbackNudges(w.deps, at('2026-02-16T08:00:00Z'));
    await runFeedbackNudges(w.deps, at('2026-02-16T08:15:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toHaveLength(12);
    expect((await w.reminders()).filter((a) => a.purpose?.kind === 'feedback-nudge')).toHaveLength(2);
  });

  it('never goes to someone who has answered: an answer between two nudges leaves them out of the second', async () => {
    const w = await world();
    const [first, second] = w.members;
    await w.answer(first ?? '');
    await runFeedbackNudges(w.deps, at('2026-02-12T17:30:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toEqual(w.members.slice(1));
    await w.answer(second ?? '');
    await runFeedbackNudges(w.deps, at('2026-02-16T09:00:00Z'));
    await w.drain();
    const secondNudge = w.announcer.personal
      .filter(
        (p) => p.card.announcement.purpose?.kind === 'feedback-nudge' && p.card.announcement.purpose.n === 2,
      )
      .map((p) => p.card.recipient.personId)
      .sort();
    expect(secondNudge).toEqual(w.members.slice(2));
  });

  it('"Stop reminding me" is honoured for that rollout, and `reminders on` undoes it (each idempotent)', async () => {
    const w = await world();
    const r = await w.rollout();
    const [stopper] = w.members;
    const by = { id: stopper ?? '', name: 'Stopper' };
    const said = await stopReminders(w.deps, r, by);
    expect(await stopReminders(w.deps, r, by)).toBe(said);
    expect(said).toBe(
      'You won\'t get more reminders about Teams Premium. Type `reminders on "Teams Premium"` to undo.',
    );
    expect([...(await w.deps.schedules.optedOut(TENANT, r.id))]).toEqual([stopper]);
    await runFeedbackNudges(w.deps, at('2026-02-12T17:30:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toEqual(w.members.slice(1));
    await startReminders(w.deps, r, by);
    await startReminders(w.deps, r, by);
    expect((await w.deps.schedules.optedOut(TENANT, r.id)).size).toBe(0);
    await runFeedbackNudges(w.deps, at('2026-02-16T09:00:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge').filter((id) => id === stopper)).toHaveLength(1);
  });

  it('a paused rollout gets no nudge', async () => {
    const w = await world();
    const paused = await pauseRollout(w.deps, {
      tenantId: TENANT,
      rolloutId: w.rolloutId,
      by: ADMIN,
      activityKey: 'conv|pause',
      command: 'pause',
      reason: null,
    });
    expect(paused.kind).toBe('done');
    await runFeedbackNudges(w.deps, at('2026-02-12T17:30:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toEqual([]);
    expect((await w.deps.schedules.state(TENANT, w.rolloutId))?.value.nudges.pilot).toBeUndefined();
  });

  it('two runs of the same slot, or two instances at once, make one fan-out', async () => {
    const w = await world();
    const slot = at('2026-02-12T17:30:00Z');
    await Promise.all([runFeedbackNudges(w.deps, slot), runFeedbackNudges(w.deps, slot)]);
    await runFeedbackNudges(w.deps, slot);
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toEqual(w.members);
    expect(await w.reminders()).toHaveLength(1);
  });

  it('a crash after the state commit: the next run starts the decided nudge, once', async () => {
    const w = await world();
    const slot = at('2026-02-12T17:30:00Z');
    // What a run that died right after its commit leaves: nudge 1 decided, nothing started.
    await updateScheduleState(w.deps, TENANT, w.rolloutId, (s) => ({
      state: { ...s, nudges: { pilot: { count: 1, lastAt: slot.toISOString() } } },
    }));
    await runFeedbackNudges(w.deps, at('2026-02-12T17:45:00Z'));
    await runFeedbackNudges(w.deps, at('2026-02-12T18:00:00Z'));
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toEqual(w.members);
    const r = await w.rollout();
    const id = reminderId(r, 'pilot', { kind: 'feedback-nudge', n: 1 });
    expect((await w.reminders()).map((a) => a.id)).toEqual([id]);
  });

  it('startReminder twice makes one reminder, and it is not the latest announcement', async () => {
    const w = await world();
    const r = await w.rollout();
    const purpose = { kind: 'feedback-nudge', n: 1 } as const;
    const first = await startReminder(w.deps, r, 'pilot', purpose, at('2026-02-12T17:30:00Z'));
    const again = await startReminder(w.deps, r, 'pilot', purpose, at('2026-02-12T17:45:00Z'));
    expect(first.created).toBe(true);
    expect(again).toEqual({ id: first.id, created: false });
    await w.drain();
    expect(w.sentTo('feedback-nudge')).toEqual(w.members);
    expect(await latestAnnouncement(w.deps, r)).toBeNull();
    expect(w.announcer.posts).toEqual([]);
  });
});

describe('the "Got it" reminder', () => {
  it('goes two days after the announcement finished, only to those sent it who did not click Got it', async () => {
    const w = await world();
    const r = await w.rollout();
    const pilot = r.phases.find((p) => p.key === 'pilot');
    if (!pilot) throw new Error('no pilot');
    await w.deps.rollouts.commit(TENANT, {
      rollout: {
        ...r,
        phases: r.phases.map((p) => (p.key === 'pilot' ? { ...p, gotItReminder: true, nudges: 0 } : p)),
      },
      ifMatch: (await w.deps.rollouts.get(TENANT, r.id))?.etag ?? '',
      audit: [],
      processed: null,
    });
    const original: Announcement = {
      id: 'ann-pilot',
      tenantId: TENANT,
      rolloutId: r.id,
      stageId: 'pilot',
      text: { ...(await import('../cards/announcement-fixtures')).anAnnouncementText(), stageId: 'pilot' },
      by: ADMIN,
      createdAt: '2026-02-10T18:00:00.000Z',
      scheduledAt: null,
      state: 'expanding',
      audience: 'listed',
      recipients: 0,
      parts: 0,
      coordination: { conversation: COORDINATION, messageId: null },
      helpdesk: null,
      countsUpdatedAt: null,
      completedAt: null,
      cancelledBy: null,
    };
    await w.deps.announce.store.create(original);
    const [clicked, blocked] = w.members;
    await deliver(w.deps, original.id, w.members, (id) => (id === blocked ? 'blocked' : 'sent'));
    const { recordGotIt } = await import('../../src/app/announce/announce-gotit');
    await recordGotIt(w.deps, {
      tenantId: TENANT,
      announcementId: original.id,
      part: 0,
      by: { id: clicked ?? '', name: 'C' },
    });
    const stored = await w.deps.announce.store.get(TENANT, original.id);
    await w.deps.announce.store.update(
      { ...(stored?.value ?? original), state: 'done', completedAt: '2026-02-10T18:05:00.000Z' },
      stored?.etag ?? '',
    );
    await runFeedbackNudges(w.deps, at('2026-02-12T17:00:00Z'));
    await w.drain();
    expect(w.sentTo('gotit-reminder')).toEqual([]);
    await runFeedbackNudges(w.deps, at('2026-02-12T18:15:00Z'));
    await runFeedbackNudges(w.deps, at('2026-02-12T18:30:00Z'));
    await w.drain();
    expect(w.sentTo('gotit-reminder')).toEqual(w.members.filter((m) => m !== clicked && m !== blocked));
    expect(w.sentTo('feedback-nudge')).toEqual([]);
    // Its card's "Got it" names the original announcement and the person's partition in it.
    const sent = w.announcer.personal.find((p) => p.card.announcement.purpose?.kind === 'gotit-reminder');
    expect(sent?.card.recipient.ref).toBe(0);
    expect(sent?.card.announcement.purpose).toEqual({ kind: 'gotit-reminder', announcementId: original.id });
    expect((await latestAnnouncement(w.deps, r))?.id).toBe(original.id);
  });
});

describe('sign-off reminders', () => {
  it('go to the members without a standing answer, and Ready on the reminder records the answer', async () => {
    const { deps, announcer, queue } = announceDeps();
    const rolloutId = await rolloutAfter(deps, 1);
    const requested = await requestSignoff(deps, {
      tenantId: TENANT,
      rolloutId,
      by: ADMIN,
      activityKey: 'conv|req',
      command: 'signoff request',
      where: COORDINATION,
    } as Parameters<typeof requestSignoff>[1]);
    expect(requested.kind).not.toBe('refused');
    const rollout = (await deps.rollouts.get(TENANT, rolloutId))?.value;
    const requestId = rollout?.signoffs?.pilot;
    if (!rollout || !requestId) throw new Error('no request');
    await answerSignoff(deps, {
      tenantId: TENANT,
      rolloutId,
      requestId,
      by: HELPDESK,
      ready: true,
      reason: '',
      activityKey: 'conv|a1',
    });
    const worker = new FanoutWorker({
      queue,
      announcements: deps.announce.store,
      announcer,
      rate: new RateController({
        tenantRps: 1000,
        now: () => deps.clock.now().getTime(),
        wait: async () => {},
      }),
      recipientsOf: async () => [],
      reminderRecipientsOf: reminderRecipientsOf({ ...deps, announcements: deps.announce.store }),
      serviceUrlOf: (a) => a.coordination?.conversation.serviceUrl ?? '',
      clock: deps.clock,
      wait: async () => {},
      log: deps.log,
      instanceId: 'test',
    });
    // "Stop reminding me" does not apply to the help desk's duty.
    await stopReminders(deps, rollout, HELPDESK2);
    await startReminder(
      deps,
      rollout,
      'pilot',
      { kind: 'signoff-reminder', requestId, n: 1 },
      deps.clock.now(),
    );
    for (let i = 0; i < 20 && (await worker.runOnce()) > 0; i++);
    const sent = announcer.personal.filter((p) => p.card.announcement.purpose?.kind === 'signoff-reminder');
    expect(sent.map((p) => p.card.recipient.personId)).toEqual([HELPDESK2.id.toLowerCase()]);
    // Ready on the reminder carries what signoff.answer takes: answering it is answering the request.
    const { signoffReminderData } = await import('../../src/teams/views/reminder-view');
    const data = signoffReminderData(sent[0]?.card.announcement ?? (rollout as never), requestId);
    expect({ rolloutId: data.rolloutId, requestId: data.requestId }).toEqual({ rolloutId, requestId });
    const answered = await answerSignoff(deps, {
      tenantId: TENANT,
      rolloutId: data.rolloutId,
      requestId: data.requestId,
      by: HELPDESK2,
      ready: true,
      reason: '',
      activityKey: 'conv|a2',
    });
    expect(answered.kind).toBe('stored');
    const state = await deps.signoffs.get(TENANT, rolloutId, requestId);
    expect(state?.answers.map((a) => a.person.id).sort()).toEqual([HELPDESK.id, HELPDESK2.id].sort());
  });
});

it('the job runs every 15 minutes and does what is due as of its slot', async () => {
  const w = await world();
  const job = feedbackNudgesJob(w.deps);
  expect(job.cron).toBe('*/15 * * * *');
  expect(cron.validate(job.cron)).toBe(true);
  const run = await job.run(at('2026-02-12T17:30:00Z'));
  expect(run.failed).toEqual([]);
  await w.drain();
  expect(w.sentTo('feedback-nudge')).toEqual(w.members);
});
