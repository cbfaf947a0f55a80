/**
 * The shape of a plan file as a zod schema: settings, and per phase its time frame, target groups,
 * checklist, criteria, feedback, help-desk sign-off, communication and waves, with their defaults. It checks the file's
 * rules (`PLAN_FILE_RULES`) and is the source of `schema/plan.schema.json`.
 */
import { z } from 'zod';
import { DEFAULT_FEEDBACK_GOALS, type FeedbackGoals } from '../domain/feedback-goals';
import { defaultWaveChecklist, type CriterionPlan } from '../domain/plan';
import { PHASE_KEYS, type PhaseKey } from '../domain/phases';
import { ENROLLMENT_APPROACHES, WAVE_KINDS, type TimeFrame } from '../domain/rollout';
import { emptyCommunication } from '../domain/templates';
import { compareLocal, isLocalDateTime, isTimeZone } from '../domain/time';
import {
  bounded,
  count,
  guid,
  localDeadline,
  httpsUrlOrEmpty,
  label,
  level,
  localDateTime,
  noDuplicates,
  oneOf,
  platforms,
  shown,
  slug,
  strict,
  text,
  typeError,
} from './plan-file-fields';
import {
  FEEDBACK_GOAL_BOUNDS,
  PLAN_FILE_VERSION,
  PLAN_LIMITS,
  QUORUM_BOUNDS,
  SIGNOFF_POLICIES,
} from './plan-file-rules';

const emptyTimeFrame = (): TimeFrame => ({ start: null, end: null });

const timeFrame = strict({
  start: localDateTime.nullable().default(null).describe('Start: YYYY-MM-DD or YYYY-MM-DDTHH:mm, or null.'),
  end: localDateTime.nullable().default(null).describe('End: YYYY-MM-DD or YYYY-MM-DDTHH:mm, or null.'),
})
  .superRefine((frame, ctx) => {
    const { start, end } = frame;
    // Only when both are valid: a malformed one has its own error.
    if (start === null || end === null || !isLocalDateTime(start) || !isLocalDateTime(end)) return;
    if (compareLocal(end, start) < 0) {
      ctx.addIssue({
        code: 'custom',
        message: `must not be before the start (${start})`,
        path: ['end'],
        input: end,
      });
    }
  })
  .meta({ id: 'TimeFrame', description: "Dates (and times) in the plan's time zone." })
  .default(emptyTimeFrame);

const targetGroups = z
  .array(label(PLAN_LIMITS.targetGroup), { error: typeError('a list of target groups') })
  .max(PLAN_LIMITS.targetGroups, `must have at most ${PLAN_LIMITS.targetGroups} entries`)
  .default(() => []);

const checklistItem = strict({
  id: slug('checklist item'),
  text: label(PLAN_LIMITS.checklistText),
}).meta({ id: 'ChecklistItem' });

const checklist = z
  .array(checklistItem, { error: typeError('a list of checklist items (id, text)') })
  .max(PLAN_LIMITS.checklistItems, `must have at most ${PLAN_LIMITS.checklistItems} items`)
  .superRefine(noDuplicates<{ id: string }>('checklist item id', (item) => item.id, 'id'));

const criterion = z
  .discriminatedUnion(
    'kind',
    [
      strict({ id: slug('criterion'), kind: z.literal('checklist-complete') }),
      strict({ id: slug('criterion'), kind: z.literal('manual'), goal: label(PLAN_LIMITS.goal) }),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `must be checklist-complete or manual (got ${shown(issue.input)})`
          : typeError('a criterion (id, kind, and goal for manual)')(issue),
    },
  )
  .meta({ id: 'Criterion' });

const defaultCriteria = (): CriterionPlan[] => [{ id: 'checklist', kind: 'checklist-complete' }];

const criteria = z
  .array(criterion, { error: typeError('a list of criteria') })
  .superRefine(noDuplicates<CriterionPlan>('criterion id', (c) => c.id, 'id'))
  .superRefine((items, ctx) => {
    items.forEach((item, index) => {
      if (item.kind === 'checklist-complete' && items.findIndex((c) => c.kind === item.kind) < index) {
        ctx.addIssue({
          code: 'custom',
          message: 'only one checklist-complete criterion per phase or wave',
          path: [index, 'kind'],
          input: item.kind,
        });
      }
    });
  })
  .default(defaultCriteria)
  .describe('Exit criteria; leave out for "checklist complete".');

const goal = (key: keyof FeedbackGoals, description: string) =>
  bounded(FEEDBACK_GOAL_BOUNDS[key])
    .nullable()
    .default(DEFAULT_FEEDBACK_GOALS[key])
    .describe(`${description}; null: no such goal.`);

/** A stage's feedback goals as a file writes them: each one left out gets its default. */
export const feedbackGoals = strict({
  minResponses: goal('minResponses', 'Responses needed (met by this count or by minResponsePercent)'),
  minResponsePercent: goal('minResponsePercent', 'Responses needed, as a % of the audience'),
  minAverageRating: goal('minAverageRating', 'Lowest average rating, 1 to 5'),
  minInstallSuccess: goal('minInstallSuccess', '% of answers saying it installed and worked'),
  maxOpenBlockers: goal('maxOpenBlockers', 'Most blockers still open'),
}).meta({
  id: 'FeedbackGoals',
  description: 'The exit criteria the feedback of the phase or wave must meet.',
});

/**
 * The plan model's own form of a feedback plan, `{ goals }`: the edit forms check the plan they
 * build with this schema. Files write the goals directly; it is left out of the JSON Schema.
 */
export const FEEDBACK_PLAN_MODEL_ID = 'FeedbackPlanModel';
const feedbackPlanModel = strict({ goals: feedbackGoals }).meta({ id: FEEDBACK_PLAN_MODEL_ID });

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/**
 * `false` (or null): the stage takes no feedback; `true`: it does, with the default goals; a
 * mapping: it does, with these goals. Left out, the stage gets its default (`fromPlanFile`).
 */
const feedback = z
  .union([z.boolean(), z.null(), feedbackGoals, feedbackPlanModel], {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      // A mapping with a wrong value: name the goal (plan-yaml reports it on the goal's own line).
      const mapping = record(issue.input);
      const meant = mapping && Object.keys(mapping).join() === 'goals' ? feedbackPlanModel : feedbackGoals;
      const first = mapping ? meant.safeParse(mapping).error?.issues[0] : undefined;
      if (first)
        return first.path.length ? `${first.path.map(String).join('.')}: ${first.message}` : first.message;
      return `must be false (no feedback), true (the default goals) or a mapping of feedback goals (got ${shown(issue.input)})`;
    },
  })
  .optional()
  .describe(
    'Whether the phase or wave takes pilot feedback: false (or null) for none, true for the default goals, or its goals. Left out: the pilot phase and every wave take feedback with the default goals, other phases none.',
  );

const signoffMembers = z
  .array(guid('an Entra object id (a GUID)'), { error: typeError('a list of Entra object ids') })
  .max(PLAN_LIMITS.signoffMembers, `must have at most ${PLAN_LIMITS.signoffMembers} members`)
  .superRefine(noDuplicates<string>('member', (id) => id.toLowerCase()));

const quorum = bounded(QUORUM_BOUNDS);

/** The sign-off settings' rules across keys: `quorum` and `allowNotReady` go with policy quorum. */
const quorumRules = (value: unknown, ctx: z.RefinementCtx<unknown>): void => {
  const settings = record(value);
  const policy = settings?.policy ?? 'everyone';
  if (!settings || !SIGNOFF_POLICIES.some((p) => p === policy)) return;
  if (policy === 'quorum') {
    if (settings.quorum === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: 'is required with policy quorum: how many Ready answers are needed',
        path: ['quorum'],
        input: undefined,
      });
    }
    return;
  }
  for (const key of ['quorum', 'allowNotReady']) {
    if (settings[key] === undefined) continue;
    ctx.addIssue({
      code: 'custom',
      message: `only goes with policy quorum (the policy is ${String(policy)})`,
      path: [key],
      input: settings[key],
    });
  }
};

/** A stage's sign-off settings as a file writes them: each key left out gets its default. */
const signoffSettings = strict({
  policy: oneOf(SIGNOFF_POLICIES)
    .default('everyone')
    .describe(
      'everyone: every member answers Ready; quorum: at least `quorum` answer Ready (and none Not ready, unless allowNotReady); first: the first answer decides.',
    ),
  quorum: quorum.optional().describe('How many Ready answers are needed; only with policy quorum.'),
  allowNotReady: z
    .boolean({ error: typeError('true or false') })
    .optional()
    .describe('Not ready answers are shown but do not block; only with policy quorum. Default false.'),
  members: signoffMembers
    .default(() => [])
    .describe('Entra object ids of the help-desk members who answer; left out or empty: ROLLOUT_HELPDESK.'),
  deadline: localDeadline
    .nullable()
    .default(null)
    .describe(
      "Answers are taken until then: YYYY-MM-DD HH:mm in the plan's time zone, or null (no deadline).",
    ),
})
  .superRefine(quorumRules, { when: () => true })
  .meta({
    id: 'Signoff',
    description: 'How the help desk signs off its readiness for the stage to be entered.',
  });

/**
 * The plan model's own form of a stage's sign-off settings (`readiness`: `{ policy: { kind, n },
 * allowNotReady, members, deadline }`): the edit forms check the plan they build with this schema.
 * Files write `signoff`; it is left out of the JSON Schema and of the keys an error names.
 */
export const READINESS_MODEL_ID = 'ReadinessPlanModel';
const readinessModel = strict({
  policy: z.discriminatedUnion(
    'kind',
    [
      strict({ kind: z.literal('everyone') }),
      strict({ kind: z.literal('quorum'), n: quorum }),
      strict({ kind: z.literal('first') }),
    ],
    {
      error: (issue) =>
        issue.code === 'invalid_union'
          ? `must be one of ${SIGNOFF_POLICIES.join(', ')} (got ${shown(record(issue.input)?.kind ?? issue.input)})`
          : typeError('a sign-off policy (kind, and n for quorum)')(issue),
    },
  ),
  allowNotReady: z.boolean({ error: typeError('true or false') }),
  members: signoffMembers,
  deadline: localDeadline.nullable(),
})
  .superRefine((plan, ctx) => {
    if (plan.allowNotReady && plan.policy.kind !== 'quorum') {
      ctx.addIssue({
        code: 'custom',
        message: `only goes with policy quorum (the policy is ${plan.policy.kind})`,
        path: ['allowNotReady'],
        input: true,
      });
    }
  })
  .meta({ id: READINESS_MODEL_ID });

/**
 * `false` (or null): entering the stage needs no sign-off; `true`: it does, from everyone, with no
 * deadline (explicitly, wherever the stage goes); a mapping: it does, as it says. Left out, the
 * stage has no setting of its own and gets the default for its place (`readinessPlanOf`), which
 * moves with the place when waves move; an export leaves it out for such a stage.
 */
const signoff = z
  .union([z.boolean(), z.null(), signoffSettings], {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      // A mapping with a wrong value: name the key (plan-yaml reports it on the key's own line).
      const mapping = record(issue.input);
      const first = mapping ? signoffSettings.safeParse(mapping).error?.issues[0] : undefined;
      if (first)
        return first.path.length ? `${first.path.map(String).join('.')}: ${first.message}` : first.message;
      return `must be false (no sign-off), true (everyone, no deadline) or a mapping of sign-off settings (got ${shown(issue.input)})`;
    },
  })
  .optional()
  .describe(
    "Whether entering the phase or wave needs the help desk's readiness sign-off: false (or null) for none, true for everyone with no deadline, or its settings. Left out: the default for the stage's place, which stays with the place when waves move or are removed — entering the pilot and the enterprise rollout (their first wave when they have waves) and each enterprise wave needs it, other stages not; an export leaves it out for such a stage. A phase with waves is entered at its first wave: that wave's applies.",
  );

/** The plan model's form (`readiness`), taken where the file's (`signoff`) is; never both. */
const readiness = readinessModel.nullable().optional();

const notBoth = (stage: unknown, ctx: z.RefinementCtx<unknown>): void => {
  const s = record(stage);
  if (s && s.signoff !== undefined && s.readiness !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: "give signoff or readiness (the plan model's form of it), not both",
      path: ['readiness'],
      input: s.readiness,
    });
  }
};

const communication = strict({
  whatIsDeployed: text(PLAN_LIMITS.longText).default(''),
  howAndWhen: text(PLAN_LIMITS.longText).default(''),
  businessPurpose: text(PLAN_LIMITS.longText).default(''),
  selfHelpUrl: httpsUrlOrEmpty.default(''),
  helpDeskContact: text(PLAN_LIMITS.longText).default(''),
})
  .meta({
    id: 'Communication',
    description: 'What users are told: what is deployed, how and when, why, where to get help.',
  })
  .default(emptyCommunication);

const wave = strict(
  {
    id: slug('wave'),
    name: label(PLAN_LIMITS.waveName),
    kind: oneOf(WAVE_KINDS).default('custom'),
    enrollment: oneOf(ENROLLMENT_APPROACHES).nullable().default(null),
    groupId: guid('an Entra group id (a GUID)').nullable().default(null),
    members: z
      .array(guid('an Entra object id (a GUID)'), { error: typeError('a list of Entra object ids') })
      .max(PLAN_LIMITS.members, `must have at most ${PLAN_LIMITS.members} members`)
      .superRefine(noDuplicates<string>('member', (id) => id.toLowerCase()))
      .default(() => []),
    timeFrame,
    targetGroups,
    checklist: checklist.default(defaultWaveChecklist).describe('Leave out for the default wave checklist.'),
    criteria,
    feedback,
    signoff,
    readiness,
    willingness: level,
    users: count,
    devices: count,
    platforms,
    requirements: text(PLAN_LIMITS.longText).default(''),
    geography: text(PLAN_LIMITS.geography).default(''),
    businessRisk: level,
  },
  undefined,
  ['readiness'],
)
  .superRefine(notBoth)
  .meta({ id: 'Wave', description: 'A wave (or stage) of a phase; it has its own checklist and gate.' });

const phase = strict(
  {
    timeFrame,
    targetGroups,
    checklist: checklist.default(() => []),
    criteria,
    feedback,
    signoff,
    readiness,
    communication,
    waves: z
      .array(wave, { error: typeError('a list of waves') })
      .max(PLAN_LIMITS.wavesPerPhase, `must have at most ${PLAN_LIMITS.wavesPerPhase} waves`)
      .default(() => []),
  },
  undefined,
  ['readiness'],
)
  .superRefine(notBoth)
  .meta({ id: 'Phase' });

const phases = strict({
  scope: phase,
  poc: phase,
  pilot: phase,
  enterprise: phase,
  operations: phase,
} satisfies Record<PhaseKey, typeof phase>);

/** Wave ids are unique across the whole plan (checked even when other parts have errors). */
const uniqueWaveIds = (file: unknown, ctx: z.RefinementCtx<unknown>): void => {
  const seen = new Map<string, string>();
  for (const key of PHASE_KEYS) {
    const waves = record(record(record(file)?.phases)?.[key])?.waves;
    if (!Array.isArray(waves)) continue;
    waves.forEach((w: unknown, index) => {
      const id = record(w)?.id;
      if (typeof id !== 'string') return;
      const where = `phases.${key}.waves[${index}]`;
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, where);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        message: `duplicate wave id "${id}" (also at ${first}); wave ids must be unique in the plan`,
        path: ['phases', key, 'waves', index, 'id'],
        input: id,
      });
    });
  }
};

export const planFileSchema = strict({
  version: z
    .literal(PLAN_FILE_VERSION, {
      error: (issue) =>
        issue.input === undefined
          ? 'is required (version: 1)'
          : `must be ${PLAN_FILE_VERSION}, the only plan file version (got ${shown(issue.input)})`,
    })
    .describe('The plan file format: 1.'),
  name: z
    .string({ error: typeError('text') })
    .trim()
    .min(1, 'must not be empty')
    .max(PLAN_LIMITS.name, {
      error: (issue) =>
        `must be at most ${PLAN_LIMITS.name} characters (has ${String(issue.input).trim().length})`,
    })
    .describe("The rollout's name."),
  timeZone: z
    .string({ error: typeError('an IANA time zone') })
    .refine(isTimeZone, {
      error: (issue) =>
        `must be an IANA time zone such as Europe/Berlin, America/New_York or UTC (got ${shown(issue.input)})`,
    })
    .describe("IANA time zone of the plan's dates and times, e.g. Europe/Berlin."),
  app: strict({
    name: text(PLAN_LIMITS.appName).default(''),
    intuneAppId: guid('the Intune app id (a GUID)').nullable().default(null),
    platforms,
  }).default(() => ({ name: '', intuneAppId: null, platforms: [] })),
  businessPurpose: text(PLAN_LIMITS.longText).default(''),
  phases,
})
  .superRefine(uniqueWaveIds, { when: () => true })
  .meta({
    title: 'Rollout Coordinator plan file',
    description:
      'The editable plan of a rollout: settings, and per phase its time frame, target groups, checklist, exit criteria, feedback goals, help-desk sign-off, communication plan and waves. Checklist ticks and goals marked met are not part of it.',
  });

export type PlanFile = z.infer<typeof planFileSchema>;
/** The `feedback` of a phase or wave in a file, as read (undefined: left out). */
export type PlanFileFeedback = z.infer<typeof feedback>;
/** The `signoff` of a phase or wave in a file, as read (undefined: left out). */
export type PlanFileSignoff = z.infer<typeof signoff>;
/** The plan model's form of it (`readiness`), as read (undefined: left out). */
export type PlanFileReadiness = z.infer<typeof readiness>;
/** What a file may contain: optional fields may be left out. */
export type PlanFileInput = z.input<typeof planFileSchema>;
