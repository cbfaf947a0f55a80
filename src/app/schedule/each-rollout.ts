import type { Rollout } from '../../domain/rollout';
import type { Log, RolloutRepository, Stored } from '../ports';

/** Rollouts one run of a job looks at, at most (a bound on the cross-tenant scan). */
export const MAX_SCHEDULED_ROLLOUTS = 5000;

/** A rollout whose work failed in a run (the run goes on with the others). */
export interface RolloutFailure {
  tenantId: string;
  rolloutId: string;
  error: string;
}

/** What one run of a job did. */
export interface JobRun {
  /** Rollouts looked at. */
  rollouts: number;
  failed: RolloutFailure[];
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).slice(0, 300);

/**
 * Runs `work` for every active and paused rollout of every tenant, one after another: a rollout
 * whose work throws is recorded and the round goes on (one broken rollout never holds up the
 * others). A rollout deleted since the scan is skipped.
 */
export const eachScheduledRollout = async (
  deps: { rollouts: RolloutRepository; log: Log },
  work: (rollout: Stored<Rollout>) => Promise<void>,
): Promise<JobRun> => {
  const keys = await deps.rollouts.scheduledRollouts(MAX_SCHEDULED_ROLLOUTS);
  const failed: RolloutFailure[] = [];
  for (const key of keys) {
    try {
      const stored = await deps.rollouts.get(key.tenantId, key.rolloutId);
      if (stored && stored.value.status !== 'completed') await work(stored);
    } catch (err) {
      failed.push({ tenantId: key.tenantId, rolloutId: key.rolloutId, error: message(err) });
      deps.log.warn(
        { err, tenantId: key.tenantId, rolloutId: key.rolloutId },
        'scheduled work failed for a rollout',
      );
    }
  }
  return { rollouts: keys.length, failed };
};
