import type { Deps } from '../ports';
import type { RolloutFailure } from './each-rollout';
import { markDone, scheduledNotice, updateScheduleState } from './schedule-state';

/** Rollouts told at most when a job keeps failing (the rest are in the log and on `/healthz`). */
export const MAX_FAILING_TOLD = 20;

/**
 * Tells the coordination conversation of each rollout a job keeps failing for, once per failing
 * streak (the scheduler calls this once per streak): a scheduled notice committed with the
 * rollout's schedule state. A run that failed as a whole (the store unreachable) names no
 * rollout: it shows on `/healthz` and in the log only, since nothing could be written anyway.
 */
export const reportFailing = async (
  deps: Pick<Deps, 'rollouts' | 'schedules' | 'notices' | 'log'>,
  job: { name: string; description: string },
  failed: readonly RolloutFailure[],
  at: Date,
): Promise<void> => {
  if (failed.length === 0) {
    deps.log.error({ job: job.name }, 'a scheduled job keeps failing; see /healthz');
    return;
  }
  for (const failure of failed.slice(0, MAX_FAILING_TOLD)) {
    const rollout = (await deps.rollouts.get(failure.tenantId, failure.rolloutId))?.value;
    if (!rollout) continue;
    const key = `failing:${job.name}:${at.toISOString()}`;
    await updateScheduleState(deps, rollout.tenantId, rollout.id, (state) =>
      state.done[key]
        ? null
        : {
            state: markDone(state, key, at),
            effects: {
              notices: [
                scheduledNotice(
                  rollout,
                  'job-failing',
                  key,
                  {
                    title: `⚠️ Scheduled work keeps failing for “${rollout.name}”`,
                    text: `The ${job.name} job (${job.description}) has failed several times in a row: ${failure.error}. Nothing is lost: it tries again at its next run. An operator can see its status on /healthz.`,
                  },
                  at,
                ),
              ],
            },
          },
    ).catch((err: unknown) =>
      deps.log.warn({ err, rolloutId: rollout.id }, 'could not tell a rollout a job is failing'),
    );
  }
};
