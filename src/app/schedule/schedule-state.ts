import { createHash } from 'node:crypto';
import { ConcurrencyError } from '../errors';
import type {
  RolloutScheduleState,
  ScheduledNotice,
  ScheduledTopic,
  ScheduleEffects,
  ScheduleRepository,
  NoticeSink,
} from '../ports';
import { emptyScheduleState } from '../ports-schedule';

/** What a job decided for a rollout: the new state and what it causes; null: nothing to do. */
export interface ScheduleDecision {
  state: RolloutScheduleState;
  effects?: ScheduleEffects;
}

const MAX_ATTEMPTS = 5;

/**
 * Loads the rollout's schedule state, lets `decide` decide on it, and commits the decision with
 * its notices and snapshots (one transaction, ETag-guarded). When another instance or job wrote
 * the state meanwhile, it reloads and decides again: a decision is made once per rollout and key
 * however many runs race. The committed notices are handed to `sink` (sent after the commit; the
 * outbox keeps them until sent). Returns whether something was committed.
 */
export const updateScheduleState = async (
  deps: { schedules: ScheduleRepository; notices: NoticeSink },
  tenantId: string,
  rolloutId: string,
  decide: (state: RolloutScheduleState) => ScheduleDecision | null | Promise<ScheduleDecision | null>,
): Promise<boolean> => {
  const store = deps.schedules;
  for (let attempt = 1; ; attempt++) {
    const stored = await store.state(tenantId, rolloutId);
    const decision = await decide(stored?.value ?? emptyScheduleState(tenantId, rolloutId));
    if (!decision) return false;
    try {
      await store.commit(decision.state, stored?.etag ?? null, decision.effects);
      for (const notice of decision.effects?.notices ?? []) deps.notices.enqueue(notice);
      return true;
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
};

/** A state with `key` marked done at `at` (the keys a job checks before it acts). */
export const markDone = (state: RolloutScheduleState, key: string, at: Date): RolloutScheduleState => ({
  ...state,
  done: { ...state.done, [key]: at.toISOString() },
});

/** Keys older than `before` dropped, except those `keep` says to keep (bounded state). */
export const pruneDone = (
  state: RolloutScheduleState,
  before: Date,
  keep: (key: string) => boolean = () => false,
): RolloutScheduleState => ({
  ...state,
  done: Object.fromEntries(
    Object.entries(state.done).filter(([key, at]) => keep(key) || new Date(at).getTime() >= before.getTime()),
  ),
});

/**
 * A scheduled notice about a rollout; its id is derived from the rollout and `key` (what was
 * decided, e.g. `digest:2026-12-03`), so the same decision never makes two notices.
 */
export const scheduledNotice = (
  rollout: { tenantId: string; id: string },
  topic: ScheduledTopic,
  key: string,
  data: unknown,
  at: Date,
): ScheduledNotice => ({
  id: createHash('sha256').update(`${rollout.tenantId}|${rollout.id}|${key}`).digest('hex').slice(0, 32),
  tenantId: rollout.tenantId,
  kind: 'scheduled',
  rolloutId: rollout.id,
  topic,
  data: JSON.stringify(data),
  createdAt: at.toISOString(),
});
