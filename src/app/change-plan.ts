import { markCriterion as mark } from '../domain/manual-criteria';
import { applyPlan, planOf, type PlanSpec } from '../domain/plan';
import { refuse } from '../domain/decision';
import { normaliseName, type Rollout } from '../domain/rollout';
import { mutateRollout, type MutationRequest, type Outcome } from './mutate';
import type { RolloutDeps } from './ports';
import { nameTaken } from './queries';

export interface ChangePlanInput extends MutationRequest {
  /** The revision the editor saw (forms, the import card); null applies as is (command line). */
  revision: number | null;
  /** What is being changed, for the audit: `plan`, `settings`, `phase pilot`, `wave pilot/it-users`. */
  section: string;
  /** Builds the new plan from the current one (a section edit) or ignores it (an import). */
  edit: (current: PlanSpec, rollout: Rollout) => PlanSpec;
}

/**
 * Changes a rollout's plan: an edit form, an import or the command line. Progress is kept by id;
 * passed phases and reached waves are protected; a stale revision is refused (the caller shows the
 * fresh section). The change and its audit entry (with before and after) commit together.
 */
export const changePlan = async (deps: RolloutDeps, input: ChangePlanInput): Promise<Outcome> => {
  // Names identify rollouts in commands: a rename may not take another open rollout's name.
  const stored = await deps.rollouts.get(input.tenantId, input.rolloutId);
  const wanted = stored ? input.edit(planOf(stored.value), stored.value).name : null;
  const taken =
    stored && wanted && normaliseName(wanted).toLowerCase() !== stored.value.name.toLowerCase()
      ? await nameTaken(deps, input.tenantId, normaliseName(wanted), input.rolloutId)
      : null;
  return mutateRollout(deps, input, (current, _seen, now) => ({
    kind: 'decide',
    decision: taken
      ? refuse('invalid-name', taken)
      : applyPlan(
          current,
          input.edit(planOf(current), current),
          { by: input.by, revision: input.revision, section: input.section },
          now,
        ),
    describe: (next) => `Saved the plan of “${next.name}” (${input.section}); revision ${next.planRevision}.`,
    unchanged: 'Nothing changed in the plan.',
  }));
};

export interface MarkCriterionInput extends MutationRequest {
  stageId: string;
  criterionId: string;
  met: boolean;
  note: string;
}

export const markCriterion = (deps: RolloutDeps, input: MarkCriterionInput): Promise<Outcome> =>
  mutateRollout(deps, input, (current, _seen, now) => ({
    kind: 'decide',
    decision: mark(
      current,
      {
        by: input.by,
        stageId: input.stageId,
        criterionId: input.criterionId,
        met: input.met,
        note: input.note,
      },
      now,
    ),
    describe: () => (input.met ? 'Marked met.' : 'Marked not met.'),
    unchanged: 'Nothing changed.',
  }));
