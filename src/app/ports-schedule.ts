import type { FeedbackTally } from '../domain/feedback';
import type { Outbox, Stored } from './ports';

/**
 * The scheduler's state. Each job has one row holding the last slot claimed (compare-and-set on
 * its ETag: one instance runs a slot), and how its runs went (for `/healthz` and to tell people
 * once when it keeps failing). Each rollout has one row of what the scheduler already did for it
 * (idempotency by rollout and slot), written in one transaction with the notices it causes and
 * the day's stage snapshots.
 */

/** One job's row. */
export interface JobState {
  name: string;
  /** The latest slot claimed by any instance (ISO instant); null: never run. */
  lastSlot: string | null;
  /** When that slot was claimed (a claim older than the job's lease with no finish is a crashed run). */
  claimedAt: string | null;
  /** When the latest run finished, and whether it failed. */
  lastRunAt: string | null;
  lastError: string | null;
  /** Failed runs in a row (0 after a run that succeeded). */
  failures: number;
  /** When the current failing streak was told to the coordination conversations (once per streak). */
  reportedAt: string | null;
}

/** Job rows (one partition): `saveJob` throws `ConcurrencyError` on an ETag mismatch or an existing row. */
export interface JobStateStore {
  job(name: string): Promise<Stored<JobState> | null>;
  saveJob(state: JobState, ifMatch: string | null): Promise<Stored<JobState>>;
  jobs(): Promise<JobState[]>;
}

/** What the scheduler did for one rollout, so that every decision is made once per rollout and slot. */
export interface RolloutScheduleState {
  tenantId: string;
  rolloutId: string;
  /**
   * Things done once, by key, with when: `digest:<local date>`, `snapshot:<local date>`,
   * `overdue:<stage>`, `ready:<stage>`, `wave-tomorrow:<stage>`, `refresh:<local date>`,
   * `gotit:<announcement>`, `escalate24:<request>` … Jobs prune their own old keys.
   */
  done: Record<string, string>;
  /** Feedback nudges sent per stage id: how many, and when the latest went out. */
  nudges: Record<string, { count: number; lastAt: string }>;
}

export const emptyScheduleState = (tenantId: string, rolloutId: string): RolloutScheduleState => ({
  tenantId,
  rolloutId,
  done: {},
  nudges: {},
});

/** What a scheduled message to the coordination conversation is about. */
export type ScheduledTopic =
  | 'digest'
  | 'stage-ready'
  | 'stage-overdue'
  | 'wave-tomorrow'
  | 'signoff-escalation'
  | 'signoff-closed'
  | 'auto-advanced'
  | 'job-failing';

/**
 * A message the scheduler decided to send to a rollout's coordination conversation, committed
 * with the rollout's schedule state (an outbox row: a crash never loses nor repeats the decision).
 * Unlike other notices its card data is made when it is decided: a digest reads as of its time.
 */
export interface ScheduledNotice {
  id: string;
  tenantId: string;
  kind: 'scheduled';
  rolloutId: string;
  topic: ScheduledTopic;
  /** The card's data, as JSON (the view of the topic renders it). */
  data: string;
  createdAt: string;
}

/** One stage's feedback counts at the end of a day (the digest job writes one per stage per day). */
export interface StageSnapshot {
  tenantId: string;
  rolloutId: string;
  stageId: string;
  /** Local date (YYYY-MM-DD, the rollout's zone) the counts are of. */
  date: string;
  tally: FeedbackTally;
  /** When the snapshot was taken. */
  at: string;
}

/** What a rollout's schedule state commit carries along (same partition, same transaction). */
export interface ScheduleEffects {
  notices?: ScheduledNotice[];
  snapshots?: StageSnapshot[];
}

/**
 * Per-rollout schedule state, its outbox and stage snapshots, one partition per rollout; people
 * who asked not to be reminded, one partition per rollout. Writes throw `ConcurrencyError` on an
 * ETag mismatch or an existing row.
 */
export interface ScheduleRepository extends Outbox<ScheduledNotice> {
  state(tenantId: string, rolloutId: string): Promise<Stored<RolloutScheduleState> | null>;
  /** The state (ETag-guarded; null creates it) with its notices and snapshots, in one transaction. */
  commit(
    state: RolloutScheduleState,
    ifMatch: string | null,
    effects?: ScheduleEffects,
  ): Promise<Stored<RolloutScheduleState>>;
  /** The rollout's snapshots, oldest first (one partition query), of one stage or all. */
  snapshots(tenantId: string, rolloutId: string, stageId?: string): Promise<StageSnapshot[]>;
  /** "Stop reminding me" (`stop: true`) or `reminders on` (`stop: false`) for one person and rollout. */
  setOptOut(tenantId: string, rolloutId: string, personId: string, stop: boolean): Promise<void>;
  /** The ids of the people of the rollout who asked not to be reminded (one partition query). */
  optedOut(tenantId: string, rolloutId: string): Promise<Set<string>>;
}
