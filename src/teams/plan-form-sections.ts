/**
 * The settings, phase and wave forms: the values each opens with, and the plan a submitted one
 * asks for.
 */
import { defaultFeedbackPlan } from '../domain/feedback-goals';
import type { CriterionPlan, ItemSpec, PhaseSpec, PlanSpec, WaveSpec } from '../domain/plan';
import { defaultWaveChecklist } from '../domain/plan';
import { defaultReadinessFor, readinessEntry, readinessFromForm } from '../domain/plan-feedback-readiness';
import type { PhaseKey } from '../domain/phases';
import type { Rollout } from '../domain/rollout';
import { defaultRolloutSchedule, rolloutScheduleOf } from '../domain/schedule-plan';
import type { ReadinessPlan } from '../domain/signoff';
import { CHECKLISTS } from '../domain/templates';
import type { PhaseField, SettingsField, WaveField } from './views/plan-form-fields';
import {
  choice,
  groupPickValues,
  ids,
  lines,
  NOT_SET,
  slug,
  timeFrameFrom,
  timeFrameValues,
  uniqueId,
  type FieldErrors,
  type Values,
} from './plan-form';
import { announceFrom, announceValues } from './plan-form-announce';
import { audienceFrom, audienceValues } from './plan-form-audience';
import { feedbackFrom, feedbackValues, signoffFrom, signoffValues } from './plan-form-feedback-signoff';
import { scheduleFrom, scheduleValues, stageScheduleFrom, stageScheduleValues } from './plan-form-schedule';

// ---- settings ----

export const settingsValues = (rollout: Rollout): Values<SettingsField> => ({
  name: rollout.name,
  timeZone: rollout.timeZone,
  appName: rollout.app.name,
  intuneAppId: rollout.app.intuneAppId ?? '',
  platforms: rollout.app.platforms.join(','),
  businessPurpose: rollout.businessPurpose,
  ...scheduleValues(rolloutScheduleOf(rollout)),
});

/** The plan a settings form asks for; its schedule in place (after businessPurpose), absent for the defaults. */
export const settingsFrom = (plan: PlanSpec, v: Values<SettingsField>): PlanSpec => ({
  // Keys in the order `planOf` writes them: the domain compares plans as JSON.
  name: v.name.trim(),
  timeZone: v.timeZone.trim(),
  app: {
    name: v.appName.trim(),
    intuneAppId: v.intuneAppId.trim() || null,
    platforms: v.platforms.split(',').filter(Boolean) as PlanSpec['app']['platforms'],
  },
  businessPurpose: v.businessPurpose.trim(),
  ...scheduleFrom(v, plan.schedule ?? defaultRolloutSchedule()),
  phases: plan.phases,
});

// ---- phase ----

const templateItemIds = (rollout: Rollout, phase: PhaseKey): Set<string> =>
  new Set(CHECKLISTS[rollout.template][phase].map(([id]) => id));

/**
 * A stage's readiness sign-off in effect: its own, or (absent) the default for its place. Forms
 * show it; on save, a setting equal to that default is stored absent again (`readinessFromForm`).
 */
const effectiveReadiness = (
  own: ReadinessPlan | null | undefined,
  byDefault: () => ReadinessPlan | null,
): ReadinessPlan | null => (own === undefined ? byDefault() : own);

/** The default for a phase's place: entering it with `waves` waves (then at its first wave's). */
const phaseDefault = (key: PhaseKey, waves: number) => () => defaultReadinessFor(key, waves);

export const phaseValues = (rollout: Rollout, key: PhaseKey, spec: PhaseSpec): Values<PhaseField> => {
  const template = templateItemIds(rollout, key);
  return {
    ...timeFrameValues(spec.timeFrame),
    targetGroups: spec.targetGroups.join('\n'),
    goals: spec.criteria.flatMap((c) => (c.kind === 'manual' ? [c.goal] : [])).join('\n'),
    extraItems: spec.checklist
      .filter((i) => !template.has(i.id))
      .map((i) => i.text)
      .join('\n'),
    ...feedbackValues(spec.feedback),
    ...signoffValues(effectiveReadiness(spec.readiness, phaseDefault(key, spec.waves.length))),
    ...audienceValues(spec.audience, spec.intent),
    ...announceValues(spec.announce),
    ...stageScheduleValues(spec),
    ...groupPickValues(),
    ...spec.communication,
  };
};

/** Goals typed one per line become manual criteria; a goal kept by its text keeps its id (and mark). */
const goalsFrom = (old: CriterionPlan[], text: string): CriterionPlan[] => {
  const taken = new Set(old.map((c) => c.id));
  const keep = old.filter((c) => c.kind !== 'manual');
  const goals = lines(text).map((goal): CriterionPlan => {
    const same = old.find((c) => c.kind === 'manual' && c.goal.toLowerCase() === goal.toLowerCase());
    if (same) return { id: same.id, kind: 'manual', goal };
    const id = uniqueId(`goal-${slug(goal)}`, taken);
    taken.add(id);
    return { id, kind: 'manual', goal };
  });
  return [...keep, ...goals];
};

const extraItemsFrom = (old: ItemSpec[], template: Set<string>, text: string): ItemSpec[] => {
  const taken = new Set(old.map((i) => i.id));
  const extras = lines(text).map((itemText) => {
    const same = old.find((i) => !template.has(i.id) && i.text.toLowerCase() === itemText.toLowerCase());
    if (same) return { id: same.id, text: itemText };
    const id = uniqueId(`custom-${slug(itemText)}`, taken);
    taken.add(id);
    return { id, text: itemText };
  });
  return [...old.filter((i) => template.has(i.id)), ...extras];
};

export const phaseFrom = (
  rollout: Rollout,
  plan: PlanSpec,
  key: PhaseKey,
  v: Values<PhaseField>,
  errors: FieldErrors<PhaseField>,
): PlanSpec => {
  const old = plan.phases[key];
  // Keys in the order `planOf` writes them: the domain compares plans as JSON.
  const next: PhaseSpec = {
    timeFrame: timeFrameFrom(v, errors),
    targetGroups: lines(v.targetGroups),
    checklist: extraItemsFrom(old.checklist, templateItemIds(rollout, key), v.extraItems),
    criteria: goalsFrom(old.criteria, v.goals),
    feedback: feedbackFrom(v, errors),
    // The default for the phase's place stays the default (absent): a save does not pin it.
    ...readinessEntry(readinessFromForm(signoffFrom(v, errors), phaseDefault(key, old.waves.length)())),
    ...audienceFrom(v, old.audience, errors),
    ...announceFrom(v, errors),
    ...stageScheduleFrom(v, errors),
    communication: {
      whatIsDeployed: v.whatIsDeployed.trim(),
      howAndWhen: v.howAndWhen.trim(),
      businessPurpose: v.businessPurpose.trim(),
      selfHelpUrl: v.selfHelpUrl.trim(),
      helpDeskContact: v.helpDeskContact.trim(),
    },
    waves: old.waves,
  };
  return { ...plan, phases: { ...plan.phases, [key]: next } };
};

// ---- wave ----

/** The phase a wave is in (or a new wave goes to the end of), with the waves it has now. */
export interface WavePlace {
  key: PhaseKey;
  waves: readonly { id: string }[];
}

/**
 * The default sign-off for a wave's place among its phase's `waves`: where it is, or a new wave
 * (not among them) at the end.
 */
const waveDefault = (key: PhaseKey, waves: readonly { id: string }[], waveId: string | null) => () => {
  const index = waveId === null ? -1 : waves.findIndex((w) => w.id === waveId);
  return index >= 0
    ? defaultReadinessFor(key, waves.length, index)
    : defaultReadinessFor(key, waves.length + 1, waves.length);
};

/**
 * The values a wave's form opens with: the wave's, or for a new wave (null) what a wave added at
 * the end of `phase` gets by default. Its sign-off as in effect: its own, or the default for its
 * place in `phase` (each enterprise wave's and the pilot's first).
 */
export const waveValues = (wave: WaveSpec | null, phase: WavePlace): Values<WaveField> => {
  const readiness = effectiveReadiness(
    wave?.readiness,
    waveDefault(phase.key, phase.waves, wave?.id ?? null),
  );
  return {
    name: wave?.name ?? '',
    kind: wave?.kind ?? 'department',
    enrollment: wave?.enrollment ?? NOT_SET,
    groupId: wave?.groupId ?? '',
    members: wave?.members.join('\n') ?? '',
    ...timeFrameValues(wave?.timeFrame ?? { start: null, end: null }),
    targetGroups: wave?.targetGroups.join('\n') ?? '',
    willingness: wave?.willingness ?? NOT_SET,
    users: wave?.users === null || wave?.users === undefined ? '' : String(wave.users),
    devices: wave?.devices === null || wave?.devices === undefined ? '' : String(wave.devices),
    platforms: wave?.platforms.join(',') ?? '',
    requirements: wave?.requirements ?? '',
    geography: wave?.geography ?? '',
    businessRisk: wave?.businessRisk ?? NOT_SET,
    // A new wave starts as `newWave` does: it takes feedback with the default goals.
    ...feedbackValues(wave ? wave.feedback : defaultFeedbackPlan()),
    ...signoffValues(readiness),
    ...audienceValues(wave?.audience, wave?.intent),
    ...announceValues(wave?.announce),
    ...stageScheduleValues(wave ?? {}),
    ...groupPickValues(),
  };
};

const count = (text: string, field: 'users' | 'devices', errors: FieldErrors<WaveField>): number | null => {
  const t = text.trim();
  if (!t) return null;
  const n = Number(t);
  if (!Number.isInteger(n) || n < 0) {
    errors[field] = 'Must be a whole number, 0 or more.';
    return null;
  }
  return n;
};

/** The plan with the wave saved: an existing wave in place, a new one at the end of its phase. */
export const waveFrom = (
  plan: PlanSpec,
  key: PhaseKey,
  waveId: string,
  v: Values<WaveField>,
  errors: FieldErrors<WaveField>,
): { plan: PlanSpec; waveId: string } => {
  const phase = plan.phases[key];
  const old = phase.waves.find((w) => w.id === waveId) ?? null;
  const taken = new Set(Object.values(plan.phases).flatMap((p) => p.waves.map((w) => w.id)));
  const id = old ? old.id : uniqueId(slug(v.name), taken);
  const wave: WaveSpec = {
    id,
    name: v.name.trim(),
    kind: v.kind as WaveSpec['kind'],
    enrollment: choice(v.enrollment) as WaveSpec['enrollment'],
    groupId: v.groupId.trim() || null,
    members: ids(v.members),
    timeFrame: timeFrameFrom(v, errors),
    targetGroups: lines(v.targetGroups),
    checklist: old?.checklist ?? defaultWaveChecklist(),
    criteria: old?.criteria ?? [{ id: 'checklist', kind: 'checklist-complete' }],
    feedback: feedbackFrom(v, errors),
    // The default for the wave's place stays the default (absent): a save does not pin it to the
    // wave, so it stays with the place when waves move.
    ...readinessEntry(
      readinessFromForm(signoffFrom(v, errors), waveDefault(key, phase.waves, old?.id ?? null)()),
    ),
    ...audienceFrom(v, old?.audience, errors),
    ...announceFrom(v, errors),
    ...stageScheduleFrom(v, errors),
    willingness: choice(v.willingness) as WaveSpec['willingness'],
    users: count(v.users, 'users', errors),
    devices: count(v.devices, 'devices', errors),
    platforms: v.platforms.split(',').filter(Boolean) as WaveSpec['platforms'],
    requirements: v.requirements.trim(),
    geography: v.geography.trim(),
    businessRisk: choice(v.businessRisk) as WaveSpec['businessRisk'],
  };
  const waves = old ? phase.waves.map((w) => (w.id === id ? wave : w)) : [...phase.waves, wave];
  return { plan: { ...plan, phases: { ...plan.phases, [key]: { ...phase, waves } } }, waveId: id };
};
