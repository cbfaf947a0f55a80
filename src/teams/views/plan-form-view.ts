import type { AudienceSnapshot } from '../../app/ports';
import { planOf, waveState } from '../../domain/plan';
import type { PhaseKey } from '../../domain/phases';
import { phaseOf, waveWord, type Rollout } from '../../domain/rollout';
import type { FieldErrors, Values } from '../plan-form';
import { phaseValues, settingsValues, waveValues } from '../plan-form-sections';
import { defineCard } from '../render-card';
import { formatInstant } from './format';
import {
  PHASE_FIELDS,
  SETTINGS_FIELDS,
  WAVE_FIELDS,
  type FormData,
  type PhaseField,
  type SettingsField,
  type WaveField,
} from './plan-form-fields';

export interface PhaseFormData extends FormData<PhaseField> {
  phase: string;
  /** The stage's audience as last resolved ("1,180 people in Entra ID, resolved …"), or ''. */
  resolvedAudience: string;
}

export interface WaveFormData extends FormData<WaveField> {
  phase: string;
  /** The wave's audience as last resolved ("1,180 people in Entra ID, resolved …"), or ''. */
  resolvedAudience: string;
  waveId: string;
  isNew: boolean;
  canMove: boolean;
}

export const planSettingsFormCard = defineCard<FormData<SettingsField>>()('plan-settings-form');
export const planPhaseFormCard = defineCard<PhaseFormData>()('plan-phase-form');
export const planWaveFormCard = defineCard<WaveFormData>()('plan-wave-form');

const allErrors = <F extends string>(fields: readonly F[], errors: FieldErrors<F>): Record<F, string> =>
  Object.fromEntries(fields.map((f) => [f, errors[f] ?? ''])) as Record<F, string>;

const base = <F extends string>(
  rollout: Rollout,
  title: string,
  fields: readonly F[],
  values: Values<F>,
  errors: FieldErrors<F>,
  formError: string,
): FormData<F> => ({
  rolloutId: rollout.id,
  revision: rollout.planRevision,
  title,
  rolloutName: rollout.name,
  formError,
  hasFormError: formError.length > 0,
  values,
  errors: allErrors(fields, errors),
});

export interface FormState<F extends string> {
  values?: Values<F>;
  errors?: FieldErrors<F>;
  formError?: string;
  /** The stage's resolved audience, shown beside the planned one. */
  resolved?: AudienceSnapshot | null;
}

/** A stage's resolved audience in a line, in the rollout's time zone ('' when none). */
export const resolvedAudienceText = (
  rollout: Rollout,
  snapshot: AudienceSnapshot | null | undefined,
): string =>
  snapshot
    ? `Resolved: ${snapshot.counts.people.toLocaleString('en-US')} ${snapshot.counts.people === 1 ? 'person' : 'people'} in Entra ID (${formatInstant(snapshot.resolvedAt, rollout.timeZone)}).`
    : '';

export const settingsFormData = (
  rollout: Rollout,
  state: FormState<SettingsField> = {},
): FormData<SettingsField> =>
  base(
    rollout,
    'Plan settings',
    SETTINGS_FIELDS,
    state.values ?? settingsValues(rollout),
    state.errors ?? {},
    state.formError ?? '',
  );

export const phaseFormData = (
  rollout: Rollout,
  key: PhaseKey,
  state: FormState<PhaseField> = {},
): PhaseFormData => ({
  ...base(
    rollout,
    `${phaseOf(rollout, key).title}: plan`,
    PHASE_FIELDS,
    state.values ?? phaseValues(rollout, key, planOf(rollout).phases[key]),
    state.errors ?? {},
    state.formError ?? '',
  ),
  phase: key,
  resolvedAudience: resolvedAudienceText(rollout, state.resolved),
});

export const waveFormData = (
  rollout: Rollout,
  key: PhaseKey,
  waveId: string,
  state: FormState<WaveField> = {},
): WaveFormData => {
  const phase = phaseOf(rollout, key);
  const index = phase.waves.findIndex((w) => w.id === waveId);
  const wave = index >= 0 ? planOf(rollout).phases[key].waves[index] : undefined;
  const word = waveWord(phase);
  return {
    ...base(
      rollout,
      wave ? `${phase.title}: ${word} “${wave.name}”` : `${phase.title}: a new ${word}`,
      WAVE_FIELDS,
      state.values ?? waveValues(wave ?? null, phase),
      state.errors ?? {},
      state.formError ?? '',
    ),
    phase: key,
    resolvedAudience: resolvedAudienceText(rollout, state.resolved),
    waveId: wave ? waveId : '',
    isNew: !wave,
    canMove: !!wave && waveState(rollout, key, index) === 'planned',
  };
};
