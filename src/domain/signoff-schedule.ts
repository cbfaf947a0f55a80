import { earlierAllowed, isQuiet, nextAllowed } from './quiet-hours';
import type { QuietHours } from './schedule-plan';
import type { SignoffRequest } from './signoff';

/**
 * When the scheduler acts on an open readiness request: reminders to the members who have not
 * answered (in personal chat), escalations to the coordination conversation before the deadline,
 * and closing at the deadline. Pure: every time is derived from the request, the rollout's zone
 * and quiet hours, so decisions are tested with plain dates.
 */

const HOUR = 3_600_000;

/** The first reminder goes this long after the request was made (at the next allowed time). */
export const FIRST_REMINDER_AFTER_MS = 24 * HOUR;
/** The last reminder goes this long before the deadline (earlier when that falls in quiet hours). */
export const LAST_REMINDER_BEFORE_MS = 4 * HOUR;
/** Nobody is reminded sooner than this after being asked (or after the deadline was moved). */
export const MIN_REMINDER_AGE_MS = 2 * HOUR;
/** Two reminders of one request are at least this far apart (else only the last one goes). */
export const MIN_REMINDER_GAP_MS = 12 * HOUR;
/** Hours before the deadline at which the coordination conversation is told who has not answered. */
export const DEFAULT_ESCALATE_HOURS: readonly number[] = [24, 2];

/** One thing the scheduler does for a request, once (its `key` is marked done in the schedule state). */
export type SignoffStep =
  | { kind: 'reminder'; key: string; at: Date; n: number; last: boolean }
  | { kind: 'escalation'; key: string; at: Date; hoursBefore: number }
  | { kind: 'close'; key: string; at: Date };

/** The deadline round: 0 until an admin first moves the deadline, then one more per move. */
const roundOf = (request: SignoffRequest): number => request.extensions ?? 0;

/** When the members were last asked: the request, or the latest move of its deadline. */
const askedAt = (request: SignoffRequest): number => Date.parse(request.extendedAt ?? request.createdAt);

/** The done key of a reminder (its number is unique within the request). */
export const reminderKey = (requestId: string, n: number): string => `remind:${requestId}:${n}`;

/**
 * The reminders of a request, earliest first:
 * - the first (n = 1) `FIRST_REMINDER_AFTER_MS` after the request, at `nextAllowed` when that is
 *   quiet; left out when it would come after, or less than `MIN_REMINDER_GAP_MS` before, the last
 *   one, or at or after the deadline (a deadline moved before it went keeps it; once sent, its
 *   done key keeps it from going again);
 * - the last (n = 2 + the number of extensions, so a moved deadline gets its own)
 *   `LAST_REMINDER_BEFORE_MS` before the deadline, moved **earlier** (`earlierAllowed`) when that is
 *   quiet (a Monday 08:00 deadline is reminded on Friday before the quiet evening); left out when
 *   it would come less than `MIN_REMINDER_AGE_MS` after the members were asked.
 */
export const reminderSteps = (
  request: SignoffRequest,
  timeZone: string,
  quiet: QuietHours | null,
): SignoffStep[] => {
  const deadline = request.deadline ? Date.parse(request.deadline) : null;
  const asked = askedAt(request);
  const steps: SignoffStep[] = [];
  let last: number | null = null;
  if (deadline !== null) {
    const n = 2 + roundOf(request);
    const at = earlierAllowed(new Date(deadline - LAST_REMINDER_BEFORE_MS), timeZone, quiet).getTime();
    if (at >= asked + MIN_REMINDER_AGE_MS && at < deadline) {
      last = at;
      steps.push({ kind: 'reminder', key: reminderKey(request.id, n), at: new Date(at), n, last: true });
    }
  }
  {
    const at = nextAllowed(
      new Date(Date.parse(request.createdAt) + FIRST_REMINDER_AFTER_MS),
      timeZone,
      quiet,
    ).getTime();
    const beforeLast = last === null || at <= last - MIN_REMINDER_GAP_MS;
    if (beforeLast && (deadline === null || at < deadline)) {
      steps.unshift({
        kind: 'reminder',
        key: reminderKey(request.id, 1),
        at: new Date(at),
        n: 1,
        last: false,
      });
    }
  }
  return steps;
};

/**
 * The escalations of a request, earliest first: `hoursBefore` each hour count before the
 * deadline (exactly then: they go to the coordination conversation, not to a person, so quiet
 * hours do not move them), leaving out those at or before the moment the members were asked.
 * Keyed by the deadline round: a moved deadline escalates again.
 */
export const escalationSteps = (request: SignoffRequest, escalateHours: readonly number[]): SignoffStep[] => {
  if (!request.deadline) return [];
  const deadline = Date.parse(request.deadline);
  const asked = askedAt(request);
  return [...new Set(escalateHours)]
    .filter((h) => Number.isFinite(h) && h > 0)
    .map((hoursBefore) => ({ hoursBefore, at: deadline - hoursBefore * HOUR }))
    .filter(({ at }) => at > asked)
    .sort((a, b) => a.at - b.at)
    .map(({ hoursBefore, at }) => ({
      kind: 'escalation' as const,
      key: `escalate:${request.id}:${roundOf(request)}:${hoursBefore}`,
      at: new Date(at),
      hoursBefore,
    }));
};

/** Closing at the deadline (none without one); keyed by the deadline round, for its notice. */
export const closeStep = (request: SignoffRequest): SignoffStep[] =>
  request.deadline
    ? [{ kind: 'close', key: `closed:${request.id}:${roundOf(request)}`, at: new Date(request.deadline) }]
    : [];

/** What is due for an open request at `now`, and not done yet. */
export interface DueSignoffSteps {
  /** The reminder to start now (null: none); only the latest due one goes, the earlier are skipped. */
  reminder: Extract<SignoffStep, { kind: 'reminder' }> | null;
  /** The escalation to send now (null: none); only the latest due one goes, the earlier are skipped. */
  escalation: Extract<SignoffStep, { kind: 'escalation' }> | null;
  /** Keys of earlier steps passed over (marked done without acting: one message, not a burst). */
  skipped: string[];
  /** The deadline is reached: the request closes. */
  close: boolean;
}

/**
 * What an open request needs at `now` (the slot), given the keys already done:
 * - before the deadline, the latest due reminder not done (personal: only when `now` is not quiet,
 *   and never for a paused rollout) and the latest due escalation not done (never for a paused
 *   rollout); a run that finds several due (a catch-up, a request made late) sends only the latest
 *   and skips the others, so people get one message, not a burst;
 * - at or after the deadline, closing (paused or not: a deadline is a deadline); reminders and
 *   escalations then no longer go.
 */
export const dueSignoffSteps = (
  request: SignoffRequest,
  options: {
    timeZone: string;
    quiet: QuietHours | null;
    escalateHours: readonly number[];
    paused: boolean;
    done: Readonly<Record<string, string>>;
  },
  now: Date,
): DueSignoffSteps => {
  const none: DueSignoffSteps = { reminder: null, escalation: null, skipped: [], close: false };
  if (request.status !== 'open') return none;
  if (request.deadline && now.getTime() >= Date.parse(request.deadline)) return { ...none, close: true };
  if (options.paused) return none;
  const due = <S extends SignoffStep>(steps: S[]): S[] =>
    steps.filter((s) => s.at.getTime() <= now.getTime() && !options.done[s.key]);
  const skipped: string[] = [];
  const latest = <S extends SignoffStep>(steps: S[]): S | null => {
    const last = steps[steps.length - 1] ?? null;
    skipped.push(...steps.slice(0, -1).map((s) => s.key));
    return last;
  };
  const reminders = isQuiet(now, options.timeZone, options.quiet)
    ? []
    : due(
        reminderSteps(request, options.timeZone, options.quiet) as Extract<
          SignoffStep,
          { kind: 'reminder' }
        >[],
      );
  const escalations = due(
    escalationSteps(request, options.escalateHours) as Extract<SignoffStep, { kind: 'escalation' }>[],
  );
  return { reminder: latest(reminders), escalation: latest(escalations), skipped, close: false };
};
