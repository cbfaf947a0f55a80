import { audienceOf, feedbackPlanOf, findStage, type FeedbackPlan, type StageLookup } from './feedback-goals';
import { PHASE_KEYS } from './phases';
import { positionLabel, type Rollout } from './rollout';
import { isAdmin, type AccessPolicy, type Person } from './roles';

/**
 * Whether a person is in a stage's audience where the directory decides it (resolved before the
 * domain decides): in, out, or unknown (the directory could not answer: fail closed).
 */
export type AudienceFact = 'in' | 'out' | 'unknown';

export type FeedbackGate =
  { open: true; stage: StageLookup; plan: FeedbackPlan; label: string } | { open: false; message: string };

/** Whether the rollout has reached the stage (it is the current one or already passed). */
const reached = (rollout: Rollout, found: StageLookup): boolean => {
  const here = PHASE_KEYS.indexOf(rollout.position.phase);
  const there = PHASE_KEYS.indexOf(found.phase.key);
  if (there !== here) return there < here;
  if (!found.wave) return true;
  const index = found.phase.waves.indexOf(found.wave);
  return rollout.position.wave !== null && index <= rollout.position.wave;
};

/** The label of a stage as people read it ("Pilot — stage 2 of 3: More IT users"). */
export const stageLabel = (rollout: Rollout, found: StageLookup): string =>
  positionLabel(rollout, {
    phase: found.phase.key,
    wave: found.wave ? found.phase.waves.indexOf(found.wave) : null,
  });

/**
 * Whether `person` may give feedback for the stage: the stage exists (a phase with waves is
 * answered per wave, never as a whole: its tally is the sum of its waves'), takes feedback, has been
 * reached and the rollout is not completed; and the person is in its audience or an admin. The
 * audience is `audience` where the directory decides it (the plan names groups), else the plan's
 * listed member ids; with no audience known, anyone in the tenant may answer.
 */
export const feedbackGate = (
  rollout: Rollout,
  stageId: string,
  person: Person,
  access: AccessPolicy,
  audience?: AudienceFact,
): FeedbackGate => {
  const found = findStage(rollout, stageId);
  if (!found)
    return { open: false, message: `That phase or wave is no longer in the plan of “${rollout.name}”.` };
  const label = stageLabel(rollout, found);
  if (rollout.status === 'completed') {
    return { open: false, message: `“${rollout.name}” is completed; it no longer takes feedback.` };
  }
  if (!found.wave && found.phase.waves.length > 0) {
    return {
      open: false,
      message: `${found.phase.title} of “${rollout.name}” runs in waves: feedback is given for a wave, not for the phase as a whole.`,
    };
  }
  const plan = feedbackPlanOf(found.stage, stageId);
  if (!plan) return { open: false, message: `${label} of “${rollout.name}” does not take feedback.` };
  if (!reached(rollout, found)) {
    return { open: false, message: `“${rollout.name}” has not reached ${label} yet.` };
  }
  if (isAdmin(person, access, rollout)) return { open: true, stage: found, plan, label };
  if (audience === 'unknown') {
    return {
      open: false,
      message: `I cannot check right now whether you are in ${label} of “${rollout.name}” (the directory did not answer), so nothing was saved. Try again in a few minutes.`,
    };
  }
  const { ids } = audienceOf(rollout, stageId);
  const outside = audience ? audience === 'out' : ids !== null && !ids.has(person.id.toLowerCase());
  if (outside) {
    return {
      open: false,
      message: `This feedback is for the people in ${label} of “${rollout.name}”, and you are not listed among them. If you should be, ask the rollout's admins to add you.`,
    };
  }
  return { open: true, stage: found, plan, label };
};
