/**
 * The plan file's schemas of a stage's feedback (`feedback`: its goals) and help-desk readiness
 * sign-off (`signoff`, and the plan model's own form of it, `readiness`), with their defaults and
 * rules. `plan-file-schema.ts` puts them into each phase and wave.
 */
import { z } from 'zod';
import { DEFAULT_FEEDBACK_GOALS, type FeedbackGoals } from '../domain/feedback-goals';
import { bounded, guids, localDeadline, oneOf, shown, strict, typeError } from './plan-file-fields';
import { FEEDBACK_GOAL_BOUNDS, PLAN_LIMITS, QUORUM_BOUNDS, SIGNOFF_POLICIES } from './plan-file-rules';

const goal = (key: keyof FeedbackGoals, description: string) =>
  bounded(FEEDBACK_GOAL_BOUNDS[key])
    .nullable()
    .default(DEFAULT_FEEDBACK_GOALS[key])
    .describe(`${description}; null: no such goal.`);

/** A stage's feedback goals as a file writes them: each one left out gets its default. */
export const feedbackGoals = strict({
  minResponses: goal(
    'minResponses',
    'Responses needed; with a known audience of N people, at most N (the goal needs this or minResponsePercent, whichever needs more)',
  ),
  minResponsePercent: goal(
    'minResponsePercent',
    'Responses needed, as a % of a known audience (rounded up); with an unknown audience, minResponses applies (only this set: unmet)',
  ),
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

/** A value as a mapping, or null when it is not one (a list, null or a scalar). */
export const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

/**
 * `false` (or null): the stage takes no feedback; `true`: it does, with the default goals; a
 * mapping: it does, with these goals. Left out, the stage gets its default (`fromPlanFile`).
 */
export const feedback = z
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

const signoffMembers = guids('object', PLAN_LIMITS.signoffMembers);
const signoffGroups = guids('group', PLAN_LIMITS.groups);

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
  groups: signoffGroups
    .optional()
    .describe(
      'Entra group ids (GUIDs) whose members answer too, read when the request is made; left out: none (an export leaves it out then).',
    ),
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
  groups: signoffGroups.optional(),
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
export const signoff = z
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
export const readiness = readinessModel.nullable().optional();

export const notBoth = (stage: unknown, ctx: z.RefinementCtx<unknown>): void => {
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

/** The `feedback` of a phase or wave in a file, as read (undefined: left out). */
export type PlanFileFeedback = z.infer<typeof feedback>;
/** The `signoff` of a phase or wave in a file, as read (undefined: left out). */
export type PlanFileSignoff = z.infer<typeof signoff>;
/** The plan model's form of it (`readiness`), as read (undefined: left out). */
export type PlanFileReadiness = z.infer<typeof readiness>;
