import { audienceSizes } from '../app/audience-refresh';
import { changePlan, type ChangePlanInput } from '../app/change-plan';
import { stageIds, type AudienceSizes } from '../domain/feedback-goals';
import { renewChangedSignoffs } from '../app/signoff-changes';
import type { Outcome } from '../app/mutate';
import { isPhaseKey, type PhaseKey } from '../domain/phases';
import type { Rollout } from '../domain/rollout';
import { planFileSchema } from '../plan/plan-file-schema';
import type { PlanSpec } from '../domain/plan';
import type { ActionResult, CommandContext } from './handler';
import type { RenderedCard } from './render-card';
import { fieldForPath } from './plan-form';
import { outcomeReply, requestFor, NO_ROLLOUT } from './replies';
import {
  type FormState,
  phaseFormData,
  planPhaseFormCard,
  planSettingsFormCard,
  planWaveFormCard,
  settingsFormData,
  waveFormData,
} from './views/plan-form-view';
import { planCard as planOverviewCard, planCardData } from './views/plan-view';

export type Section = 'settings' | 'phase' | 'wave';

export interface SectionRef {
  section: Section;
  phase: PhaseKey | null;
  waveId: string;
}

export const loadRollout = async (ctx: CommandContext, rolloutId: string): Promise<Rollout | null> =>
  (await ctx.deps.rollouts.get(ctx.turn.tenantId, rolloutId))?.value ?? null;

export const planCard = (
  rollout: Rollout,
  notice = '',
  resolved?: AudienceSizes,
): { card: RenderedCard } => ({
  card: planOverviewCard.render(planCardData(rollout, notice, resolved)),
});

/** The plan card with every stage's resolved audience size beside the planned one (point reads). */
export const resolvedPlanCard = async (
  ctx: CommandContext,
  rollout: Rollout,
): Promise<{ card: RenderedCard }> => {
  return planCard(rollout, '', await audienceSizes(ctx.deps, rollout, stageIds(rollout)));
};

export const sectionRef = (section: Section, phase: string, waveId: string): SectionRef | null => {
  if (section === 'settings') return { section, phase: null, waveId: '' };
  return isPhaseKey(phase) ? { section, phase, waveId } : null;
};

/** The form of one plan section, with the values, field errors and form error given. */
export const sectionForm = (
  rollout: Rollout,
  ref: SectionRef,
  state: FormState<string> = {},
): ActionResult => {
  if (ref.section === 'settings' || !ref.phase)
    return { card: planSettingsFormCard.render(settingsFormData(rollout, state)) };
  if (ref.section === 'phase')
    return { card: planPhaseFormCard.render(phaseFormData(rollout, ref.phase, state)) };
  return { card: planWaveFormCard.render(waveFormData(rollout, ref.phase, ref.waveId, state)) };
};

/**
 * Checks a whole plan with the plan file's rules (the same as for imports) and returns the errors
 * per form field; errors outside the form's fields go to `formError`.
 */
export const validatePlan = (
  spec: PlanSpec,
  belongsToForm: (path: readonly PropertyKey[]) => boolean,
): { errors: Record<string, string>; formError: string } => {
  const parsed = planFileSchema.safeParse({ version: 1, ...spec });
  const errors: Record<string, string> = {};
  const elsewhere: string[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = belongsToForm(issue.path) ? fieldForPath(issue.path) : null;
      if (field && !errors[field]) errors[field] = issue.message;
      else if (!field) elsewhere.push(`${issue.path.join('.')}: ${issue.message}`);
    }
  }
  return {
    errors,
    formError: elsewhere.length ? `Other parts of the plan need fixing first: ${elsewhere.join('; ')}` : '',
  };
};

/**
 * Changes the plan as the person clicking, through the `changePlan` use case. Once the person has
 * been answered, readiness requests whose stage's time frame or target groups changed are
 * superseded and posted anew.
 */
export const savePlan = async (
  ctx: CommandContext,
  rolloutId: string,
  change: Pick<ChangePlanInput, 'revision' | 'section' | 'edit'> & { command?: string },
): Promise<Outcome> => {
  const outcome = await changePlan(ctx.deps, {
    ...requestFor(ctx.turn, rolloutId, change.command ?? 'plan edit'),
    ...change,
  });
  if (outcome.kind === 'done') {
    const { rollout } = outcome;
    const by = ctx.turn.from;
    ctx.turn.defer(() => renewChangedSignoffs(ctx.deps, rollout, by));
  }
  return outcome;
};

/** After a plan change: the overview (saved, unchanged) or the reason it was refused. */
export const afterChange = async (
  ctx: CommandContext,
  rolloutId: string,
  outcome: Outcome,
  onRefused: (rollout: Rollout, message: string) => ActionResult,
): Promise<ActionResult> => {
  const rollout = await loadRollout(ctx, rolloutId);
  if (!rollout) return { message: NO_ROLLOUT };
  switch (outcome.kind) {
    case 'done':
    case 'unchanged':
    case 'duplicate':
      return planCard(rollout, outcome.kind === 'done' ? '' : outcomeReply(outcome).text);
    case 'refused':
      return onRefused(rollout, outcome.error.message);
    default:
      return planCard(rollout, outcomeReply(outcome).text);
  }
};
