import type { CriterionResult } from '../../domain/decision';
import { addDays, earlierAllowed, localParts, nextAllowed, wallClock } from '../../domain/quiet-hours';
import { stageLabel } from '../../domain/feedback-access';
import type { Rollout, Wave } from '../../domain/rollout';
import { isScheduler, SCHEDULER, schedulerAccess } from '../../domain/roles';
import { DEFAULT_DIGEST_TIME, rolloutScheduleOf, stageScheduleOf } from '../../domain/schedule-plan';
import { advancePhase, afterAdvance } from '../advance-phase';
import { stagesToResolve } from '../audience-refresh';
import type { Outcome } from '../mutate';
import type { Deps, RolloutScheduleState, ScheduledNotice } from '../ports';
import { emptyScheduleState } from '../ports-schedule';
import { getStatus } from '../queries';
import { eachScheduledRollout, type JobRun } from './each-rollout';
import { markDone, pruneDone, scheduledNotice, updateScheduleState } from './schedule-state';
import {
  currentStage,
  enteredStageIds,
  localText,
  nextStage,
  stageIdOf,
  startDate,
  startInstant,
} from './stage-times';
import type { Upcoming } from './upcoming';

/**
 * The time-frame watch, every 15 minutes, for each active rollout in its own zone:
 * - the current stage's end (`timeFrame.end`; a date alone ends with that day) has passed: with
 *   every exit criterion met (the gate `status` evaluates) "ready to advance", once per stage; with
 *   criteria unmet "overdue" with what is missing, once (afterwards the digest mentions it). Both
 *   wait for the first time outside the quiet hours (an end on a Friday night is said on Monday).
 * - where the stage's plan enables `autoAdvance` and the gate passes, it advances instead (never
 *   forced): `advancePhase`, as by "Rollout Coordinator (scheduler)", announcing and assigning as
 *   a person's advance does; its processed marker (derived from rollout and stage) makes two runs
 *   advance once; the conversation is told ("auto-advanced").
 * - a wave whose start is tomorrow: a reminder with its checklist, once, at the digest time (or
 *   09:00) the day before, moved earlier out of the quiet hours (a Monday wave: Friday afternoon).
 * - where Graph is configured (`facts.directory`), the current stage's audience snapshot is
 *   refreshed once per local date (as `audience refresh` does).
 * Paused rollouts get none of it (their digest says they are paused).
 */

const DAY = 86_400_000;
/** `refresh:` keys older than this leave the state. */
const KEEP_KEYS_MS = 14 * DAY;
/** A scheduler advance whose notice was lost (a crash between the two commits) is still told within this. */
const TELL_ADVANCE_WITHIN_MS = 2 * DAY;

export type WatchDeps = Deps;

export const readyKey = (stageId: string): string => `ready:${stageId}`;
export const overdueKey = (stageId: string): string => `overdue:${stageId}`;
export const advancedKey = (stageId: string): string => `advanced:${stageId}`;
export const waveTomorrowKey = (stageId: string): string => `wave-tomorrow:${stageId}`;
export const refreshKey = (date: string): string => `refresh:${date}`;

/** The processed-marker key of the scheduler's advance out of a stage: one advance however many runs race. */
export const autoAdvanceKey = (rolloutId: string, stageId: string): string =>
  `scheduler|auto-advance|${rolloutId}|${stageId}`;

/** When the current stage's end is said (ready or overdue): its end, or the next time outside quiet hours. */
const endNoticeAt = (rollout: Rollout, end: Date): Date =>
  nextAllowed(end, rollout.timeZone, rolloutScheduleOf(rollout).quietHours);

/** When the reminder of a wave starting on `date` goes out: the day before at the digest time (or 09:00), outside quiet hours. */
export const waveReminderAt = (rollout: Rollout, date: string): Date => {
  const { quietHours, digestTime } = rolloutScheduleOf(rollout);
  const at = wallClock(addDays(date, -1), digestTime ?? DEFAULT_DIGEST_TIME, rollout.timeZone);
  return earlierAllowed(at, rollout.timeZone, quietHours);
};

/** Waves of the plan not entered yet that have a start. */
const comingWaves = (rollout: Rollout): { id: string; wave: Wave; label: string; start: string }[] => {
  const entered = new Set(enteredStageIds(rollout));
  return rollout.phases.flatMap((phase) =>
    phase.waves.flatMap((wave) => {
      const id = `${phase.key}/${wave.id}`;
      const start = wave.timeFrame.start;
      if (!start || entered.has(id)) return [];
      return [{ id, wave, label: stageLabel(rollout, { id, phase, wave, stage: wave }), start }];
    }),
  );
};

const criterionLine = (c: CriterionResult): string => `${c.label} (${c.measured}; target: ${c.target})`;

const notice = (
  rollout: Rollout,
  topic: ScheduledNotice['topic'],
  key: string,
  title: string,
  text: string,
  at: Date,
) => scheduledNotice(rollout, topic, key, { title, text }, at);

/** Commits `key` with its notice once (null notice: only the key); returns whether this call did. */
const once = (
  deps: WatchDeps,
  rollout: Rollout,
  key: string,
  at: Date,
  make: () => ScheduledNotice | null,
  prune = false,
): Promise<boolean> =>
  updateScheduleState(deps, rollout.tenantId, rollout.id, (state) => {
    if (state.done[key]) return null;
    const base = prune
      ? pruneDone(state, new Date(at.getTime() - KEEP_KEYS_MS), (k) => !k.startsWith('refresh:'))
      : state;
    const made = make();
    return { state: markDone(base, key, at), effects: { notices: made ? [made] : [] } };
  });

/** The daily audience refresh of the current stage (where Graph is configured). */
const refreshDaily = async (deps: WatchDeps, rollout: Rollout, state: RolloutScheduleState, slot: Date) => {
  if (!deps.facts.directory) return;
  const key = refreshKey(localParts(slot, rollout.timeZone).date);
  if (state.done[key]) return;
  if (!(await once(deps, rollout, key, slot, () => null, true))) return;
  const stage = stageIdOf(rollout, rollout.position);
  for (const stageId of stage ? stagesToResolve(rollout, stage) : []) {
    deps.audienceRefresh.schedule({ tenantId: rollout.tenantId, rolloutId: rollout.id, stageId, tell: null });
  }
};

/** Tells the conversation of the scheduler's advance out of `stageId` (once). */
const tellAdvanced = (deps: WatchDeps, rollout: Rollout, stageId: string, text: string, at: Date) =>
  once(deps, rollout, advancedKey(stageId), at, () =>
    notice(
      rollout,
      'auto-advanced',
      advancedKey(stageId),
      `⏩ “${rollout.name}” advanced by itself`,
      text,
      at,
    ),
  );

/**
 * The scheduler's advance out of the current stage (the gate passed): `advancePhase` as by the
 * scheduler, under its own access policy and the slot as its clock; what follows a person's
 * advance follows it; the conversation is told. Returns the outcome.
 */
export const autoAdvance = async (
  deps: WatchDeps,
  rollout: Rollout,
  stageId: string,
  slot: Date,
): Promise<Outcome> => {
  const acting: Deps = { ...deps, access: schedulerAccess(), clock: { now: () => slot } };
  const outcome = await advancePhase(acting, {
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    by: SCHEDULER,
    activityKey: autoAdvanceKey(rollout.id, stageId),
    command: 'advance phase (scheduler)',
    force: null,
    sentAt: null,
  });
  if (outcome.kind === 'done') {
    await tellAdvanced(
      deps,
      rollout,
      stageId,
      `${outcome.message} Its exit criteria were met and its plan lets it advance by itself.`,
      slot,
    );
    await afterAdvance(acting, outcome, SCHEDULER);
  } else if (outcome.kind === 'duplicate') {
    await tellAdvanced(deps, rollout, stageId, outcome.message, slot);
  } else {
    deps.log.warn({ rolloutId: rollout.id, stageId, outcome: outcome.kind }, 'the scheduler did not advance');
  }
  return outcome;
};

/** A scheduler advance committed but not told (the run stopped between the two commits): told now. */
const tellLostAdvance = async (
  deps: WatchDeps,
  rollout: Rollout,
  state: RolloutScheduleState,
  slot: Date,
) => {
  const last = rollout.history[rollout.history.length - 1];
  if (!last || !isScheduler(last.by) || slot.getTime() - Date.parse(last.at) > TELL_ADVANCE_WITHIN_MS) return;
  const from = stageIdOf(rollout, last.from);
  if (!from || state.done[advancedKey(from)]) return;
  await tellAdvanced(
    deps,
    rollout,
    from,
    `“${rollout.name}” advanced from ${last.from.label} to ${last.to.label}.`,
    slot,
  );
};

/** The current stage's end: ready, overdue or auto-advance, each once. */
const watchEnd = async (deps: WatchDeps, rollout: Rollout, state: RolloutScheduleState, slot: Date) => {
  const stage = currentStage(rollout);
  const next = nextStage(rollout);
  if (!stage?.end || !next || slot.getTime() < endNoticeAt(rollout, stage.end).getTime()) return;
  const stageId = stage.found.id;
  const auto = stageScheduleOf(stage.found.stage).autoAdvance;
  if (state.done[readyKey(stageId)] && !auto) return;
  if (state.done[overdueKey(stageId)] && state.done[readyKey(stageId)]) return;
  const view = await getStatus(deps, rollout.tenantId, rollout.id);
  if (!view || view.rollout.status !== 'active' || stageIdOf(view.rollout, view.rollout.position) !== stageId)
    return;
  const unmet = view.criteria.filter((c) => !c.met);
  const ended = localText(stage.end, rollout.timeZone);
  if (unmet.length === 0) {
    if (auto) {
      const outcome = await autoAdvance(deps, view.rollout, stageId, slot);
      // Advanced (now or by a racing run), or the gate no longer passes: the next run looks again.
      // Anything else (the rollout changed under it, a refusal) leaves it to a person: "ready".
      const gateMoved = outcome.kind === 'refused' && outcome.error.code === 'gate-unmet';
      if (outcome.kind === 'done' || outcome.kind === 'duplicate' || gateMoved) return;
    }
    await once(deps, rollout, readyKey(stageId), slot, () =>
      notice(
        rollout,
        'stage-ready',
        readyKey(stageId),
        `✅ “${rollout.name}”: ${stage.label} is ready to advance`,
        `${stage.label} ended ${ended} and every exit criterion is met: \`advance phase\` moves on to ${next.label}.`,
        slot,
      ),
    );
    return;
  }
  await once(deps, rollout, overdueKey(stageId), slot, () =>
    notice(
      rollout,
      'stage-overdue',
      overdueKey(stageId),
      `⏰ “${rollout.name}”: ${stage.label} is overdue`,
      `${stage.label} ended ${ended} with ${unmet.length} exit ${unmet.length === 1 ? 'criterion' : 'criteria'} unmet: ${unmet.map(criterionLine).join('; ')}. The daily digest keeps track; \`advance phase --force "reason"\` moves on anyway.`,
      slot,
    ),
  );
};

/** Reminders of waves starting tomorrow (or after a quiet weekend), each once. */
const watchWaves = async (deps: WatchDeps, rollout: Rollout, state: RolloutScheduleState, slot: Date) => {
  const today = localParts(slot, rollout.timeZone).date;
  for (const coming of comingWaves(rollout)) {
    const key = waveTomorrowKey(coming.id);
    const date = startDate(coming.start);
    const starts = startInstant(coming.start, rollout.timeZone);
    const remindAt = waveReminderAt(rollout, date);
    if (state.done[key] || slot.getTime() < remindAt.getTime() || slot.getTime() >= starts.getTime())
      continue;
    const when = date === addDays(today, 1) ? 'tomorrow' : 'soon';
    const items = coming.wave.checklist;
    const checklist = items.length
      ? ` Its checklist: ${items.map((i) => `${i.done ? '☑' : '☐'} ${i.text}`).join('; ')}.`
      : ' Its checklist is empty.';
    await once(deps, rollout, key, slot, () =>
      notice(
        rollout,
        'wave-tomorrow',
        key,
        `📅 “${rollout.name}”: ${coming.label} starts ${when}`,
        `${coming.label} starts ${localText(starts, rollout.timeZone)}.${checklist}`,
        slot,
      ),
    );
  }
};

/** One rollout's watch as of `slot`. */
export const watchRollout = async (deps: WatchDeps, rollout: Rollout, slot: Date): Promise<void> => {
  if (rollout.status !== 'active') return;
  const state =
    (await deps.schedules.state(rollout.tenantId, rollout.id))?.value ??
    emptyScheduleState(rollout.tenantId, rollout.id);
  await refreshDaily(deps, rollout, state, slot);
  await tellLostAdvance(deps, rollout, state, slot);
  await watchEnd(deps, rollout, state, slot);
  await watchWaves(deps, rollout, state, slot);
};

/** The watch job's run: every active rollout as of `slot`. */
export const runTimeframeWatch = (deps: WatchDeps, slot: Date): Promise<JobRun> =>
  eachScheduledRollout(deps, (stored) => watchRollout(deps, stored.value, slot));

/**
 * What the watch has coming for the rollout as of `now`, for `schedule`: the current stage's end
 * notice (or auto-advance), wave reminders, and (with `graph`) tomorrow's audience refresh.
 */
export const upcomingWatch = (
  rollout: Rollout,
  state: RolloutScheduleState,
  now: Date,
  options: { graph?: boolean } = {},
): Upcoming[] => {
  if (rollout.status !== 'active') return [];
  const items: Upcoming[] = [];
  const stage = currentStage(rollout);
  const next = nextStage(rollout);
  if (
    stage?.end &&
    next &&
    !state.done[readyKey(stage.found.id)] &&
    !state.done[advancedKey(stage.found.id)]
  ) {
    const at = endNoticeAt(rollout, stage.end).toISOString();
    const auto = stageScheduleOf(stage.found.stage).autoAdvance;
    items.push({
      at,
      what: auto
        ? `${stage.label} ends: it advances to ${next.label} by itself if its gate passes (else: overdue)`
        : state.done[overdueKey(stage.found.id)]
          ? `${stage.label} is overdue: "ready to advance" once its criteria are met`
          : `${stage.label} ends: "ready to advance" or "overdue" to the coordination conversation`,
    });
  }
  for (const coming of comingWaves(rollout)) {
    if (state.done[waveTomorrowKey(coming.id)]) continue;
    const starts = startInstant(coming.start, rollout.timeZone);
    if (starts.getTime() <= now.getTime()) continue;
    items.push({
      at: waveReminderAt(rollout, startDate(coming.start)).toISOString(),
      what: `Reminder that ${coming.label} starts, with its checklist`,
    });
  }
  if (options.graph) {
    const today = localParts(now, rollout.timeZone).date;
    const date = state.done[refreshKey(today)] ? addDays(today, 1) : today;
    const at = date === today ? now : wallClock(date, '00:00', rollout.timeZone);
    items.push({ at: at.toISOString(), what: 'Audience refresh of the current stage (Graph)' });
  }
  return items;
};
