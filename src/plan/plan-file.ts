/**
 * A plan FILE: the editable plan of a rollout (`PlanSpec`) plus a version, as written by
 * `plan export` and read by `plan import` and `npm run plan -- apply`. Optional fields may be
 * left out and get their defaults; `toPlanFile` writes every field so export → import is lossless
 * (a stage's `feedback` too: `false` or its goals, the file's form of the plan's feedback; and its
 * `signoff`, the file's form of the plan's `readiness`: `false` or every setting, and left out for a
 * stage that has none of its own, which gets the default for its place, as when it is read back;
 * its `audience`, `intent` and `announce`, its `nudges`, `gotItReminder` and `autoAdvance`, and the
 * rollout's `schedule`, only when not empty and not the default, so files before them stay as they
 * were).
 * The same rules check the plan cards' edit forms. Its parts: `plan-file-rules.ts` (the limits and
 * the rules the README lists), `plan-file-fields.ts` (the kinds of value, with their messages) and
 * `plan-file-schema.ts` (the file's shape, `planFileSchema`), `plan-file-feedback-signoff.ts` (the
 * per-stage `feedback` and `signoff` settings); here, the file to and from a plan.
 */
import type { AudienceSpec } from '../domain/audience';
import { defaultFeedbackPlan, type FeedbackPlan } from '../domain/feedback-goals';
import {
  announceEntry,
  audienceEntry,
  planOf,
  scheduleEntry,
  stageScheduleEntry,
  type CriterionPlan,
  type PlanSpec,
  type StageSpec,
  type WaveSpec,
} from '../domain/plan';
import {
  copyReadinessPlan,
  defaultFeedbackFor,
  feedbackGoalsOf,
  readinessEntry,
} from '../domain/plan-feedback-readiness';
import { PHASE_KEYS, type PhaseKey } from '../domain/phases';
import type { Rollout } from '../domain/rollout';
import { defaultReadinessPlan, type ReadinessPlan } from '../domain/signoff';
import type { PlanFileAudience } from './plan-file-audience';
import { deadlineOf } from './plan-file-fields';
import { PLAN_FILE_VERSION } from './plan-file-rules';
import type { PlanFileFeedback, PlanFileReadiness, PlanFileSignoff } from './plan-file-feedback-signoff';
import { fileSchedule, scheduleFrom } from './plan-file-schedule';
import type { PlanFile } from './plan-file-schema';

/** A stage's feedback as a file writes it: `false`, or every goal (null: no such goal). */
const fileFeedback = (plan: FeedbackPlan | null): PlanFileFeedback =>
  plan ? feedbackGoalsOf(plan.goals) : false;

/**
 * A stage's readiness sign-off as a file writes it: `false`, or every setting (`quorum` and
 * `allowNotReady` with policy quorum only).
 */
const fileSignoff = (plan: ReadinessPlan | null): PlanFileSignoff => {
  if (!plan) return false;
  const { policy } = plan;
  return {
    policy: policy.kind,
    ...(policy.kind === 'quorum' ? { quorum: policy.n, allowNotReady: plan.allowNotReady } : {}),
    members: [...plan.members],
    ...(plan.groups?.length ? { groups: [...plan.groups] } : {}),
    deadline: plan.deadline,
  };
};

/** A stage's audience as a file writes it: every key, the filters among the others. */
const fileAudience = ({ filters, ...audience }: AudienceSpec): PlanFileAudience => ({
  groups: [...audience.groups],
  members: [...audience.members],
  departments: [...filters.departments],
  countries: [...filters.countries],
  offices: [...filters.offices],
  platforms: [...filters.platforms],
  includeGuests: audience.includeGuests,
  includeDisabled: audience.includeDisabled,
});

/**
 * A stage as a file writes it: `feedback`, `signoff` (for `readiness`) and `audience` in the file's
 * forms, in place; `signoff` left out when the stage has no readiness of its own (the default for
 * its place); `audience` and `intent` as the plan has them (only when not empty, not the default).
 */
type FileStage<S extends StageSpec> = Omit<S, 'feedback' | 'readiness' | 'audience'> & {
  feedback: PlanFileFeedback;
  signoff?: PlanFileSignoff;
  audience?: PlanFileAudience;
};
const fileStage = <S extends StageSpec>(stage: S): FileStage<S> =>
  Object.fromEntries(
    Object.entries(stage).flatMap(([key, value]) => {
      if (key === 'feedback') return [[key, fileFeedback(stage.feedback)]];
      if (key === 'readiness')
        return stage.readiness === undefined ? [] : [['signoff', fileSignoff(stage.readiness)]];
      if (key === 'audience' && stage.audience) return [[key, fileAudience(stage.audience)]];
      return [[key, value]];
    }),
  ) as FileStage<S>;

/** A plan as a file: every field written, in a stable order (that of `planOf`). */
export const planFileOf = (spec: PlanSpec): PlanFile => ({
  version: PLAN_FILE_VERSION,
  ...spec,
  // In place (after businessPurpose), in the file's form; absent (the defaults): left out.
  ...(spec.schedule ? { schedule: fileSchedule(spec.schedule) } : {}),
  phases: Object.fromEntries(
    PHASE_KEYS.map((key) => {
      const p = spec.phases[key];
      return [key, { ...fileStage(p), waves: p.waves.map(fileStage) }];
    }),
  ) as PlanFile['phases'],
});

/** The rollout's plan as a file: every field written, in a stable order. */
export const toPlanFile = (rollout: Rollout): PlanFile => planFileOf(planOf(rollout));

/**
 * The feedback a file asks for: left out, the stage's default; `false` (or null) none; `true` the
 * default goals; a mapping of goals (already defaulted), those.
 */
const feedbackFrom = (value: PlanFileFeedback, stageId: string): FeedbackPlan | null => {
  if (value === undefined) return defaultFeedbackFor(stageId);
  if (value === false || value === null) return null;
  if (value === true) return defaultFeedbackPlan();
  return { goals: feedbackGoalsOf('goals' in value ? value.goals : value) };
};

/**
 * The readiness sign-off a file asks for: left out, none of the stage's own (undefined: the default
 * for its place, wherever the stage goes); `false` (or null) none; `true` everyone, no deadline
 * (explicit: a stage whose default is none needs it too); a mapping (already defaulted), as it
 * says. Member ids are kept in lower case (Teams gives them so); a deadline in the plan's form,
 * `YYYY-MM-DDTHH:mm`.
 */
const readinessFrom = (stage: {
  signoff?: PlanFileSignoff;
  readiness?: PlanFileReadiness;
}): ReadinessPlan | null | undefined => {
  const { signoff, readiness } = stage;
  if (readiness !== undefined) {
    return readiness && normalised(copyReadinessPlan(readiness as ReadinessPlan));
  }
  if (signoff === undefined) return undefined;
  if (signoff === false || signoff === null) return null;
  if (signoff === true) return defaultReadinessPlan();
  return normalised({
    policy:
      signoff.policy === 'quorum' ? { kind: 'quorum', n: signoff.quorum ?? 1 } : { kind: signoff.policy },
    allowNotReady: signoff.policy === 'quorum' && (signoff.allowNotReady ?? false),
    members: signoff.members,
    ...(signoff.groups ? { groups: signoff.groups } : {}),
    deadline: signoff.deadline,
  });
};

const lowerCase = (ids: readonly string[]): string[] => ids.map((id) => id.toLowerCase());

const normalised = (plan: ReadinessPlan | null): ReadinessPlan | null =>
  copyReadinessPlan(
    plan && {
      ...plan,
      members: lowerCase(plan.members),
      ...(plan.groups ? { groups: lowerCase(plan.groups) } : {}),
      deadline: plan.deadline === null ? null : deadlineOf(plan.deadline),
    },
  );

/**
 * The audience a file asks for (undefined: left out), in the plan's form: ids in lower case,
 * country codes in upper case, names trimmed; the filters the file writes among the other keys (or
 * the plan model's own `filters`).
 */
const audienceFrom = (a: PlanFileAudience): AudienceSpec | undefined => {
  if (!a) return undefined;
  const filters = a.filters ?? a;
  return {
    groups: lowerCase(a.groups),
    members: lowerCase(a.members),
    filters: {
      departments: (filters.departments ?? []).map((d) => d.trim()),
      countries: (filters.countries ?? []).map((c) => c.toUpperCase()),
      offices: (filters.offices ?? []).map((o) => o.trim()),
      platforms: [...(filters.platforms ?? [])],
    },
    includeGuests: a.includeGuests,
    includeDisabled: a.includeDisabled,
  };
};

type FileWave = PlanFile['phases'][PhaseKey]['waves'][number];

const waveSpecFrom = (key: PhaseKey, w: FileWave): WaveSpec => ({
  id: w.id,
  name: w.name,
  kind: w.kind,
  enrollment: w.enrollment,
  groupId: w.groupId,
  members: [...w.members],
  timeFrame: { start: w.timeFrame.start, end: w.timeFrame.end },
  targetGroups: [...w.targetGroups],
  checklist: w.checklist.map(({ id, text }) => ({ id, text })),
  criteria: w.criteria.map(criterionFrom),
  feedback: feedbackFrom(w.feedback, `${key}/${w.id}`),
  ...readinessEntry(readinessFrom(w)),
  ...audienceEntry(audienceFrom(w.audience), w.intent),
  ...announceEntry(w.announce),
  ...stageScheduleEntry(w),
  willingness: w.willingness,
  users: w.users,
  devices: w.devices,
  platforms: [...w.platforms],
  requirements: w.requirements,
  geography: w.geography,
  businessRisk: w.businessRisk,
});

const criterionFrom = (c: CriterionPlan): CriterionPlan =>
  c.kind === 'manual' ? { id: c.id, kind: 'manual', goal: c.goal } : { id: c.id, kind: c.kind };

/**
 * The plan a (validated) file asks for. Keys come in the same order as `planOf` writes them:
 * the domain compares plans as JSON, so an unchanged passed phase must serialise identically.
 */
export const fromPlanFile = (file: PlanFile): PlanSpec => ({
  name: file.name,
  timeZone: file.timeZone,
  app: { name: file.app.name, intuneAppId: file.app.intuneAppId, platforms: [...file.app.platforms] },
  businessPurpose: file.businessPurpose,
  ...scheduleEntry(scheduleFrom(file.schedule)),
  phases: Object.fromEntries(
    PHASE_KEYS.map((key) => {
      const p = file.phases[key];
      return [
        key,
        {
          timeFrame: { start: p.timeFrame.start, end: p.timeFrame.end },
          targetGroups: [...p.targetGroups],
          checklist: p.checklist.map(({ id, text }) => ({ id, text })),
          criteria: p.criteria.map(criterionFrom),
          feedback: feedbackFrom(p.feedback, key),
          ...readinessEntry(readinessFrom(p)),
          ...audienceEntry(audienceFrom(p.audience), p.intent),
          ...announceEntry(p.announce),
          ...stageScheduleEntry(p),
          communication: {
            whatIsDeployed: p.communication.whatIsDeployed,
            howAndWhen: p.communication.howAndWhen,
            businessPurpose: p.communication.businessPurpose,
            selfHelpUrl: p.communication.selfHelpUrl,
            helpDeskContact: p.communication.helpDeskContact,
          },
          waves: p.waves.map((w) => waveSpecFrom(key, w)),
        },
      ];
    }),
  ) as PlanSpec['phases'],
});
