/**
 * The feedback nudges and the "Got it" reminder (the feedback-nudges job, every 15 minutes).
 *
 * For each active rollout whose current stage takes feedback: at most `stageScheduleOf(stage).nudges`
 * nudges (default 2), the first no sooner than NUDGE_SPACING_MS (two days) after the stage was
 * entered, each at least that long after the previous one, never in quiet hours (due in quiet
 * hours: at the next allowed time, once). Where the stage asks for it, one "Got it" reminder two
 * days after its announcement finished sending, also outside quiet hours. Paused rollouts get none.
 *
 * Once across instances and crashes: a run first decides (nudge `n`, the state's
 * `nudges[stage].count` becomes n, ETag-guarded: of two racing runs one commits and the other
 * finds it decided), then starts the reminder (`startReminder`, idempotent by its id), then marks
 * it started (`nudge:<stage>:<n>` in `done`). A run that finds a decided nudge not marked started
 * (a crash between) starts it again: the same id, one fan-out. The Got-it reminder goes the same
 * way with `gotit:<announcement>` (decided) and `gotit-started:<announcement>`.
 */
import type { Announcement } from '../../domain/announcement';
import { currentStageId, findStage } from '../../domain/feedback-goals';
import { announcementText } from '../../domain/announcement-text';
import { isQuiet, nextAllowed } from '../../domain/quiet-hours';
import type { Rollout } from '../../domain/rollout';
import { NUDGE_SPACING_MS, rolloutScheduleOf, stageScheduleOf } from '../../domain/schedule-plan';
import { RECENT_ANNOUNCEMENTS } from '../announce/announce-common';
import { startReminder } from '../announce/reminders';
import type { Deps, RolloutScheduleState } from '../ports';
import { eachScheduledRollout, type JobRun } from './each-rollout';
import { markDone, updateScheduleState } from './schedule-state';
import type { Upcoming } from './upcoming';

/** How long after its announcement finished sending the "Got it" reminder is due. */
export const GOT_IT_REMINDER_AFTER_MS = 2 * 86_400_000;

/** The `done` key of nudge `n` of a stage once its fan-out was started. */
export const nudgeStartedKey = (stageId: string, n: number): string => `nudge:${stageId}:${n}`;
/** The `done` key of a decided "Got it" reminder, and of one started. */
export const gotItKey = (announcementId: string): string => `gotit:${announcementId}`;
export const gotItStartedKey = (announcementId: string): string => `gotit-started:${announcementId}`;

/** The rollout's current stage when it takes feedback (null: no nudges). */
const feedbackStage = (rollout: Rollout): string | null => {
  const stageId = currentStageId(rollout);
  return announcementText(rollout, stageId)?.takesFeedback ? stageId : null;
};

/** The `at`, moved out of the rollout's quiet hours (the next allowed time). */
const allowedFrom = (rollout: Rollout, at: Date): Date =>
  nextAllowed(at, rollout.timeZone, rolloutScheduleOf(rollout).quietHours);

/** The slot may send: the rollout's quiet hours do not hold at it. */
const mayRemindAt = (rollout: Rollout, slot: Date): boolean =>
  !isQuiet(slot, rollout.timeZone, rolloutScheduleOf(rollout).quietHours);

/** The next nudge of the rollout's current stage (its number and when it may go out), or null: no more. */
export const nextNudge = (
  rollout: Rollout,
  state: RolloutScheduleState,
): { stageId: string; n: number; at: Date } | null => {
  if (rollout.status !== 'active') return null;
  const stageId = feedbackStage(rollout);
  const found = stageId ? findStage(rollout, stageId) : null;
  if (!stageId || !found) return null;
  const done = state.nudges[stageId];
  const count = done?.count ?? 0;
  if (count >= stageScheduleOf(found.stage).nudges) return null;
  const from = done ? Date.parse(done.lastAt) : Date.parse(rollout.enteredAt);
  if (!Number.isFinite(from)) return null;
  return { stageId, n: count + 1, at: allowedFrom(rollout, new Date(from + NUDGE_SPACING_MS)) };
};

/**
 * The nudge the slot sends (pure): the next one when it is due by the slot and the slot is not in
 * quiet hours (a nudge due over the weekend goes out at the first slot on Monday morning), else null.
 */
export const dueNudge = (
  rollout: Rollout,
  state: RolloutScheduleState,
  slot: Date,
): { stageId: string; n: number } | null => {
  const next = nextNudge(rollout, state);
  if (!next || next.at.getTime() > slot.getTime() || !mayRemindAt(rollout, slot)) return null;
  return { stageId: next.stageId, n: next.n };
};

/** The state with nudge `n` of the stage decided at the slot. */
export const withNudge = (
  state: RolloutScheduleState,
  stageId: string,
  n: number,
  slot: Date,
): RolloutScheduleState => ({
  ...state,
  nudges: { ...state.nudges, [stageId]: { count: n, lastAt: slot.toISOString() } },
});

/** The phase announcement of the current stage whose "Got it" reminder is owed (sent, done), or null. */
export const gotItSubject = (rollout: Rollout, recent: readonly Announcement[]): Announcement | null => {
  if (rollout.status !== 'active') return null;
  const stageId = currentStageId(rollout);
  const found = findStage(rollout, stageId);
  if (!found || !stageScheduleOf(found.stage).gotItReminder) return null;
  return (
    recent.find(
      (a) => !a.purpose && a.stageId === stageId && a.state === 'done' && a.completedAt && a.recipients > 0,
    ) ?? null
  );
};

/** When the announcement's "Got it" reminder may go out (two days after it finished, outside quiet hours). */
export const gotItReminderAt = (rollout: Rollout, announcement: Announcement): Date =>
  allowedFrom(rollout, new Date(Date.parse(announcement.completedAt ?? '') + GOT_IT_REMINDER_AFTER_MS));

/** Starts a decided reminder and marks it started (the reminder's id keeps a repeat to one fan-out). */
const startAndMark = async (
  deps: Deps,
  rollout: Rollout,
  start: () => Promise<unknown>,
  key: string,
  at: Date,
): Promise<void> => {
  await start();
  await updateScheduleState(deps, rollout.tenantId, rollout.id, (s) =>
    s.done[key] ? null : { state: markDone(s, key, at) },
  );
};

/** Nudges of the rollout as of the slot: a decided one not started first, then the one due. */
const nudgeRollout = async (deps: Deps, rollout: Rollout, slot: Date): Promise<void> => {
  if (rollout.status !== 'active') return;
  const stageId = feedbackStage(rollout);
  if (!stageId) return;
  const nudge = (n: number, at: Date) => () =>
    startReminder(deps, rollout, stageId, { kind: 'feedback-nudge', n }, at);
  const state = (await deps.schedules.state(rollout.tenantId, rollout.id))?.value;
  const decided = state?.nudges[stageId];
  if (decided && decided.count > 0 && !state.done[nudgeStartedKey(stageId, decided.count)]) {
    // Decided by a run that did not get to start it (a crash): started now, once.
    const at = new Date(decided.lastAt);
    await startAndMark(
      deps,
      rollout,
      nudge(decided.count, at),
      nudgeStartedKey(stageId, decided.count),
      slot,
    );
  }
  let chosen: { stageId: string; n: number } | null = null;
  const committed = await updateScheduleState(deps, rollout.tenantId, rollout.id, (s) => {
    chosen = dueNudge(rollout, s, slot);
    return chosen && chosen.stageId === stageId ? { state: withNudge(s, stageId, chosen.n, slot) } : null;
  });
  const n = (chosen as { n: number } | null)?.n;
  if (committed && n !== undefined)
    await startAndMark(deps, rollout, nudge(n, slot), nudgeStartedKey(stageId, n), slot);
};

/** The "Got it" reminder of the rollout as of the slot (decided once, started once). */
const gotItRollout = async (deps: Deps, rollout: Rollout, slot: Date): Promise<void> => {
  if (rollout.status !== 'active' || !deps.announce) return;
  const recent = await deps.announce.store.ofRollout(rollout.tenantId, rollout.id, RECENT_ANNOUNCEMENTS);
  const subject = gotItSubject(rollout, recent);
  if (!subject) return;
  const remind = (at: Date) => () =>
    startReminder(deps, rollout, subject.stageId, { kind: 'gotit-reminder', announcementId: subject.id }, at);
  const state = (await deps.schedules.state(rollout.tenantId, rollout.id))?.value;
  const decidedAt = state?.done[gotItKey(subject.id)];
  if (decidedAt) {
    if (!state.done[gotItStartedKey(subject.id)])
      await startAndMark(deps, rollout, remind(new Date(decidedAt)), gotItStartedKey(subject.id), slot);
    return;
  }
  if (gotItReminderAt(rollout, subject).getTime() > slot.getTime() || !mayRemindAt(rollout, slot)) return;
  const committed = await updateScheduleState(deps, rollout.tenantId, rollout.id, (s) =>
    s.done[gotItKey(subject.id)] ? null : { state: markDone(s, gotItKey(subject.id), slot) },
  );
  if (committed) await startAndMark(deps, rollout, remind(slot), gotItStartedKey(subject.id), slot);
};

/** One run of the feedback-nudges job: every active rollout's nudges and "Got it" reminder, as of the slot. */
export const runFeedbackNudges = (deps: Deps, slot: Date): Promise<JobRun> =>
  eachScheduledRollout(deps, async ({ value: rollout }) => {
    await nudgeRollout(deps, rollout, slot);
    await gotItRollout(deps, rollout, slot);
  });

const people = 'the people of the stage who have not answered';

/**
 * What the job has coming for the rollout (pure; for `schedule`): the current stage's next
 * nudge, and the "Got it" reminder of its announcement (`announcement`: the current stage's latest
 * phase announcement, or null), when not decided yet.
 */
export const upcomingNudges = (
  rollout: Rollout,
  state: RolloutScheduleState,
  announcement: Announcement | null,
  now: Date,
): Upcoming[] => {
  const items: Upcoming[] = [];
  const next = nextNudge(rollout, state);
  if (next) {
    const at = next.at.getTime() < now.getTime() ? allowedFrom(rollout, now) : next.at;
    items.push({ at: at.toISOString(), what: `Feedback nudge ${next.n} to ${people}` });
  }
  const subject = gotItSubject(rollout, announcement ? [announcement] : []);
  if (subject && !state.done[gotItKey(subject.id)]) {
    const due = gotItReminderAt(rollout, subject);
    const at = due.getTime() < now.getTime() ? allowedFrom(rollout, now) : due;
    items.push({
      at: at.toISOString(),
      what: `“Got it” reminder about the ${subject.text.stageLabel} announcement`,
    });
  }
  return items;
};

/** `upcomingNudges` as a source of `schedule` (reads the stage's latest phase announcement). */
export const nudgesUpcoming = async (
  deps: Deps,
  rollout: Rollout,
  state: RolloutScheduleState,
  now: Date,
): Promise<Upcoming[]> => {
  const recent = deps.announce
    ? await deps.announce.store.ofRollout(rollout.tenantId, rollout.id, RECENT_ANNOUNCEMENTS)
    : [];
  return upcomingNudges(rollout, state, gotItSubject(rollout, recent), now);
};
