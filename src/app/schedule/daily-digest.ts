import type { AnnouncementCounts, AnnouncementState } from '../../domain/announcement';
import { gatingStages } from '../../domain/criteria';
import type { CriterionResult } from '../../domain/decision';
import { emptyTally, sumTallies } from '../../domain/feedback';
import {
  feedbackPlanOf,
  findStage,
  stageTally,
  type FeedbackMeasurements,
} from '../../domain/feedback-goals';
import { stageLabel } from '../../domain/feedback-access';
import { addDays, localParts, wallClock } from '../../domain/quiet-hours';
import { positionLabel, type Rollout } from '../../domain/rollout';
import { DEFAULT_DIGEST_TIME, rolloutScheduleOf } from '../../domain/schedule-plan';
import { tallyOf } from '../../domain/signoff';
import { announcementStatus } from '../announce/announce-report';
import type { Deps, RolloutScheduleState, StageSnapshot } from '../ports';
import { emptyScheduleState } from '../ports-schedule';
import { getStatus } from '../queries';
import { currentReadiness } from '../signoff-view';
import { eachScheduledRollout, type JobRun } from './each-rollout';
import { markDone, pruneDone, scheduledNotice, updateScheduleState } from './schedule-state';
import { currentStage, enteredStageIds, nextStage } from './stage-times';
import type { Upcoming } from './upcoming';

/**
 * The daily digest: once per local date, at the plan's digest time (default 09:00, the rollout's
 * zone), a card to the coordination conversation with feedback since the previous digest, open
 * blockers, the readiness tally, the latest announcement's reach, what is due next and whether the
 * gate would pass today (the evaluation `status` makes, from the same reads).
 *
 * The daily snapshot of each stage's feedback counts is taken in the same run and the same commit,
 * at the digest time: one row per stage that takes feedback and has been entered, per local date.
 * "Since yesterday" is today's counts minus the previous snapshot's (there is none on the first
 * day: the trend starts the next day). Without a digest (`digestTime` null) the snapshot is still
 * taken, at 09:00 local. A run that comes late (the process was down) sends the digest of the
 * latest date only, and only while it is at most DIGEST_LATE_MS late; the snapshot of that date is
 * taken however late (its time is on the row).
 */

const HOUR = 3_600_000;
/** A digest later than this after its time is not sent (the next day's is). */
export const DIGEST_LATE_MS = 12 * HOUR;
/** `digest:` and `snapshot:` keys older than this leave the state. */
const KEEP_KEYS_MS = 14 * 24 * HOUR;
/** Criteria and reasons a digest carries at most (its notice row stays well under Table Storage's 64 KiB). */
const MAX_CRITERIA = 30;
const MAX_REASON_CHARS = 400;

export type DigestDeps = Pick<
  Deps,
  'rollouts' | 'feedback' | 'signoffs' | 'audiences' | 'schedules' | 'notices' | 'log' | 'announce'
>;

/** One stage's feedback in a digest. */
export interface DigestFeedback {
  stageId: string;
  label: string;
  responses: number;
  /** Responses since the previous snapshot; null: no snapshot yet (the trend starts tomorrow). */
  since: number | null;
  /** When the previous snapshot was taken (ISO), the "since" of `since`. */
  sinceAt: string | null;
}

/** The latest announcement as the digest shows it (what `status`'s announcement line reads). */
export type DigestAnnouncement =
  | {
      kind: 'counts';
      stageLabel: string;
      state: AnnouncementState;
      scheduledAt: string | null;
      timeZone: string;
      counts: AnnouncementCounts;
      pausedSince: string | null;
    }
  | { kind: 'unavailable' };

/** What the digest of one rollout and date says, as decided (the notice's card data; the view formats it). */
export interface DigestFacts {
  rolloutId: string;
  name: string;
  timeZone: string;
  /** The local date it is the digest of. */
  date: string;
  /** When it was decided (the slot, ISO). */
  at: string;
  paused: boolean;
  position: string;
  feedback: DigestFeedback[];
  openBlockers: number;
  openMajors: number;
  /** The open readiness request's tally; null: none open. */
  signoff: {
    stageLabel: string;
    ready: number;
    notReady: number;
    pending: number;
    met: boolean;
    reason: string;
    deadline: string | null;
  } | null;
  announcement: DigestAnnouncement | null;
  /** The current stage's end and the next stage's start, where the plan sets them (ISO). */
  due: { what: 'stage-end' | 'stage-start'; label: string; at: string }[];
  /** The current stage's end has passed with criteria unmet (never for a paused rollout). */
  overdue: { label: string; since: string; missing: string[] } | null;
  /** The gate as `status` evaluates it. */
  criteria: CriterionResult[];
  gatePasses: boolean;
  /** Whether there is a next stage to advance to. */
  canAdvance: boolean;
}

/** The digest (and snapshot) due as of `slot`: the latest local date whose digest time has come. */
export const dueDigest = (
  rollout: Pick<Rollout, 'timeZone' | 'schedule'>,
  slot: Date,
): { date: string; at: Date; digest: boolean } => {
  const { digestTime } = rolloutScheduleOf(rollout);
  const time = digestTime ?? DEFAULT_DIGEST_TIME;
  const today = localParts(slot, rollout.timeZone).date;
  const todayAt = wallClock(today, time, rollout.timeZone);
  const date = todayAt.getTime() <= slot.getTime() ? today : addDays(today, -1);
  const at = date === today ? todayAt : wallClock(date, time, rollout.timeZone);
  return { date, at, digest: digestTime !== null && slot.getTime() - at.getTime() <= DIGEST_LATE_MS };
};

export const digestKey = (date: string): string => `digest:${date}`;
export const snapshotKey = (date: string): string => `snapshot:${date}`;

/** The stages snapshotted: every stage entered that takes feedback. */
export const snapshotStages = (rollout: Rollout): string[] =>
  enteredStageIds(rollout).filter((id) => {
    const found = findStage(rollout, id);
    return found !== null && feedbackPlanOf(found.stage, id) !== null;
  });

/** The latest snapshot before `date`, as measurements by stage id, and when it was taken; null: none. */
export const previousSnapshot = (
  snapshots: readonly StageSnapshot[],
  date: string,
): { measured: FeedbackMeasurements; at: string } | null => {
  const before = snapshots.filter((s) => s.date < date);
  const latest = before.reduce<string | null>(
    (max, s) => (max === null || s.date > max ? s.date : max),
    null,
  );
  if (latest === null) return null;
  const rows = before.filter((s) => s.date === latest);
  const at = rows.reduce((max, s) => (s.at > max ? s.at : max), '');
  return { measured: new Map(rows.map((s) => [s.stageId, s.tally])), at };
};

const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

const announcementOf = async (deps: DigestDeps, rollout: Rollout): Promise<DigestAnnouncement | null> => {
  const status = await announcementStatus(deps, rollout);
  if (!status || status.kind === 'unavailable') return status;
  const { announcement: a } = status;
  return {
    kind: 'counts',
    stageLabel: a.text.stageLabel,
    state: a.state,
    scheduledAt: a.scheduledAt ?? null,
    timeZone: a.text.timeZone,
    counts: status.counts,
    pausedSince: status.pausedSince,
  };
};

/**
 * Everything the digest of `date` says, read now: the gate through `getStatus` (what `status`
 * shows), the announcement through `announcementStatus`, the trend against the previous snapshot.
 */
export const digestFacts = async (
  deps: DigestDeps,
  rollout: Rollout,
  input: { date: string; slot: Date; measured: FeedbackMeasurements; snapshots: readonly StageSnapshot[] },
): Promise<DigestFacts> => {
  const { tenantId, id } = rollout;
  const [view, announcement, readiness] = await Promise.all([
    getStatus(deps, tenantId, id),
    announcementOf(deps, rollout),
    currentReadiness(deps, tenantId, rollout),
  ]);
  const current = view?.rollout ?? rollout;
  const criteria = view?.criteria ?? [];
  const previous = previousSnapshot(input.snapshots, input.date);
  const feedback = gatingStages(current)
    .filter((ref) => feedbackPlanOf(ref.stage, ref.id) !== null)
    .map((ref): DigestFeedback => {
      const found = findStage(current, ref.id);
      const responses = stageTally(current, input.measured, ref.id).responses;
      return {
        stageId: ref.id,
        label: found ? stageLabel(current, found) : ref.stage.title,
        responses,
        since: previous ? responses - stageTally(current, previous.measured, ref.id).responses : null,
        sinceAt: previous?.at ?? null,
      };
    });
  const all = sumTallies(input.measured.values());
  const request = readiness?.request.value;
  const tally = request && request.status === 'open' ? tallyOf(request, readiness.answers) : null;
  const stage = currentStage(current);
  const next = nextStage(current);
  const due: DigestFacts['due'] = [
    ...(stage?.end ? [{ what: 'stage-end' as const, label: stage.label, at: stage.end.toISOString() }] : []),
    ...(next?.start
      ? [{ what: 'stage-start' as const, label: next.label, at: next.start.toISOString() }]
      : []),
  ];
  const paused = current.status === 'paused';
  const gatePasses = criteria.every((c) => c.met);
  const ended = stage?.end && stage.end.getTime() <= input.slot.getTime();
  return {
    rolloutId: id,
    name: current.name,
    timeZone: current.timeZone,
    date: input.date,
    at: input.slot.toISOString(),
    paused,
    position: positionLabel(current, current.position),
    feedback,
    openBlockers: all.openBlockers,
    openMajors: all.openMajors,
    signoff:
      request && tally
        ? {
            stageLabel: request.stageLabel,
            ready: tally.ready.length,
            notReady: tally.notReady.length,
            pending: tally.pending.length,
            met: tally.met,
            reason: tally.reason,
            deadline: request.deadline,
          }
        : null,
    announcement,
    due,
    overdue:
      !paused && ended && stage && !gatePasses && next
        ? {
            label: stage.label,
            since: stage.end?.toISOString() ?? '',
            missing: criteria.filter((c) => !c.met).map((c) => c.label),
          }
        : null,
    criteria: criteria
      .slice(0, MAX_CRITERIA)
      .map((c) => ({ ...c, reason: clip(c.reason, MAX_REASON_CHARS) })),
    gatePasses,
    canAdvance: next !== null,
  };
};

/** The snapshot rows of `date`: each stage snapshotted, with its counts as the store sums them. */
export const snapshotRows = (
  rollout: Rollout,
  date: string,
  measured: FeedbackMeasurements,
  at: Date,
): StageSnapshot[] =>
  snapshotStages(rollout).map((stageId) => ({
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    stageId,
    date,
    tally: measured.get(stageId) ?? emptyTally(),
    at: at.toISOString(),
  }));

const isOwnKey = (key: string): boolean => key.startsWith('digest:') || key.startsWith('snapshot:');

/**
 * One rollout's digest and snapshot as of `slot`, each once per local date (a state read when
 * both are done). Returns whether anything was committed.
 */
export const digestRollout = async (deps: DigestDeps, rollout: Rollout, slot: Date): Promise<boolean> => {
  const due = dueDigest(rollout, slot);
  const wants = (state: RolloutScheduleState) => ({
    digest: due.digest && !state.done[digestKey(due.date)],
    snapshot: !state.done[snapshotKey(due.date)],
  });
  const stored = await deps.schedules.state(rollout.tenantId, rollout.id);
  const first = wants(stored?.value ?? emptyScheduleState(rollout.tenantId, rollout.id));
  if (!first.digest && !first.snapshot) return false;
  const [measured, snapshots] = await Promise.all([
    deps.feedback.tallies(rollout.tenantId, rollout.id),
    first.digest ? deps.schedules.snapshots(rollout.tenantId, rollout.id) : Promise.resolve([]),
  ]);
  const facts = first.digest
    ? await digestFacts(deps, rollout, { date: due.date, slot, measured, snapshots })
    : null;
  return updateScheduleState(deps, rollout.tenantId, rollout.id, (state) => {
    const now = wants(state);
    const digest = now.digest && facts !== null;
    if (!digest && !now.snapshot) return null;
    let next = pruneDone(state, new Date(slot.getTime() - KEEP_KEYS_MS), (key) => !isOwnKey(key));
    if (digest) next = markDone(next, digestKey(due.date), slot);
    if (now.snapshot) next = markDone(next, snapshotKey(due.date), slot);
    return {
      state: next,
      effects: {
        notices: digest ? [scheduledNotice(rollout, 'digest', digestKey(due.date), facts, slot)] : [],
        snapshots: now.snapshot ? snapshotRows(rollout, due.date, measured, slot) : [],
      },
    };
  });
};

/** The digest job's run: every active and paused rollout's digest and snapshot due as of `slot`. */
export const runDailyDigest = (deps: DigestDeps, slot: Date): Promise<JobRun> =>
  eachScheduledRollout(deps, async (stored) => void (await digestRollout(deps, stored.value, slot)));

/**
 * The next digest of the rollout as of `now`, for `schedule`: today's when not sent yet and not
 * too late, else tomorrow's; none when the plan has no digest.
 */
export const upcomingDigest = (rollout: Rollout, state: RolloutScheduleState, now: Date): Upcoming[] => {
  const { digestTime } = rolloutScheduleOf(rollout);
  if (digestTime === null) return [];
  const tz = rollout.timeZone;
  const today = localParts(now, tz).date;
  const what = rollout.status === 'paused' ? 'Daily digest (it says the rollout is paused)' : 'Daily digest';
  for (const date of [addDays(today, -1), today, addDays(today, 1), addDays(today, 2)]) {
    const at = wallClock(date, digestTime, tz);
    if (state.done[digestKey(date)] || now.getTime() - at.getTime() > DIGEST_LATE_MS) continue;
    const when = at.getTime() < now.getTime() ? now : at;
    return [{ at: when.toISOString(), what: `${what} to the coordination conversation` }];
  }
  return [];
};
