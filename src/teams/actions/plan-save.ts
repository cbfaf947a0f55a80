import { z } from 'zod';
import { planOf, type PlanSpec } from '../../domain/plan';
import type { Rollout } from '../../domain/rollout';
import { PHASE_FIELDS, SETTINGS_FIELDS, WAVE_FIELDS } from '../views/plan-form-fields';
import { defineAction, type ActionResult } from '../handler';
import {
  afterChange,
  loadRollout,
  planCard,
  savePlan,
  sectionForm,
  sectionRef,
  validatePlan,
  type SectionRef,
} from '../plan-cards';
import { withPickedGroups, type FieldErrors, type Values } from '../plan-form';
import { phaseFrom, settingsFrom, waveFrom } from '../plan-form-sections';
import { NO_ROLLOUT } from '../replies';

const FIELDS = { settings: SETTINGS_FIELDS, phase: PHASE_FIELDS, wave: WAVE_FIELDS } as const;

const valuesOf = (fields: readonly string[], data: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(
    fields.map((f) => [f, typeof data[`f_${f}`] === 'string' ? String(data[`f_${f}`]) : '']),
  );

/** Builds the plan the form asks for; conversion errors (a time without a date…) per field. */
const proposed = (
  rollout: Rollout,
  ref: SectionRef,
  values: Record<string, string>,
  errors: Record<string, string>,
): { plan: PlanSpec; waveId: string } => {
  const plan = planOf(rollout);
  if (ref.section === 'settings' || !ref.phase) {
    return { plan: settingsFrom(plan, values as Values<(typeof SETTINGS_FIELDS)[number]>), waveId: '' };
  }
  if (ref.section === 'phase') {
    return {
      plan: phaseFrom(
        rollout,
        plan,
        ref.phase,
        values as Values<(typeof PHASE_FIELDS)[number]>,
        errors as FieldErrors<(typeof PHASE_FIELDS)[number]>,
      ),
      waveId: '',
    };
  }
  return waveFrom(plan, ref.phase, ref.waveId, values as Values<(typeof WAVE_FIELDS)[number]>, errors);
};

/** Does a validation path point into the section this form edits? */
const inSection =
  (ref: SectionRef, spec: PlanSpec, waveId: string) =>
  (path: readonly PropertyKey[]): boolean => {
    const p = path.map(String);
    if (ref.section === 'settings') return p[0] !== 'phases';
    if (p[0] !== 'phases' || p[1] !== ref.phase) return false;
    if (ref.section === 'phase') return p[2] !== 'waves';
    const index = ref.phase ? spec.phases[ref.phase].waves.findIndex((w) => w.id === waveId) : -1;
    return p[2] === 'waves' && p[3] === String(index);
  };

const sectionLabel = (ref: SectionRef, waveId: string): string =>
  ref.section === 'settings'
    ? 'settings'
    : ref.section === 'phase'
      ? `phase ${ref.phase}`
      : `wave ${ref.phase}/${waveId}`;

/**
 * Saves one section form. Invalid input comes back on the form, field by field, with nothing
 * saved; a form made on an older plan revision is refused and the fresh section is shown.
 */
export const planSave = defineAction({
  verb: 'plan.save',
  schema: z.looseObject({
    rolloutId: z.string().min(1).max(100),
    revision: z.coerce.number().int().min(0),
    section: z.enum(['settings', 'phase', 'wave']),
    phase: z.string().max(20).default(''),
    waveId: z.string().max(100).default(''),
  }),
  async run(ctx, data): Promise<ActionResult> {
    const rollout = await loadRollout(ctx, data.rolloutId);
    if (!rollout) return { message: NO_ROLLOUT };
    const ref = sectionRef(data.section, data.phase, data.waveId);
    if (!ref) return planCard(rollout, 'That part of the plan does not exist.');
    const values = withPickedGroups(valuesOf(FIELDS[ref.section], data));
    const errors: Record<string, string> = {};
    const { plan, waveId } = proposed(rollout, ref, values, errors);
    const checked = validatePlan(plan, inSection(ref, plan, waveId));
    const allErrors = { ...checked.errors, ...errors };
    if (Object.keys(allErrors).length > 0 || checked.formError) {
      return sectionForm(rollout, ref, {
        values,
        errors: allErrors,
        formError: checked.formError || 'Nothing was saved: please fix the fields marked below.',
      });
    }
    const outcome = await savePlan(ctx, rollout.id, {
      command: 'plan edit',
      revision: data.revision,
      section: sectionLabel(ref, waveId),
      edit: () => plan,
    });
    return afterChange(ctx, rollout.id, outcome, (fresh, message) =>
      sectionForm(
        fresh,
        ref,
        outcome.kind === 'refused' && outcome.error.code === 'stale-revision'
          ? { formError: message }
          : { values, formError: message },
      ),
    );
  },
});
