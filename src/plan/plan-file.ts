import { z } from 'zod';
import {
  defaultWaveChecklist,
  planOf,
  type CriterionPlan,
  type PlanSpec,
  type WaveSpec,
} from '../domain/plan';
import { PHASE_KEYS, type PhaseKey } from '../domain/phases';
import {
  ENROLLMENT_APPROACHES,
  LEVELS,
  MAX_NAME_LENGTH,
  PLATFORMS,
  WAVE_KINDS,
  type Rollout,
  type TimeFrame,
} from '../domain/rollout';
import { emptyCommunication } from '../domain/templates';
import { compareLocal, isLocalDateTime, isTimeZone } from '../domain/time';

/**
 * A plan FILE: the editable plan of a rollout (`PlanSpec`) plus a version, as written by
 * `plan export` and read by `plan import` and `npm run plan -- apply`. Optional fields may be
 * left out and get their defaults; `toPlanFile` writes every field so export → import is lossless.
 * The same rules check the plan cards' edit forms.
 */
export const PLAN_FILE_VERSION = 1;

export const PLAN_LIMITS = {
  name: MAX_NAME_LENGTH,
  appName: 80,
  longText: 2000,
  geography: 200,
  targetGroups: 20,
  targetGroup: 100,
  checklistItems: 50,
  checklistText: 200,
  goal: 300,
  wavesPerPhase: 20,
  waveName: 80,
  members: 500,
  count: 1_000_000,
} as const;

/** Every rule the file is checked against, as written in the README. */
export const PLAN_FILE_RULES: readonly { field: string; rule: string }[] = [
  { field: 'version', rule: 'is 1' },
  { field: 'name', rule: `1–${PLAN_LIMITS.name} characters after trimming` },
  { field: 'timeZone', rule: 'an IANA time zone (Europe/Berlin, America/New_York, UTC)' },
  { field: 'app.name', rule: `at most ${PLAN_LIMITS.appName} characters` },
  { field: 'app.intuneAppId', rule: 'null or a GUID' },
  { field: 'app.platforms, waves[].platforms', rule: `from ${PLATFORMS.join(', ')}; no duplicates` },
  { field: 'businessPurpose', rule: `at most ${PLAN_LIMITS.longText} characters` },
  {
    field: 'timeFrame.start, timeFrame.end',
    rule: 'null, a date YYYY-MM-DD or a date and time YYYY-MM-DDTHH:mm (years 2000–2100); the end not before the start',
  },
  {
    field: 'targetGroups',
    rule: `at most ${PLAN_LIMITS.targetGroups} entries of 1–${PLAN_LIMITS.targetGroup} characters (not only spaces)`,
  },
  {
    field: 'checklist',
    rule: `at most ${PLAN_LIMITS.checklistItems} items; ids are slugs (a-z, 0-9 and -, at most 40, not starting with -), unique within the phase or wave; text 1–${PLAN_LIMITS.checklistText} characters (not only spaces)`,
  },
  {
    field: 'criteria',
    rule: `ids are slugs, unique within the phase or wave; at most one checklist-complete; a manual goal has 1–${PLAN_LIMITS.goal} characters (not only spaces)`,
  },
  {
    field: 'communication',
    rule: `each text at most ${PLAN_LIMITS.longText} characters; selfHelpUrl empty or an https:// URL`,
  },
  { field: 'waves', rule: `at most ${PLAN_LIMITS.wavesPerPhase} per phase` },
  { field: 'waves[].id', rule: 'a slug, unique across the whole plan' },
  { field: 'waves[].name', rule: `1–${PLAN_LIMITS.waveName} characters (not only spaces)` },
  { field: 'waves[].kind', rule: WAVE_KINDS.join(', ') },
  { field: 'waves[].enrollment', rule: `null or ${ENROLLMENT_APPROACHES.join(', ')}` },
  { field: 'waves[].groupId', rule: 'null or a GUID' },
  { field: 'waves[].members', rule: `at most ${PLAN_LIMITS.members} GUIDs, no duplicates` },
  {
    field: 'waves[].users, waves[].devices',
    rule: `null or a whole number from 0 to ${PLAN_LIMITS.count.toLocaleString('en-US')}`,
  },
  { field: 'waves[].willingness, waves[].businessRisk', rule: `null or ${LEVELS.join(', ')}` },
  { field: 'waves[].requirements', rule: `at most ${PLAN_LIMITS.longText} characters` },
  { field: 'waves[].geography', rule: `at most ${PLAN_LIMITS.geography} characters` },
  { field: '(anywhere)', rule: 'no unknown keys' },
];

const SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/;
const HTTPS_URL_OR_EMPTY = /^(https:\/\/\S+)?$/;

const shown = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
};

/** The message for a value of the wrong type, or for a required key that is missing. */
const typeError =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : `must be ${expected} (got ${shown(issue.input)})`;

const UNKNOWN_KEY = 'unknown key';

/**
 * Objects refuse unknown keys, naming the keys allowed. The message has the form
 * `unknown key "x"; allowed here: a, b` (plan-yaml reports one error per unknown key).
 */
const strict = <S extends z.ZodRawShape>(shape: S, what = 'a mapping of keys to values') =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${UNKNOWN_KEY}${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed here: ${Object.keys(shape).join(', ')}`
        : typeError(what)(issue),
  });

/** Splits an unknown-keys message into the message for one of its keys. */
export const unknownKeyMessage = (message: string, key: string): string => {
  const allowed = message.indexOf('; allowed here:');
  return `${UNKNOWN_KEY} "${key}"${allowed >= 0 ? message.slice(allowed) : ''}`;
};

const text = (max: number) =>
  z
    .string({ error: typeError('text') })
    .max(max, { error: (issue) => `must be at most ${max} characters (has ${String(issue.input).length})` });

/** Text that must say something: 1–max characters, not only spaces. */
const label = (max: number) =>
  text(max)
    .min(1, 'must not be empty')
    .refine((v) => v === '' || v.trim() !== '', 'must not be only spaces');

const slug = (what: string) =>
  z.string({ error: typeError(`a ${what} id`) }).regex(SLUG, {
    error: (issue) =>
      `must be a ${what} id: lowercase letters, digits and hyphens, starting with a letter or digit, at most 40 characters (got ${shown(issue.input)})`,
  });

const guid = (what: string) =>
  z
    .string({ error: typeError(what) })
    .regex(GUID, { error: (issue) => `must be ${what} (got ${shown(issue.input)})` });

const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `must be one of ${values.join(', ')} (got ${shown(issue.input)})`,
  });

const localDateTime = z
  .string({ error: typeError('a date YYYY-MM-DD or a date and time YYYY-MM-DDTHH:mm') })
  .regex(LOCAL_DATE_TIME, {
    error: (issue) =>
      `must be a date YYYY-MM-DD or a date and time YYYY-MM-DDTHH:mm (got ${shown(issue.input)})`,
  })
  .refine(isLocalDateTime, {
    error: (issue) => `must be a real date (years 2000–2100) and time of day (got ${shown(issue.input)})`,
  });

/** Reports each later duplicate (by `keyOf`) at its own index (and `field`, when given). */
const noDuplicates =
  <T>(what: string, keyOf: (item: T) => string, field?: string) =>
  (items: T[], ctx: z.RefinementCtx<T[]>): void => {
    const seen = new Map<string, number>();
    items.forEach((item, index) => {
      const key = keyOf(item);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, index);
        return;
      }
      ctx.addIssue({
        code: 'custom',
        message: `duplicate ${what} "${key}" (also at [${first}])`,
        path: field === undefined ? [index] : [index, field],
        input: item,
      });
    });
  };

const platforms = z
  .array(oneOf(PLATFORMS), { error: typeError(`a list of platforms (${PLATFORMS.join(', ')})`) })
  .superRefine(noDuplicates<(typeof PLATFORMS)[number]>('platform', (p) => p))
  .default(() => []);

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

const httpsUrlOrEmpty = text(PLAN_LIMITS.longText)
  .regex(HTTPS_URL_OR_EMPTY, {
    error: (issue) => `must be empty or an https:// URL (got ${shown(issue.input)})`,
  })
  .refine((v) => v === '' || URL.canParse(v), {
    error: (issue) => `must be empty or an https:// URL (got ${shown(issue.input)})`,
  });

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

const level = oneOf(LEVELS).nullable().default(null);

const count = z
  .number({ error: typeError('a whole number') })
  .int({ error: (issue) => `must be a whole number (got ${shown(issue.input)})` })
  .min(0, `must be from 0 to ${PLAN_LIMITS.count.toLocaleString('en-US')}`)
  .max(PLAN_LIMITS.count, `must be from 0 to ${PLAN_LIMITS.count.toLocaleString('en-US')}`)
  .nullable()
  .default(null);

const wave = strict({
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
  willingness: level,
  users: count,
  devices: count,
  platforms,
  requirements: text(PLAN_LIMITS.longText).default(''),
  geography: text(PLAN_LIMITS.geography).default(''),
  businessRisk: level,
}).meta({ id: 'Wave', description: 'A wave (or stage) of a phase; it has its own checklist and gate.' });

const phase = strict({
  timeFrame,
  targetGroups,
  checklist: checklist.default(() => []),
  criteria,
  communication,
  waves: z
    .array(wave, { error: typeError('a list of waves') })
    .max(PLAN_LIMITS.wavesPerPhase, `must have at most ${PLAN_LIMITS.wavesPerPhase} waves`)
    .default(() => []),
}).meta({ id: 'Phase' });

const phases = strict({
  scope: phase,
  poc: phase,
  pilot: phase,
  enterprise: phase,
  operations: phase,
} satisfies Record<PhaseKey, typeof phase>);

const record = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

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
      'The editable plan of a rollout: settings, and per phase its time frame, target groups, checklist, exit criteria, communication plan and waves. Checklist ticks and goals marked met are not part of it.',
  });

export type PlanFile = z.infer<typeof planFileSchema>;
/** What a file may contain: optional fields may be left out. */
export type PlanFileInput = z.input<typeof planFileSchema>;

/** The rollout's plan as a file: every field written, in a stable order. */
export const toPlanFile = (rollout: Rollout): PlanFile => ({
  version: PLAN_FILE_VERSION,
  ...planOf(rollout),
});

const waveSpecFrom = (w: PlanFile['phases'][PhaseKey]['waves'][number]): WaveSpec => ({
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
          communication: {
            whatIsDeployed: p.communication.whatIsDeployed,
            howAndWhen: p.communication.howAndWhen,
            businessPurpose: p.communication.businessPurpose,
            selfHelpUrl: p.communication.selfHelpUrl,
            helpDeskContact: p.communication.helpDeskContact,
          },
          waves: p.waves.map(waveSpecFrom),
        },
      ];
    }),
  ) as PlanSpec['phases'],
});
