/**
 * The plan file's schemas of a stage's audience (`audience`: Entra groups narrowed by filters, plus
 * listed members) and its Intune assignment intent (`intent`), with their defaults and rules.
 * `plan-file-schema.ts` puts them into each phase and wave.
 */
import { z } from 'zod';
import { ASSIGNMENT_INTENTS, DEVICE_PLATFORMS } from '../domain/audience';
import { choices, countries, guids, names, oneOf, strict, typeError } from './plan-file-fields';
import { record } from './plan-file-feedback-signoff';
import { PLAN_LIMITS } from './plan-file-rules';

const FILTER_KEYS = ['departments', 'countries', 'offices', 'platforms'] as const;

const filterShape = {
  departments: names('department', PLAN_LIMITS.audienceNames, PLAN_LIMITS.audienceName).describe(
    "Departments a group member's must be one of (compared case-insensitively); left out or empty: any.",
  ),
  countries: countries(PLAN_LIMITS.audienceNames).describe(
    "Countries (ISO 3166 alpha-2, e.g. DE) a group member's usageLocation must be one of; left out or empty: any.",
  ),
  offices: names('office', PLAN_LIMITS.audienceNames, PLAN_LIMITS.audienceName).describe(
    "Offices a group member's officeLocation must be one of (compared case-insensitively); left out or empty: any.",
  ),
  platforms: choices(DEVICE_PLATFORMS, 'platform').describe(
    'A group member needs a managed (Intune) device of one of these; left out or empty: any.',
  ),
};

/** The filters as a file writes them, among the audience's keys: each may be left out (any). */
const fileFilters = {
  departments: filterShape.departments.optional(),
  countries: filterShape.countries.optional(),
  offices: filterShape.offices.optional(),
  platforms: filterShape.platforms.optional(),
};

/**
 * The plan model's own form of the filters (`filters: { departments, countries, offices, platforms }`):
 * the edit forms check the plan they build with this schema. Files write the filters directly in
 * the audience; it is left out of the JSON Schema and of the keys an error names.
 */
export const AUDIENCE_FILTERS_MODEL_ID = 'AudienceFiltersModel';
const filtersModel = strict(filterShape).meta({ id: AUDIENCE_FILTERS_MODEL_ID });

const flag = (description: string) =>
  z
    .boolean({ error: typeError('true or false') })
    .default(false)
    .describe(description);

/** The model's `filters` are taken where the file's filter keys are; never both. */
const filtersNotBoth = (value: unknown, ctx: z.RefinementCtx<unknown>): void => {
  const a = record(value);
  if (!a || a.filters === undefined) return;
  const given = FILTER_KEYS.filter((key) => a[key] !== undefined);
  if (given.length === 0) return;
  ctx.addIssue({
    code: 'custom',
    message: `give ${given.join(', ')} or filters (the plan model's form of them), not both`,
    path: ['filters'],
    input: a.filters,
  });
};

/** Who a stage is for, as a file writes it: each key left out gets its default (none, any, false). */
export const audience = strict(
  {
    groups: guids('group', PLAN_LIMITS.groups)
      .default(() => [])
      .describe('Entra group ids (GUIDs): their transitive members (users only), narrowed by the filters.'),
    members: guids('object', PLAN_LIMITS.members)
      .default(() => [])
      .describe('Entra object ids (GUIDs) of people who are in, whatever the filters say.'),
    ...fileFilters,
    filters: filtersModel.optional(),
    includeGuests: flag('Guests of the groups are in too; default false.'),
    includeDisabled: flag('Disabled accounts of the groups are in too; default false.'),
  },
  undefined,
  ['filters'],
)
  .superRefine(filtersNotBoth, { when: () => true })
  .meta({
    id: 'Audience',
    description:
      "Who the phase or wave is for: the members of its groups narrowed by the filters, plus its members. A wave's groupId and members are part of it either way; a wave's platforms only describe the plan.",
  })
  .optional();

export const intent = oneOf(ASSIGNMENT_INTENTS)
  .optional()
  .describe(
    "The Intune assignment intent of the audience's groups: required (installed) or available (offered in the Company Portal). Left out: required; an export leaves it out.",
  );

/** The `audience` of a phase or wave in a file, as read (undefined: left out). */
export type PlanFileAudience = z.infer<typeof audience>;
