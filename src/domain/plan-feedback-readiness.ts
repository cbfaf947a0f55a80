/**
 * A stage's feedback and readiness sign-off as a plan holds them: copies in their fixed key order
 * (the domain compares plans as JSON), and the defaults a stage gets by its place when its plan
 * does not say.
 */
import { feedbackPlanOf, type FeedbackGoals, type FeedbackPlan } from './feedback-goals';
import type { PhaseKey } from './phases';
import { readinessPlanOf, type ReadinessPlan } from './signoff';
import type { Rollout, Stage } from './rollout';

/** Feedback goals in their fixed key order (the domain compares plans as JSON), as a fresh copy. */
export const feedbackGoalsOf = (goals: FeedbackGoals): FeedbackGoals => ({
  minResponses: goals.minResponses,
  minResponsePercent: goals.minResponsePercent,
  minAverageRating: goals.minAverageRating,
  minInstallSuccess: goals.minInstallSuccess,
  maxOpenBlockers: goals.maxOpenBlockers,
});

/** A copy of a feedback plan (null: takes none), its goals in their fixed key order. */
export const copyFeedbackPlan = (plan: FeedbackPlan | null): FeedbackPlan | null =>
  plan && { goals: feedbackGoalsOf(plan.goals) };

/** A stage's feedback as the plan has it: explicit, the default filled in for a stage without one. */
export const stageFeedback = (stage: Stage, stageId: string): FeedbackPlan | null =>
  copyFeedbackPlan(feedbackPlanOf(stage, stageId));

/**
 * The feedback a stage gets when its plan does not say: the pilot phase and every wave take
 * feedback with the default goals, other phases none (`feedbackPlanOf`'s default).
 */
export const defaultFeedbackFor = (stageId: string): FeedbackPlan | null =>
  stageFeedback({ feedback: undefined } as Stage, stageId);

/**
 * A copy of a readiness plan (null: no sign-off), its keys in their fixed order; `groups` only when
 * there are some (plans before groups have none, and say the same).
 */
export const copyReadinessPlan = (plan: ReadinessPlan | null): ReadinessPlan | null =>
  plan && {
    policy: plan.policy.kind === 'quorum' ? { kind: 'quorum', n: plan.policy.n } : { kind: plan.policy.kind },
    allowNotReady: plan.allowNotReady,
    members: [...plan.members],
    ...(plan.groups?.length ? { groups: [...plan.groups] } : {}),
    deadline: plan.deadline,
  };

/**
 * A stage's readiness as a plan or a stage holds it: the `readiness` key with a copy when the stage
 * has its own setting (a plan or null), no key when it has none (absent: the default for its place).
 * Spread in where the key goes, so keys keep their order (the domain compares plans as JSON).
 */
export const readinessEntry = (
  plan: ReadinessPlan | null | undefined,
): { readiness?: ReadinessPlan | null } => (plan === undefined ? {} : { readiness: copyReadinessPlan(plan) });

/** Whether two readiness settings say the same (absent only equals absent). */
export const sameReadiness = (
  a: ReadinessPlan | null | undefined,
  b: ReadinessPlan | null | undefined,
): boolean =>
  a === undefined || b === undefined
    ? a === b
    : JSON.stringify(copyReadinessPlan(a)) === JSON.stringify(copyReadinessPlan(b));

/**
 * The readiness a stage gets when its plan does not say (`readinessPlanOf`'s default), by where it
 * is: the phase `phase` with `waves` waves (`wave` null), or its wave at index `wave`. Entering the
 * pilot and the enterprise rollout (their first wave when they have waves) and each enterprise
 * wave needs the help desk's sign-off by default.
 */
export const defaultReadinessFor = (
  phase: PhaseKey,
  waves: number,
  wave: number | null = null,
): ReadinessPlan | null => {
  // Only where the stage is matters to the default: a rollout of one phase with bare waves.
  const ids = Array.from({ length: waves }, (_, i) => `w${i}`);
  const shape = { phases: [{ key: phase, waves: ids.map((id) => ({ id })) }] } as unknown as Rollout;
  return copyReadinessPlan(readinessPlanOf(shape, wave === null ? phase : `${phase}/w${wave}`));
};

/**
 * The readiness a stage ends up with when a form asks for `wanted` at a place whose default is
 * `byDefault`: absent (keep the default) when they are the same, so a save that changes nothing
 * does not pin the setting to the stage; else `wanted`, explicit.
 */
export const readinessFromForm = (
  wanted: ReadinessPlan | null,
  byDefault: ReadinessPlan | null,
): ReadinessPlan | null | undefined => (sameReadiness(wanted, byDefault) ? undefined : wanted);
