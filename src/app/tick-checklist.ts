import { tickChecklist as tick } from '../domain/transitions';
import { mutateRollout, type MutationRequest, type Outcome } from './mutate';
import type { Deps } from './ports';

export interface TickChecklistInput extends MutationRequest {
  phase: string;
  waveId: string | null;
  itemId: string;
  done: boolean;
}

/** Ticks or unticks a checklist item of the current phase or wave; recording who and when. */
export const tickChecklist = (deps: Deps, input: TickChecklistInput): Promise<Outcome> =>
  mutateRollout(deps, input, (current, _seen, now) => ({
    kind: 'decide',
    decision: tick(
      current,
      { by: input.by, phase: input.phase, waveId: input.waveId, itemId: input.itemId, done: input.done },
      now,
    ),
    describe: () => (input.done ? 'Ticked.' : 'Unticked.'),
    unchanged: input.done ? 'Already ticked.' : 'Already unticked.',
  }));
