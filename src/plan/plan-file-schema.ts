/**
 * The shape of a plan file as a zod schema: settings, and per phase its time frame, target groups,
 * checklist, criteria, feedback, help-desk sign-off, audience, Intune intent, announcement, scheduler
 * settings, communication and waves, with their defaults. It checks the file's rules
 * (`PLAN_FILE_RULES`) and is the source of `schema/plan.schema.json`. A stage's feedback and
 * sign-off have their schemas in `plan-file-feedback-signoff.ts`, its audience and intent in
 * `plan-file-audience.ts`, the rollout's `schedule` and a stage's nudges, "Got it" reminder and
 * auto-advance in `plan-file-schedule.ts`.
 */
import { z } from 'zod';
import { ANNOUNCE_MODES } from '../domain/announcement';
import { defaultWaveChecklist, type CriterionPlan } from '../domain/plan';
import { PHASE_KEYS, type PhaseKey } from '../domain/phases';
import { ENROLLMENT_APPROACHES, WAVE_KINDS, type TimeFrame } from '../domain/rollout';
import { emptyCommunication } from '../domain/templates';
import { compareLocal, isLocalDateTime, isTimeZone } from '../domain/time';
import { audience, intent } from './plan-file-audience';
import { feedback, notBoth, readiness, record, signoff } from './plan-file-feedback-signoff';
import { schedule, stageSchedule } from './plan-file-schedule';
import {
  count,
  guid,
  guids,
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
import { PLAN_FILE_VERSION, PLAN_LIMITS } from './plan-file-rules';

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

/** What entering the stage does about its announcement; left out: prompt (an export leaves it out). */
const announce = oneOf(ANNOUNCE_MODES)
  .optional()
  .describe(
    'What entering the phase or wave does about its announcement to the audience: auto (sent at once), prompt (a preview to confirm first) or off (none). Left out: prompt; an export leaves it out.',
  );

const wave = strict(
  {
    id: slug('wave'),
    name: label(PLAN_LIMITS.waveName),
    kind: oneOf(WAVE_KINDS).default('custom'),
    enrollment: oneOf(ENROLLMENT_APPROACHES).nullable().default(null),
    groupId: guid('an Entra group id (a GUID)').nullable().default(null),
    members: guids('object', PLAN_LIMITS.members).default(() => []),
    timeFrame,
    targetGroups,
    checklist: checklist.default(defaultWaveChecklist).describe('Leave out for the default wave checklist.'),
    criteria,
    feedback,
    signoff,
    readiness,
    audience,
    intent,
    announce,
    ...stageSchedule,
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
    audience,
    intent,
    announce,
    ...stageSchedule,
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
  schedule,
  phases,
})
  .superRefine(uniqueWaveIds, { when: () => true })
  .meta({
    title: 'Rollout Coordinator plan file',
    description:
      'The editable plan of a rollout: settings (the schedule among them: quiet hours, digest time), and per phase its time frame, target groups, checklist, exit criteria, feedback goals, help-desk sign-off, audience, Intune intent, announcement, feedback nudges, "Got it" reminder, auto-advance, communication plan and waves. Checklist ticks and goals marked met are not part of it.',
  });

export type PlanFile = z.infer<typeof planFileSchema>;
/** What a file may contain: optional fields may be left out. */
export type PlanFileInput = z.input<typeof planFileSchema>;
