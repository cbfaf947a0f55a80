import type { CriterionResult } from './decision';
import {
  evaluateFeedbackGoals,
  feedbackPlanOf,
  type AudienceSizes,
  type FeedbackMeasurements,
} from './feedback-goals';
import { evaluateReadiness, type ReadinessState } from './signoff';
import { currentPhase, type CriterionSpec, type Rollout, type Stage } from './rollout';

interface StageRef {
  /** Stable id of the stage: the phase key, or `<phase>/<wave id>`. */
  id: string;
  stage: Stage;
}

const evaluateOne = (spec: CriterionSpec, { id, stage }: StageRef): CriterionResult => {
  switch (spec.kind) {
    case 'checklist-complete': {
      const total = stage.checklist.length;
      const open = stage.checklist.filter((item) => !item.done);
      const done = total - open.length;
      const met = open.length === 0;
      const items = open.length === 1 ? 'item is' : 'items are';
      return {
        id: `${id}:${spec.id}`,
        label: `${stage.title} checklist complete`,
        met,
        measured: `${done} of ${total} done`,
        target: `${total} of ${total} done`,
        reason: met
          ? `All ${total} checklist items are done.`
          : `${open.length} ${items} open: ${open.map((item) => item.text).join('; ')}.`,
      };
    }
    case 'manual':
      return {
        id: `${id}:${spec.id}`,
        label: spec.goal,
        met: spec.met,
        measured: spec.met ? 'met' : 'not met yet',
        target: 'marked met by an admin',
        reason: spec.met
          ? `Marked met by ${spec.by?.name || spec.by?.id || 'an admin'}${spec.note ? `: ${spec.note}` : ''}.`
          : 'No admin has marked this goal met yet.',
      };
  }
};

/**
 * The stages whose criteria gate leaving the current position: the phase itself, or the current
 * wave; leaving a phase's last wave also leaves the phase, so the phase's criteria apply too.
 */
export const gatingStages = (rollout: Rollout): StageRef[] => {
  const phase = currentPhase(rollout);
  const index = rollout.position.wave;
  if (index === null) return [{ id: phase.key, stage: phase }];
  const wave = phase.waves[index];
  if (!wave) return [{ id: phase.key, stage: phase }];
  const waveRef = { id: `${phase.key}/${wave.id}`, stage: wave };
  return index === phase.waves.length - 1 ? [waveRef, { id: phase.key, stage: phase }] : [waveRef];
};

/** Nothing measured yet: every stage's feedback counts are zero. */
export const NO_MEASUREMENTS: FeedbackMeasurements = new Map();

/**
 * Every exit criterion of the current position, each measured against its target: the planned
 * criteria, the feedback goals of stages that take feedback (against `measured`), and the help
 * desk's readiness for the stage entered next (against the request made for it). The responses
 * goal is measured against `audienceSizes` (resolved audiences) where given, else the plan's.
 */
export const evaluateExitCriteria = (
  rollout: Rollout,
  measured: FeedbackMeasurements,
  readiness: ReadinessState | null,
  audienceSizes?: AudienceSizes,
): CriterionResult[] => [
  ...gatingStages(rollout).flatMap((ref) => {
    const planned = ref.stage.criteria.map((spec) => evaluateOne(spec, ref));
    const feedback = feedbackPlanOf(ref.stage, ref.id);
    return feedback
      ? [...planned, ...evaluateFeedbackGoals(rollout, ref.id, feedback.goals, measured, audienceSizes)]
      : planned;
  }),
  ...evaluateReadiness(rollout, readiness),
];
