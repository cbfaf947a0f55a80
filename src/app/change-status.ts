import { close, pause, resume } from '../domain/transitions';
import { mutateRollout, type MutationRequest, type Outcome } from './mutate';
import type { RolloutDeps } from './ports';

/** Pauses a rollout: advancing and ticking are refused until it resumes; reading still works. */
export const pauseRollout = (
  deps: RolloutDeps,
  input: MutationRequest & { reason: string | null },
): Promise<Outcome> =>
  mutateRollout(deps, input, (current, _seen, now) => ({
    kind: 'decide',
    decision: pause(current, { by: input.by, ...(input.reason ? { reason: input.reason } : {}) }, now),
    describe: (next) => `“${next.name}” is paused. Use \`resume\` to continue.`,
  }));

export const resumeRollout = (deps: RolloutDeps, input: MutationRequest): Promise<Outcome> =>
  mutateRollout(deps, input, (current, _seen, now) => ({
    kind: 'decide',
    decision: resume(current, { by: input.by }, now),
    describe: (next) => `“${next.name}” is active again.`,
  }));

/** Completes a rollout from operations and maintenance. */
export const closeRollout = (deps: RolloutDeps, input: MutationRequest): Promise<Outcome> =>
  mutateRollout(deps, input, (current, _seen, now) => ({
    kind: 'decide',
    decision: close(current, { by: input.by }, now),
    describe: (next) => `“${next.name}” is completed. Thank you all!`,
  }));
