import type { Rollout } from '../../domain/rollout';
import type { Deps, RolloutScheduleState } from '../ports';
import { emptyScheduleState } from '../ports-schedule';
import { soonest, type Upcoming } from './upcoming';

/** What one job has coming for a rollout, from the rules it decides with. */
export type UpcomingSource = (
  deps: Deps,
  rollout: Rollout,
  state: RolloutScheduleState,
  now: Date,
) => Promise<Upcoming[]>;

export interface WhatIsNext {
  rollout: Rollout;
  items: Upcoming[];
}

/**
 * What the bot will send next for the rollout and when (`schedule [rollout]`), soonest first. A
 * source that cannot read its data leaves its items out rather than failing the answer.
 */
export const whatIsNext = async (
  deps: Deps,
  sources: readonly UpcomingSource[],
  tenantId: string,
  rolloutId: string,
): Promise<WhatIsNext | null> => {
  const rollout = (await deps.rollouts.get(tenantId, rolloutId))?.value;
  if (!rollout) return null;
  const now = deps.clock.now();
  const state =
    (await deps.schedules.state(tenantId, rolloutId))?.value ?? emptyScheduleState(tenantId, rolloutId);
  const lists = await Promise.all(
    sources.map((source) =>
      source(deps, rollout, state, now).catch((err: unknown) => {
        deps.log.warn({ err, rolloutId }, 'could not tell what a job has coming');
        return [];
      }),
    ),
  );
  return { rollout, items: soonest(lists.flat(), now) };
};
