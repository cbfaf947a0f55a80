/**
 * Help-desk reminders: for the readiness request the gate reads (the one made for the stage the
 * rollout enters next), reminders in personal chat to the members who have not answered, the
 * escalations to the coordination conversation before the deadline, and closing at the deadline.
 * The slot is "now" for every decision; each step is done once per request (keys in the rollout's
 * schedule state), however many runs race or catch up.
 */
import type { Rollout } from '../../domain/rollout';
import { rolloutScheduleOf } from '../../domain/schedule-plan';
import { localInstantText } from '../../domain/time';
import {
  closeRequest,
  nextStageId,
  tallyOf,
  tallyWords,
  type SignoffAnswer,
  type SignoffRequest,
} from '../../domain/signoff';
import {
  closeStep,
  dueSignoffSteps,
  escalationSteps,
  reminderSteps,
  type DueSignoffSteps,
  type SignoffStep,
} from '../../domain/signoff-schedule';
import { toAuditEntry } from '../audit';
import { retryOnConflict } from '../mutate';
import type { Deps, RolloutScheduleState, ScheduledNotice, SignoffState } from '../ports';
import { SCHEDULER, startReminder, type ReminderPurpose } from '../announce/reminders';
import { eachScheduledRollout, type JobRun } from './each-rollout';
import { markDone, pruneDone, scheduledNotice, updateScheduleState } from './schedule-state';
import type { Upcoming } from './upcoming';
import type { UpcomingSource } from './what-is-next';

const DAY = 86_400_000;
/** Keys of requests no longer current leave the schedule state after this long. */
const KEEP_OLD_KEYS_MS = 30 * DAY;
/** A "closed" notice not told within this long after closing is not told any more (stale). */
const CLOSE_NOTICE_LATE_MS = 7 * DAY;
/** Members a notice names at most, then "and N more". */
const NAMES_LIMIT = 20;

/** Starts a sign-off reminder's fan-out (`startReminder`): called twice for one reminder, one fan-out. */
export type StartSignoffReminder = (
  rollout: Rollout,
  stageId: string,
  purpose: Extract<ReminderPurpose, { kind: 'signoff-reminder' }>,
  at: Date,
) => Promise<unknown>;

export type SignoffReminderDeps = Pick<
  Deps,
  'rollouts' | 'signoffs' | 'schedules' | 'notices' | 'tallies' | 'log'
> & {
  /** Hours before the deadline at which the coordination conversation is told (SIGNOFF_ESCALATE_HOURS). */
  escalateHours: readonly number[];
  /** Starts a reminder's fan-out; the job passes `startReminder` over the full deps. */
  startReminder: StartSignoffReminder;
};

/** The reminder's starter over the bot's deps (announcements must be configured). */
export const reminderStarter =
  (deps: Deps): StartSignoffReminder =>
  (rollout, stageId, purpose, at) =>
    startReminder(deps, rollout, stageId, purpose, at);

const isSignoffKey = (key: string): boolean => /^(remind|escalate|closed):/.test(key);
const keyRequestId = (key: string): string => key.split(':')[1] ?? '';

/**
 * Names as the sign-off card shows them: the name an answer (or the request's author) gave, else
 * the member's id; at most NAMES_LIMIT, then "and N more".
 */
const memberNames = (
  request: SignoffRequest,
  answers: readonly SignoffAnswer[],
  ids: readonly string[],
): string => {
  const names = new Map<string, string>();
  for (const p of [request.createdBy, ...answers.map((a) => a.person)]) {
    if (p.id && p.name.trim()) names.set(p.id.toLowerCase(), p.name.trim());
  }
  const shown = ids.slice(0, NAMES_LIMIT).map((id) => names.get(id.toLowerCase()) ?? id);
  const more = ids.length - shown.length;
  return more > 0 ? `${shown.join(', ')} and ${more} more` : shown.join(', ');
};

/** The escalation to the coordination conversation: who has not answered, the tally, the deadline. */
export const escalationNotice = (
  rollout: Rollout,
  state: SignoffState,
  key: string,
  hoursBefore: number,
  at: Date,
): ScheduledNotice => {
  const request = state.request.value;
  const tally = tallyOf(request, state.answers);
  const deadline = request.deadline ? localInstantText(request.deadline, rollout.timeZone) : '—';
  const waiting =
    tally.pending.length === 0
      ? 'Everyone has answered.'
      : `Not answered yet (${tally.pending.length}): ${memberNames(request, state.answers, tally.pending)}.`;
  return scheduledNotice(
    rollout,
    'signoff-escalation',
    key,
    {
      title: `⏰ Help-desk sign-off for ${request.stageLabel}: ${hoursBefore} h to the deadline`,
      text: `“${rollout.name}”: answers are taken until ${deadline}. ${waiting} Tally: ${tallyWords(tally)}; ${tally.met ? 'met' : 'not met yet'}: ${tally.reason}`,
    },
    at,
  );
};

/** The notice that a request closed at its deadline, with its recorded outcome. */
export const closedNotice = (
  rollout: Rollout,
  state: SignoffState,
  key: string,
  at: Date,
): ScheduledNotice => {
  const request = state.request.value;
  const tally = tallyOf(request, state.answers);
  const deadline = request.deadline ? localInstantText(request.deadline, rollout.timeZone) : '—';
  const met = request.metAtClose === true;
  const waiting =
    tally.pending.length > 0
      ? ` Did not answer (${tally.pending.length}): ${memberNames(request, state.answers, tally.pending)}.`
      : '';
  return scheduledNotice(
    rollout,
    'signoff-closed',
    key,
    {
      title: `${met ? '✅' : '⛔'} Help-desk sign-off for ${request.stageLabel} closed: ${met ? 'met' : 'not met'}`,
      text: `“${rollout.name}”: the deadline passed at ${deadline}. ${request.closeTally ?? tallyWords(tally)}. ${request.closeReason ?? tally.reason}${waiting} ${met ? 'The gate reads it as met.' : 'The gate reads it as not met; an admin can reopen it with `signoff extend --until "YYYY-MM-DD HH:mm"`.'}`,
    },
    at,
  );
};

/** The request the gate reads, with the stage it is for (null: none). */
const currentRequest = async (
  deps: Pick<Deps, 'signoffs'>,
  rollout: Rollout,
): Promise<{ stageId: string; state: SignoffState } | null> => {
  const stageId = nextStageId(rollout);
  const requestId = stageId ? rollout.signoffs?.[stageId] : undefined;
  if (!stageId || !requestId) return null;
  const state = await deps.signoffs.get(rollout.tenantId, rollout.id, requestId);
  return state ? { stageId, state } : null;
};

/**
 * Closes the request at its deadline (ETag-guarded, with its audit line, once: a request already
 * closed is left as it is), and has its card say so. Returns the request as it stands.
 */
export const closeAtDeadline = async (
  deps: Pick<Deps, 'signoffs' | 'tallies'>,
  rollout: Rollout,
  requestId: string,
  slot: Date,
): Promise<SignoffState | null> => {
  const closed = await retryOnConflict(`closing readiness request ${requestId}`, 8, async () => {
    const state = await deps.signoffs.get(rollout.tenantId, rollout.id, requestId);
    if (!state) return null;
    const decision = closeRequest(state.request.value, state.answers, slot, SCHEDULER);
    if (!decision.ok || decision.events.length === 0) return { state, changed: false };
    const [event] = decision.events;
    const saved = await deps.signoffs.update(
      decision.value,
      state.request.etag,
      event ? toAuditEntry(rollout.id, event) : null,
    );
    return { state: { request: saved, answers: state.answers }, changed: true };
  });
  if (closed?.changed) {
    deps.tallies.schedule({ tenantId: rollout.tenantId, rolloutId: rollout.id, requestId });
  }
  return closed?.state ?? null;
};

const dueFor = (
  deps: Pick<SignoffReminderDeps, 'escalateHours'>,
  rollout: Rollout,
  request: SignoffRequest,
  done: Readonly<Record<string, string>>,
  slot: Date,
): DueSignoffSteps =>
  dueSignoffSteps(
    request,
    {
      timeZone: rollout.timeZone,
      quiet: rolloutScheduleOf(rollout).quietHours,
      escalateHours: deps.escalateHours,
      paused: rollout.status === 'paused',
      done,
    },
    slot,
  );

/** Old keys of requests that are no longer the current one leave the state. */
const pruned = (state: RolloutScheduleState, currentId: string, slot: Date): RolloutScheduleState =>
  pruneDone(
    state,
    new Date(slot.getTime() - KEEP_OLD_KEYS_MS),
    (key) => !isSignoffKey(key) || keyRequestId(key) === currentId,
  );

/**
 * One rollout at `slot`: for the request the gate reads,
 * - at or after its deadline: closes it (paused or not) and tells the coordination conversation
 *   once (`signoff-closed`);
 * - before it (not for a paused rollout): starts the latest due reminder not done yet (the fan-out
 *   sends it to the members with no standing answer, with Ready / Not ready on it), then marks it
 *   done; sends the latest due escalation not done yet (`signoff-escalation`). Earlier due steps a
 *   late run finds are marked done without acting.
 * A reminder is started before it is marked done: a crash in between starts it again at the next
 * run, which `startReminder` (idempotent by reminder) makes one fan-out.
 */
export const remindAboutSignoff = async (
  deps: SignoffReminderDeps,
  rollout: Rollout,
  slot: Date,
): Promise<void> => {
  const current = await currentRequest(deps, rollout);
  if (!current) return;
  const { stageId } = current;
  let { state } = current;
  const requestId = state.request.value.id;
  if (state.request.value.status !== 'open' && state.request.value.status !== 'closed') return;
  const stored = await deps.schedules.state(rollout.tenantId, rollout.id);
  const done = stored?.value.done ?? {};
  const due = dueFor(deps, rollout, state.request.value, done, slot);

  if (due.close) state = (await closeAtDeadline(deps, rollout, requestId, slot)) ?? state;
  const request = state.request.value;
  if (request.status === 'closed') {
    const [step] = closeStep(request);
    const closedAt = Date.parse(request.closedAt ?? request.deadline ?? '');
    if (!step || done[step.key] || slot.getTime() - closedAt > CLOSE_NOTICE_LATE_MS) return;
    const closed = state;
    await updateScheduleState(deps, rollout.tenantId, rollout.id, (latest) =>
      latest.done[step.key]
        ? null
        : {
            state: markDone(pruned(latest, requestId, slot), step.key, slot),
            effects: { notices: [closedNotice(rollout, closed, step.key, slot)] },
          },
    );
    return;
  }
  if (request.status !== 'open') return;

  const reminder = due.reminder;
  // Everyone has answered: the reminder is marked done without being sent.
  if (reminder && tallyOf(request, state.answers).pending.length > 0) {
    await deps.startReminder(rollout, stageId, { kind: 'signoff-reminder', requestId, n: reminder.n }, slot);
  }
  if (!reminder && !due.escalation && due.skipped.length === 0) return;
  const open = state;
  await updateScheduleState(deps, rollout.tenantId, rollout.id, (latest) => {
    const fresh = dueFor(deps, rollout, request, latest.done, slot);
    const keys = [...fresh.skipped, ...(reminder && !latest.done[reminder.key] ? [reminder.key] : [])];
    const escalation = fresh.escalation;
    if (escalation) keys.push(escalation.key);
    if (keys.length === 0) return null;
    let next = pruned(latest, requestId, slot);
    for (const key of keys) next = markDone(next, key, slot);
    return {
      state: next,
      effects: escalation
        ? { notices: [escalationNotice(rollout, open, escalation.key, escalation.hoursBefore, slot)] }
        : {},
    };
  });
};

/** One run of the help-desk reminders job: every active and paused rollout, at `slot`. */
export const runSignoffReminders = (deps: SignoffReminderDeps, slot: Date): Promise<JobRun> =>
  eachScheduledRollout(deps, (stored) => remindAboutSignoff(deps, stored.value, slot));

/**
 * What the help-desk reminders job has coming for the rollout (`schedule`): the reminders,
 * escalations and closing of the request the gate reads that are not done yet, from the rules it
 * decides with. A paused rollout shows only closing (it gets no reminders nor escalations).
 */
export const upcomingSignoff = (
  rollout: Rollout,
  state: RolloutScheduleState,
  signoff: SignoffState | null,
  escalateHours: readonly number[],
  now: Date,
): Upcoming[] => {
  const request = signoff?.request.value;
  if (!signoff || !request || request.status !== 'open') return [];
  if (nextStageId(rollout) !== request.stageId || rollout.signoffs?.[request.stageId] !== request.id)
    return [];
  const label = request.stageLabel;
  const deadline = request.deadline ? Date.parse(request.deadline) : null;
  // Steps not done and before the deadline: those still to come, and the latest already due (the
  // next run sends it; the earlier due ones are passed over).
  const coming = <S extends SignoffStep>(steps: S[]): S[] => {
    const open = steps.filter((s) => !state.done[s.key] && (deadline === null || s.at.getTime() < deadline));
    const due = open.filter((s) => s.at.getTime() <= now.getTime());
    return [...due.slice(-1), ...open.filter((s) => s.at.getTime() > now.getTime())];
  };
  const items: Upcoming[] = [];
  const pending = tallyOf(request, signoff.answers).pending.length;
  if (rollout.status !== 'paused' && pending > 0) {
    for (const step of coming(
      reminderSteps(request, rollout.timeZone, rolloutScheduleOf(rollout).quietHours),
    )) {
      if (step.kind !== 'reminder') continue;
      items.push({
        at: step.at.toISOString(),
        what: `${step.last ? 'Last reminder' : 'Reminder'} in personal chat to the ${pending} help-desk member${pending === 1 ? '' : 's'} who have not answered (${label} sign-off)`,
      });
    }
  }
  if (rollout.status !== 'paused') {
    for (const step of coming(escalationSteps(request, escalateHours))) {
      if (step.kind !== 'escalation') continue;
      items.push({
        at: step.at.toISOString(),
        what: `Who has not answered the ${label} sign-off, ${step.hoursBefore} h before its deadline, to the coordination conversation`,
      });
    }
  }
  for (const step of closeStep(request)) {
    items.push({
      at: step.at.toISOString(),
      what: `The ${label} sign-off closes at its deadline (the coordination conversation is told)`,
    });
  }
  return items;
};

/** `upcomingSignoff` as a source of `schedule [rollout]` (reads the request the gate reads). */
export const signoffUpcomingSource =
  (escalateHours: readonly number[]): UpcomingSource =>
  async (deps, rollout, state, now) => {
    const current = await currentRequest(deps, rollout);
    return upcomingSignoff(rollout, state, current?.state ?? null, escalateHours, now);
  };
