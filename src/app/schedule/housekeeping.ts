import type { Log } from '../ports';
import type { JobRun } from './each-rollout';

/** One bounded clean-up step: deletes at most its bound per run, returns how many rows it deleted. */
export interface PurgeStep {
  name: string;
  run(now: Date): Promise<number>;
}

export interface HousekeepingDeps {
  /** Queues what the outboxes hold (notices, Intune assignments, announcements) for sending again. */
  recoverOutboxes(): Promise<unknown>;
  purges: readonly PurgeStep[];
  log: Log;
}

/**
 * The housekeeping run: the outbox sweep (what failed for longer than its dispatcher's retries is
 * picked up again, so nothing committed is left behind for good), then each retention purge, a
 * bounded step each. A failing step does not stop the others; the run fails when any did.
 */
export const runHousekeeping = async (deps: HousekeepingDeps, slot: Date): Promise<JobRun> => {
  const failures: string[] = [];
  try {
    await deps.recoverOutboxes();
  } catch (err) {
    failures.push(`outbox sweep: ${err instanceof Error ? err.message : String(err)}`);
  }
  for (const step of deps.purges) {
    try {
      const deleted = await step.run(slot);
      if (deleted > 0) deps.log.info({ step: step.name, deleted }, 'housekeeping purged rows');
    } catch (err) {
      failures.push(`${step.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (failures.length > 0) throw new Error(`housekeeping: ${failures.join('; ')}`);
  return { rollouts: 0, failed: [] };
};
