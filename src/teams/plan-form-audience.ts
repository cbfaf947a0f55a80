/**
 * The audience and Intune intent fields of the phase and wave forms: the values they open with,
 * and the audience and intent a submitted form asks for. Ids, country codes and platforms are
 * checked afterwards by the plan's rules.
 */
import {
  ASSIGNMENT_INTENTS,
  emptyAudience,
  type AssignmentIntent,
  type AudienceSpec,
  type DevicePlatform,
} from '../domain/audience';
import { audienceEntry } from '../domain/plan';
import { ids, type FieldErrors, type Values } from './plan-form';
import { isToggleOn, toggle } from './plan-form-feedback-signoff';

/** The form fields of a stage's audience and intent. */
export type AudienceField =
  | 'audienceGroups'
  | 'audienceDepartments'
  | 'audienceCountries'
  | 'audienceOffices'
  | 'audiencePlatforms'
  | 'includeGuests'
  | 'includeDisabled'
  | 'intent';

/** Names typed one per line or separated by commas (a name may have spaces). */
const names = (text: string): string[] =>
  text
    .split(/[\n,;]+/)
    .map((n) => n.trim())
    .filter(Boolean);

/** A stage's audience and intent as its form shows them: lists one per line, platforms as a multi-select. */
export const audienceValues = (
  audience: AudienceSpec | undefined,
  intent: AssignmentIntent | undefined,
): Values<AudienceField> => {
  const { groups, filters, includeGuests, includeDisabled } = audience ?? emptyAudience();
  return {
    audienceGroups: groups.join('\n'),
    audienceDepartments: filters.departments.join('\n'),
    audienceCountries: filters.countries.join('\n'),
    audienceOffices: filters.offices.join('\n'),
    audiencePlatforms: filters.platforms.join(','),
    includeGuests: toggle(includeGuests),
    includeDisabled: toggle(includeDisabled),
    intent: intent ?? 'required',
  };
};

/**
 * The audience and intent a form asks for, as the plan holds them (`audienceEntry`: none when
 * empty, no intent when required). The audience's listed members are not on the form: kept from
 * `old`. Country codes in upper case.
 */
export const audienceFrom = (
  v: Values<AudienceField>,
  old: AudienceSpec | undefined,
  errors: FieldErrors<AudienceField>,
): { audience?: AudienceSpec; intent?: AssignmentIntent } => {
  // A form made before the intent existed (or a client leaving the choice out) sends none: required.
  const intent = ASSIGNMENT_INTENTS.find((i) => i === (v.intent.trim() || 'required'));
  if (!intent) errors.intent = `Choose ${ASSIGNMENT_INTENTS.join(' or ')}.`;
  return audienceEntry(
    {
      groups: ids(v.audienceGroups),
      members: [...(old?.members ?? [])],
      filters: {
        departments: names(v.audienceDepartments),
        countries: ids(v.audienceCountries).map((c) => c.toUpperCase()),
        offices: names(v.audienceOffices),
        platforms: v.audiencePlatforms.split(',').filter(Boolean) as DevicePlatform[],
      },
      includeGuests: isToggleOn(v.includeGuests),
      includeDisabled: isToggleOn(v.includeDisabled),
    },
    intent,
  );
};
