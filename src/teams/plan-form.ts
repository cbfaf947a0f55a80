import {
  DEFAULT_FEEDBACK_GOALS,
  defaultFeedbackPlan,
  type FeedbackGoals,
  type FeedbackPlan,
} from '../domain/feedback-goals';
import type { CriterionPlan, ItemSpec, PhaseSpec, PlanSpec, WaveSpec } from '../domain/plan';
import { defaultReadinessFor, defaultWaveChecklist, readinessEntry, readinessFromForm } from '../domain/plan';
import type { PhaseKey } from '../domain/phases';
import type { Rollout, TimeFrame } from '../domain/rollout';
import { defaultReadinessPlan, type ReadinessPlan, type SignoffPolicy } from '../domain/signoff';
import { CHECKLISTS } from '../domain/templates';
import {
  boundsText,
  FEEDBACK_GOAL_BOUNDS,
  FEEDBACK_GOAL_KEYS,
  QUORUM_BOUNDS,
  SIGNOFF_POLICIES,
} from '../plan/plan-file-rules';
import type { PhaseField, SettingsField, WaveField } from './card-data';

/**
 * Converts between a plan section and its Adaptive Card form: the values a form opens with, and
 * the plan a submitted form asks for. Structural rules (lengths, formats, enums) are checked
 * afterwards by the plan file's schema, the same rules as for imports.
 */
export type FieldErrors<F extends string> = Partial<Record<F, string>>;
export type Values<F extends string> = Record<F, string>;

/** The value of a ChoiceSet's "(not set)" choice (a choice value cannot be empty). */
export const NOT_SET = 'none';
const choice = (value: string): string | null => (value && value !== NOT_SET ? value : null);

const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

const splitDateTime = (value: string | null): [string, string] => {
  if (!value) return ['', ''];
  const [date = '', time = ''] = value.split('T');
  return [date, time];
};

const joinDateTime = (date: string, time: string): string | null | undefined => {
  if (!date.trim()) return time.trim() ? undefined : null;
  return time.trim() ? `${date.trim()}T${time.trim()}` : date.trim();
};

export const slug = (text: string): string =>
  text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 32) || 'item';

/** A slug not in `taken`, with a numeric suffix when needed. */
export const uniqueId = (base: string, taken: ReadonlySet<string>): string => {
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base.slice(0, 36)}-${n}`;
  return id;
};

const timeFrameValues = (frame: TimeFrame) => {
  const [startDate, startTime] = splitDateTime(frame.start);
  const [endDate, endTime] = splitDateTime(frame.end);
  return { startDate, startTime, endDate, endTime };
};

const timeFrameFrom = (
  v: { startDate: string; startTime: string; endDate: string; endTime: string },
  errors: FieldErrors<'startDate' | 'endDate'>,
): TimeFrame => {
  const start = joinDateTime(v.startDate, v.startTime);
  const end = joinDateTime(v.endDate, v.endTime);
  if (start === undefined) errors.startDate = 'A start time needs a start date.';
  if (end === undefined) errors.endDate = 'An end time needs an end date.';
  return { start: start ?? null, end: end ?? null };
};

// ---- feedback (phase and wave forms alike) ----

/** The form fields of a stage's feedback: whether it takes feedback, and each goal. */
export type FeedbackField = 'feedbackEnabled' | keyof FeedbackGoals;

/** The Input.Toggle's value when on (its valueOn); anything else is off. */
export const TOGGLE_ON = 'true';
const TOGGLE_OFF = 'false';

/**
 * A stage's feedback as its form shows it. A stage that takes none shows the default goals, so
 * switching feedback on starts from them; an empty goal means no such goal.
 */
export const feedbackValues = (plan: FeedbackPlan | null): Values<FeedbackField> => {
  const goals = plan?.goals ?? DEFAULT_FEEDBACK_GOALS;
  const text = (n: number | null): string => (n === null ? '' : String(n));
  return {
    feedbackEnabled: plan ? TOGGLE_ON : TOGGLE_OFF,
    minResponses: text(goals.minResponses),
    minResponsePercent: text(goals.minResponsePercent),
    minAverageRating: text(goals.minAverageRating),
    minInstallSuccess: text(goals.minInstallSuccess),
    maxOpenBlockers: text(goals.maxOpenBlockers),
  };
};

/** One goal typed in a form: empty is no such goal; otherwise a number in the goal's range. */
const goalFrom = (
  text: string,
  key: keyof FeedbackGoals,
  errors: FieldErrors<FeedbackField>,
): number | null => {
  const t = text.trim();
  if (!t) return null;
  const bounds = FEEDBACK_GOAL_BOUNDS[key];
  const n = Number(t);
  if (!Number.isFinite(n) || (bounds.whole && !Number.isInteger(n)) || n < bounds.min || n > bounds.max) {
    errors[key] = `Must be ${boundsText(bounds)}, or empty for no such goal.`;
    return null;
  }
  return n;
};

/** The feedback a form asks for: none when switched off (its goals then ignored), else its goals. */
export const feedbackFrom = (
  v: Values<FeedbackField>,
  errors: FieldErrors<FeedbackField>,
): FeedbackPlan | null => {
  if (v.feedbackEnabled.trim().toLowerCase() !== TOGGLE_ON) return null;
  return {
    goals: {
      minResponses: goalFrom(v.minResponses, 'minResponses', errors),
      minResponsePercent: goalFrom(v.minResponsePercent, 'minResponsePercent', errors),
      minAverageRating: goalFrom(v.minAverageRating, 'minAverageRating', errors),
      minInstallSuccess: goalFrom(v.minInstallSuccess, 'minInstallSuccess', errors),
      maxOpenBlockers: goalFrom(v.maxOpenBlockers, 'maxOpenBlockers', errors),
    },
  };
};

// ---- help-desk sign-off to enter (phase and wave forms alike) ----

/** The form fields of a stage's readiness sign-off. */
export type SignoffField =
  | 'signoffEnabled'
  | 'signoffPolicy'
  | 'signoffQuorum'
  | 'signoffAllowNotReady'
  | 'signoffMembers'
  | 'signoffDeadlineDate'
  | 'signoffDeadlineTime';

/**
 * A stage's readiness sign-off as its form shows it. A stage that needs none shows the default
 * settings, so switching it on starts from them; members one per line; the quorum only with
 * policy quorum.
 */
export const signoffValues = (plan: ReadinessPlan | null): Values<SignoffField> => {
  const shown = plan ?? defaultReadinessPlan();
  const [date, time] = splitDateTime(shown.deadline);
  return {
    signoffEnabled: plan ? TOGGLE_ON : TOGGLE_OFF,
    signoffPolicy: shown.policy.kind,
    signoffQuorum: shown.policy.kind === 'quorum' ? String(shown.policy.n) : '',
    signoffAllowNotReady: shown.allowNotReady ? TOGGLE_ON : TOGGLE_OFF,
    signoffMembers: shown.members.join('\n'),
    signoffDeadlineDate: date,
    signoffDeadlineTime: time,
  };
};

const isToggleOn = (value: string): boolean => value.trim().toLowerCase() === TOGGLE_ON;

/**
 * The readiness sign-off a form asks for: none when switched off (its settings then ignored), else
 * its policy (the quorum and "not ready allowed" read with policy quorum only), members (one per
 * line, or separated by commas; kept in lower case) and deadline (a date and a time, or neither).
 * Member ids and the deadline's date are checked afterwards by the plan's rules.
 */
export const signoffFrom = (
  v: Values<SignoffField>,
  errors: FieldErrors<SignoffField>,
): ReadinessPlan | null => {
  if (!isToggleOn(v.signoffEnabled)) return null;
  const kind = SIGNOFF_POLICIES.find((p) => p === v.signoffPolicy.trim());
  if (!kind) errors.signoffPolicy = `Choose ${SIGNOFF_POLICIES.join(', ')}.`;
  let policy: SignoffPolicy = { kind: kind === 'first' ? 'first' : 'everyone' };
  if (kind === 'quorum') {
    const t = v.signoffQuorum.trim();
    const n = Number(t);
    const { min, max } = QUORUM_BOUNDS;
    if (!t || !Number.isInteger(n) || n < min || n > max) {
      errors.signoffQuorum = `With policy quorum, say how many Ready answers are needed: ${boundsText(QUORUM_BOUNDS)}.`;
    }
    policy = { kind: 'quorum', n: Number.isInteger(n) && n >= min && n <= max ? n : min };
  }
  const date = v.signoffDeadlineDate.trim();
  const time = v.signoffDeadlineTime.trim();
  if (date && !time) errors.signoffDeadlineTime = 'A deadline needs a time of day.';
  if (time && !date) errors.signoffDeadlineDate = 'A deadline time needs a date.';
  return {
    policy,
    allowNotReady: kind === 'quorum' && isToggleOn(v.signoffAllowNotReady),
    members: v.signoffMembers
      .split(/[\s,;]+/)
      .map((m) => m.trim().toLowerCase())
      .filter(Boolean),
    deadline: date && time ? `${date}T${time}` : null,
  };
};

// ---- settings ----

export const settingsValues = (rollout: Rollout): Values<SettingsField> => ({
  name: rollout.name,
  timeZone: rollout.timeZone,
  appName: rollout.app.name,
  intuneAppId: rollout.app.intuneAppId ?? '',
  platforms: rollout.app.platforms.join(','),
  businessPurpose: rollout.businessPurpose,
});

export const settingsFrom = (plan: PlanSpec, v: Values<SettingsField>): PlanSpec => ({
  ...plan,
  name: v.name.trim(),
  timeZone: v.timeZone.trim(),
  app: {
    name: v.appName.trim(),
    intuneAppId: v.intuneAppId.trim() || null,
    platforms: v.platforms.split(',').filter(Boolean) as PlanSpec['app']['platforms'],
  },
  businessPurpose: v.businessPurpose.trim(),
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
    members: v.members
      .split(/[\s,;]+/)
      .map((m) => m.trim().toLowerCase())
      .filter(Boolean),
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

/** Maps a plan-file validation path to the form field that shows its error. */
export const fieldForPath = (path: readonly PropertyKey[]): string | null => {
  const p = path.map(String);
  const settings: Record<string, string> = {
    name: 'name',
    timeZone: 'timeZone',
    businessPurpose: 'businessPurpose',
    'app.name': 'appName',
    'app.intuneAppId': 'intuneAppId',
    'app.platforms': 'platforms',
  };
  if (p[0] !== 'phases') return settings[p.slice(0, 2).join('.')] ?? settings[p[0] ?? ''] ?? null;
  const rest = p[2] === 'waves' ? p.slice(4) : p.slice(2);
  const [head, sub] = rest;
  if (head === 'timeFrame') return sub === 'start' ? 'startDate' : 'endDate';
  if (head === 'criteria') return 'goals';
  if (head === 'checklist') return 'extraItems';
  if (head === 'communication') return sub ?? null;
  if (head === 'feedback') {
    // `feedback.minResponses` in a file's form, `feedback.goals.minResponses` in the plan's own.
    const goal = sub === 'goals' ? rest[2] : sub;
    return FEEDBACK_GOAL_KEYS.find((k) => k === goal) ?? 'feedbackEnabled';
  }
  if (head === 'readiness' || head === 'signoff') {
    // `readiness.policy.n` in the plan's own form, `signoff.quorum` in a file's.
    const fields: Record<string, SignoffField> = {
      policy: rest[2] === 'n' ? 'signoffQuorum' : 'signoffPolicy',
      quorum: 'signoffQuorum',
      allowNotReady: 'signoffAllowNotReady',
      members: 'signoffMembers',
      deadline: 'signoffDeadlineDate',
    };
    return fields[sub ?? ''] ?? 'signoffEnabled';
  }
  return head ?? null;
};
