import { DEFAULT_ANNOUNCE_MODE, type AnnounceMode } from './announcement';
import { emptyAudience, type AssignmentIntent, type AudienceSpec } from './audience';
import { accept, refuse, type Decision } from './decision';
import type { FeedbackPlan } from './feedback-goals';
import { PHASE_KEYS, type PhaseKey } from './phases';
import { copyFeedbackPlan, readinessEntry, stageFeedback } from './plan-feedback-readiness';
import type { ReadinessPlan } from './signoff';
import type {
  ChecklistItem,
  CommunicationPlan,
  CriterionSpec,
  Phase,
  Platform,
  Rollout,
  TimeFrame,
  Wave,
  WaveProfile,
} from './rollout';
import type { Person } from './roles';
import {
  DEFAULT_DIGEST_TIME,
  DEFAULT_NUDGES,
  DEFAULT_QUIET_HOURS,
  isLocalTime,
  MAX_NUDGES,
  type RolloutSchedule,
  type StageSchedule,
} from './schedule-plan';
import { DEFAULT_WAVE_CHECKLIST, seedChecklist } from './templates';

/**
 * The editable part of a rollout: what a plan file, an edit form or an import may change.
 * Progress (checklist ticks, manual criteria marked met, position, history) is not part of it
 * and cannot be forged through it.
 */
export interface PlanSpec {
  name: string;
  timeZone: string;
  app: { name: string; intuneAppId: string | null; platforms: Platform[] };
  businessPurpose: string;
  /**
   * Quiet hours and the daily digest's time; absent: the defaults (`rolloutScheduleOf`), as every
   * rollout stored before the scheduler has them (`scheduleEntry`: a key only when not the defaults).
   */
  schedule?: RolloutSchedule;
  phases: Record<PhaseKey, PhaseSpec>;
}

export type ItemSpec = { id: string; text: string };
export type CriterionPlan =
  { id: string; kind: 'checklist-complete' } | { id: string; kind: 'manual'; goal: string };

export interface StageSpec {
  timeFrame: TimeFrame;
  targetGroups: string[];
  checklist: ItemSpec[];
  criteria: CriterionPlan[];
  /** Whether the stage takes feedback, with its goals; null: it takes none. Always explicit here. */
  feedback: FeedbackPlan | null;
  /**
   * Whether entering the stage needs the help desk's readiness sign-off, and how; null: it does
   * not; absent (the key left out): the default for the stage's place (`readinessPlanOf`), so that
   * moving or removing waves moves the default with the place, not with the wave. Copied as the
   * stage has it, never filled in. A phase with waves is entered at its first wave: that wave's
   * applies.
   */
  readiness?: ReadinessPlan | null;
  /** Who the stage is for; absent: the empty audience (a wave's `groupId` and `members` aside). */
  audience?: AudienceSpec;
  /** The Intune assignment intent of the audience's groups; absent: required. */
  intent?: AssignmentIntent;
  /** What entering the stage does about its announcement; absent: the default, prompt (`announceEntry`). */
  announce?: AnnounceMode;
  /** Feedback nudges at most, 0 to MAX_NUDGES; absent: DEFAULT_NUDGES (`stageScheduleEntry`). */
  nudges?: number;
  /** One reminder to those who have not clicked "Got it" on its announcement; absent: no. */
  gotItReminder?: boolean;
  /** Advances by itself once its end has passed and its gate passes; absent: no. */
  autoAdvance?: boolean;
}

export interface PhaseSpec extends StageSpec {
  communication: CommunicationPlan;
  waves: WaveSpec[];
}

export interface WaveSpec extends StageSpec, WaveProfile {
  id: string;
  name: string;
  kind: Wave['kind'];
  enrollment: Wave['enrollment'];
  groupId: string | null;
  members: string[];
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A copy of an audience definition, its keys in their fixed order (the domain compares plans as JSON). */
const copyAudience = (a: AudienceSpec): AudienceSpec => ({
  groups: [...a.groups],
  members: [...a.members],
  filters: {
    departments: [...a.filters.departments],
    countries: [...a.filters.countries],
    offices: [...a.filters.offices],
    platforms: [...a.filters.platforms],
  },
  includeGuests: a.includeGuests,
  includeDisabled: a.includeDisabled,
});

/**
 * A stage's audience and intent as a plan or a stage holds them: `audience` (a copy) only when it
 * is not the empty audience, `intent` only when it is not the default, required. Spread in where
 * the keys go, so keys keep their order and a plan without them says the same as before them.
 */
export const audienceEntry = (
  audience: AudienceSpec | undefined,
  intent: AssignmentIntent | undefined,
): { audience?: AudienceSpec; intent?: AssignmentIntent } => {
  const copy = audience && copyAudience(audience);
  return {
    ...(copy && !same(copy, emptyAudience()) ? { audience: copy } : {}),
    ...(intent === 'available' ? { intent } : {}),
  };
};

/**
 * A stage's announcement setting as a plan or a stage holds it: only when it is not the default
 * (prompt), so plans and exports made before it say the same as before. Spread in where it goes.
 */
export const announceEntry = (announce: AnnounceMode | undefined): { announce?: AnnounceMode } =>
  announce !== undefined && announce !== DEFAULT_ANNOUNCE_MODE ? { announce } : {};

/** Whether two schedules say the same (keys in any order). */
const sameSchedule = (a: RolloutSchedule, b: RolloutSchedule): boolean =>
  a.digestTime === b.digestTime &&
  (a.quietHours === null || b.quietHours === null
    ? a.quietHours === b.quietHours
    : a.quietHours.start === b.quietHours.start &&
      a.quietHours.end === b.quietHours.end &&
      a.quietHours.weekends === b.quietHours.weekends);

/**
 * A rollout's schedule settings as a plan or a rollout holds them: a copy (keys in a fixed order)
 * only when they are not the defaults (19:00–08:00 and weekends, digest 09:00), so plans and
 * exports of rollouts stored before them say the same as before. Spread in where it goes.
 */
export const scheduleEntry = (schedule: RolloutSchedule | undefined): { schedule?: RolloutSchedule } => {
  if (!schedule) return {};
  const { quietHours: q, digestTime } = schedule;
  const copy: RolloutSchedule = {
    quietHours: q && { start: q.start, end: q.end, weekends: q.weekends },
    digestTime,
  };
  const defaults = { quietHours: DEFAULT_QUIET_HOURS, digestTime: DEFAULT_DIGEST_TIME };
  return sameSchedule(copy, defaults) ? {} : { schedule: copy };
};

/**
 * A stage's scheduler settings as a plan or a stage holds them: each only when it is not the
 * default (2 nudges, no "Got it" reminder, no auto-advance). Spread in where they go.
 */
export const stageScheduleEntry = (
  stage: Partial<StageSchedule>,
): { nudges?: number; gotItReminder?: boolean; autoAdvance?: boolean } => ({
  ...(stage.nudges !== undefined && stage.nudges !== DEFAULT_NUDGES ? { nudges: stage.nudges } : {}),
  ...(stage.gotItReminder === true ? { gotItReminder: true } : {}),
  ...(stage.autoAdvance === true ? { autoAdvance: true } : {}),
});

/**
 * What is wrong with a plan's scheduler settings, or null (the plan file's schema says the same to
 * files and forms, field by field; this keeps a plan handed over by other means from storing them).
 */
const scheduleProblem = (spec: PlanSpec): string | null => {
  const s = spec.schedule;
  if (s) {
    const q = s.quietHours;
    if (q && (!isLocalTime(q.start) || !isLocalTime(q.end) || typeof q.weekends !== 'boolean'))
      return 'Quiet hours must start and end at a time HH:mm, e.g. 19:00.';
    if (q && q.start === q.end) return 'Quiet hours must not start and end at the same time.';
    if (s.digestTime !== null && !isLocalTime(s.digestTime))
      return 'The digest time must be a time HH:mm, e.g. 09:00.';
  }
  for (const key of PHASE_KEYS) {
    const phase = spec.phases[key];
    for (const stage of [phase, ...(phase?.waves ?? [])]) {
      const n = stage?.nudges;
      if (n !== undefined && !(Number.isInteger(n) && n >= 0 && n <= MAX_NUDGES))
        return `Feedback nudges must be a whole number from 0 to ${MAX_NUDGES}.`;
    }
  }
  return null;
};

const itemSpecs = (items: ChecklistItem[]): ItemSpec[] => items.map(({ id, text }) => ({ id, text }));
const criterionPlans = (criteria: CriterionSpec[]): CriterionPlan[] =>
  criteria.map((c) =>
    c.kind === 'manual' ? { id: c.id, kind: 'manual', goal: c.goal } : { id: c.id, kind: c.kind },
  );

/** A wave's plan: its readiness as the wave has it (absent: the default for its place). */
export const waveSpecOf = (wave: Wave): WaveSpec => ({
  id: wave.id,
  name: wave.name,
  kind: wave.kind,
  enrollment: wave.enrollment,
  groupId: wave.groupId,
  members: [...wave.members],
  timeFrame: { ...wave.timeFrame },
  targetGroups: [...wave.targetGroups],
  checklist: itemSpecs(wave.checklist),
  criteria: criterionPlans(wave.criteria),
  // A wave's feedback default is the same in every phase (any wave's stage id).
  feedback: stageFeedback(wave, `/${wave.id}`),
  ...readinessEntry(wave.readiness),
  ...audienceEntry(wave.audience, wave.intent),
  ...announceEntry(wave.announce),
  ...stageScheduleEntry(wave),
  willingness: wave.willingness,
  users: wave.users,
  devices: wave.devices,
  platforms: [...wave.platforms],
  requirements: wave.requirements,
  geography: wave.geography,
  businessRisk: wave.businessRisk,
});

/** A phase's plan: its readiness as the phase has it (absent: the default for its place). */
export const phaseSpecOf = (phase: Phase): PhaseSpec => ({
  timeFrame: { ...phase.timeFrame },
  targetGroups: [...phase.targetGroups],
  checklist: itemSpecs(phase.checklist),
  criteria: criterionPlans(phase.criteria),
  feedback: stageFeedback(phase, phase.key),
  ...readinessEntry(phase.readiness),
  ...audienceEntry(phase.audience, phase.intent),
  ...announceEntry(phase.announce),
  ...stageScheduleEntry(phase),
  communication: { ...phase.communication },
  waves: phase.waves.map((w) => waveSpecOf(w)),
});

/** The rollout's plan as data (what `plan export` writes). */
export const planOf = (rollout: Rollout): PlanSpec => ({
  name: rollout.name,
  timeZone: rollout.timeZone,
  app: { ...rollout.app, platforms: [...rollout.app.platforms] },
  businessPurpose: rollout.businessPurpose,
  ...scheduleEntry(rollout.schedule),
  phases: Object.fromEntries(rollout.phases.map((p) => [p.key, phaseSpecOf(p)])) as Record<
    PhaseKey,
    PhaseSpec
  >,
});

/** Keeps progress (ticks, manual criteria marked met) for items the new plan still has, by id. */
const mergeChecklist = (old: ChecklistItem[], spec: ItemSpec[]): ChecklistItem[] =>
  spec.map(({ id, text }) => {
    const kept = old.find((item) => item.id === id);
    return kept ? { ...kept, text } : { id, text, done: false, by: null, at: null };
  });

const mergeCriteria = (old: CriterionSpec[], spec: CriterionPlan[]): CriterionSpec[] =>
  spec.map((plan) => {
    if (plan.kind !== 'manual') return plan;
    const kept = old.find((c) => c.id === plan.id && c.kind === 'manual');
    return kept && kept.kind === 'manual'
      ? { ...kept, goal: plan.goal }
      : { ...plan, met: false, note: null, by: null, at: null };
  });

const mergeWave = (
  old: Wave | undefined,
  { readiness, audience, intent, announce, nudges, gotItReminder, autoAdvance, ...spec }: WaveSpec,
): Wave => ({
  ...spec,
  title: spec.name,
  members: [...spec.members],
  checklist: mergeChecklist(old?.checklist ?? [], spec.checklist),
  criteria: mergeCriteria(old?.criteria ?? [], spec.criteria),
  feedback: copyFeedbackPlan(spec.feedback),
  // As the plan says: absent stays absent (the default for the wave's place, wherever it goes).
  ...readinessEntry(readiness),
  ...audienceEntry(audience, intent),
  ...announceEntry(announce),
  ...stageScheduleEntry({ nudges, gotItReminder, autoAdvance }),
});

export interface PlanChange {
  by: Person;
  /** The revision the editor saw; null skips the check (the command line applies a file as is). */
  revision: number | null;
  /** What was changed, for the audit: `plan`, `settings`, `phase pilot`, `wave pilot/it-users`. */
  section: string;
}

/** A new wave's checklist when the plan does not give one. */
export const defaultWaveChecklist = (): ItemSpec[] => itemSpecs(seedChecklist(DEFAULT_WAVE_CHECKLIST));

/**
 * Replaces the rollout's plan with `spec`, keeping progress by id. Refused when the editor's
 * revision is stale, when a passed phase or a passed wave would change, or when waves the rollout
 * has reached would be removed or reordered.
 */
export const applyPlan = (
  rollout: Rollout,
  spec: PlanSpec,
  change: PlanChange,
  now: Date,
): Decision<Rollout> => {
  if (change.revision !== null && change.revision !== rollout.planRevision) {
    return refuse(
      'stale-revision',
      `The plan changed since this form was opened (revision ${change.revision}, now ${rollout.planRevision}). Here is the current version: make your change again.`,
    );
  }
  if (rollout.status === 'completed')
    return refuse('completed', `“${rollout.name}” is completed; its plan is final.`);
  const current = PHASE_KEYS.indexOf(rollout.position.phase);
  const before = planOf(rollout);
  for (const [index, key] of PHASE_KEYS.entries()) {
    const phase = rollout.phases[index];
    const next = spec.phases[key];
    if (!phase || !next) return refuse('invalid-plan', `The plan has no ${key} phase.`);
    if (index < current && !same(before.phases[key], next)) {
      return refuse('phase-passed', `${phase.title} has passed; its plan can no longer change.`);
    }
    if (index !== current) continue;
    const reached = rollout.position.wave;
    if (reached === null) {
      if (next.waves.length > 0 && phase.waves.length === 0) {
        return refuse(
          'wave-reached',
          `“${rollout.name}” is already in ${phase.title}: waves can only be planned for phases it has not reached.`,
        );
      }
      continue;
    }
    for (let w = 0; w <= reached; w++) {
      const was = phase.waves[w];
      const planned = next.waves[w];
      if (!was || planned?.id !== was.id) {
        return refuse(
          'wave-reached',
          `${was?.name ?? 'A reached wave'} has been reached: it cannot be removed or moved.`,
        );
      }
      if (w < reached && !same(waveSpecOf(was), planned)) {
        return refuse('phase-passed', `${was.name} has passed; its plan can no longer change.`);
      }
    }
  }
  const ids = Object.values(spec.phases).flatMap((p) => p.waves.map((w) => w.id));
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate)
    return refuse('invalid-plan', `Two waves have the id “${duplicate}”; wave ids must be unique.`);
  const problem = scheduleProblem(spec);
  if (problem) return refuse('invalid-plan', problem);
  if (same(before, spec)) return accept(rollout, []);

  const phases = rollout.phases.map(
    ({
      readiness: _old,
      audience: _audience,
      intent: _intent,
      announce: _announce,
      nudges: _nudges,
      gotItReminder: _gotIt,
      autoAdvance: _auto,
      ...phase
    }): Phase => {
      const next = spec.phases[phase.key];
      const waves = next.waves.map((w) =>
        mergeWave(
          phase.waves.find((old) => old.id === w.id),
          w,
        ),
      );
      return {
        ...phase,
        timeFrame: { ...next.timeFrame },
        targetGroups: [...next.targetGroups],
        checklist: mergeChecklist(phase.checklist, next.checklist),
        criteria: mergeCriteria(phase.criteria, next.criteria),
        feedback: copyFeedbackPlan(next.feedback),
        // As the plan says: absent stays absent (the default for the phase's place).
        ...readinessEntry(next.readiness),
        ...audienceEntry(next.audience, next.intent),
        ...announceEntry(next.announce),
        ...stageScheduleEntry(next),
        communication: { ...next.communication },
        waves,
      };
    },
  );
  const at = now.toISOString();
  const { schedule: _schedule, ...kept } = rollout;
  const next: Rollout = {
    ...kept,
    name: spec.name,
    timeZone: spec.timeZone,
    app: { ...spec.app, platforms: [...spec.app.platforms] },
    businessPurpose: spec.businessPurpose,
    // As the plan says: the defaults stay absent (`rolloutScheduleOf` reads them).
    ...scheduleEntry(spec.schedule),
    phases,
    planRevision: rollout.planRevision + 1,
  };
  return accept(next, [
    {
      type: 'plan-changed',
      by: change.by,
      at,
      section: change.section,
      revision: next.planRevision,
      before: JSON.stringify(before),
      after: JSON.stringify(spec),
    },
  ]);
};

/** Where each wave stands: passed (read-only), reached (fixed in place) or planned. */
export type WaveState = 'passed' | 'current' | 'planned';

export const waveState = (rollout: Rollout, key: PhaseKey, index: number): WaveState => {
  const phaseIndex = PHASE_KEYS.indexOf(key);
  const current = PHASE_KEYS.indexOf(rollout.position.phase);
  if (phaseIndex < current) return 'passed';
  if (phaseIndex > current) return 'planned';
  const reached = rollout.position.wave;
  if (reached === null) return 'planned';
  return index < reached ? 'passed' : index === reached ? 'current' : 'planned';
};

export const phasePassed = (rollout: Rollout, key: PhaseKey): boolean =>
  PHASE_KEYS.indexOf(key) < PHASE_KEYS.indexOf(rollout.position.phase);
