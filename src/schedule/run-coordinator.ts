import type { RunCoordinator } from 'node-cron';
import { ConcurrencyError } from '../app/errors';
import type { Clock, JobState, JobStateStore } from '../app/ports';

/** A job's row before its first run. */
export const newJobState = (name: string): JobState => ({
  name,
  lastSlot: null,
  claimedAt: null,
  lastRunAt: null,
  lastError: null,
  failures: 0,
  reportedAt: null,
});

/** node-cron's key of a slot: `<job name>:<slot instant in UTC>`. */
export const slotKey = (name: string, slot: Date): string => `${name}:${slot.toISOString()}`;

const parseKey = (key: string): { name: string; slot: string } => {
  const colon = key.indexOf(':');
  if (colon <= 0) throw new Error(`not a slot key: ${key}`);
  return { name: key.slice(0, colon), slot: new Date(key.slice(colon + 1)).toISOString() };
};

/**
 * node-cron's `RunCoordinator` over one ETag-guarded row per job holding the last slot claimed:
 * the first instance to move `lastSlot` forward to a slot runs it (compare-and-set), every other
 * instance is told no. No lease rows pile up, and a slot older than the last one claimed is never
 * run (a late instance cannot run yesterday's slot after today's). A storage error throws, which
 * node-cron reads as "skip this slot" (fail-closed); the next slot catches up, since every job
 * does what is due as of its slot and not yet done.
 *
 * node-cron's lease time (`ttlMs`) is not used: a slot is claimed for good. A run that crashed
 * leaves its slot claimed; the job's next slot does what it left undone.
 */
export class TableRunCoordinator implements RunCoordinator {
  constructor(
    private readonly store: JobStateStore,
    private readonly clock: Clock,
  ) {}

  async shouldRun(key: string): Promise<boolean> {
    const { name, slot } = parseKey(key);
    for (let attempt = 0; attempt < 3; attempt++) {
      const stored = await this.store.job(name);
      const state = stored?.value ?? newJobState(name);
      if (state.lastSlot !== null && state.lastSlot >= slot) return false;
      try {
        await this.store.saveJob(
          { ...state, lastSlot: slot, claimedAt: this.clock.now().toISOString() },
          stored?.etag ?? null,
        );
        return true;
      } catch (err) {
        // Another instance wrote the row meanwhile: read it again (it may have claimed this slot,
        // or only recorded how its own run went).
        if (!(err instanceof ConcurrencyError)) throw err;
      }
    }
    return false;
  }
}
