/** What the plan's section forms share: their fields and the data every section form carries. */
import type { PlanRef } from './plan-view';

/** A section form: its inputs' values and an error per field ('' when none). */
export interface FormData<F extends string> extends PlanRef {
  title: string;
  rolloutName: string;
  formError: string;
  hasFormError: boolean;
  values: Record<F, string>;
  errors: Record<F, string>;
}

/** The settings form's fields: the rollout's own, then its schedule (quiet hours, digest time). */
export const SETTINGS_FIELDS = [
  'name',
  'timeZone',
  'appName',
  'intuneAppId',
  'platforms',
  'businessPurpose',
  'quietHoursEnabled',
  'quietStart',
  'quietEnd',
  'quietWeekends',
  'digestEnabled',
  'digestTime',
] as const;
export type SettingsField = (typeof SETTINGS_FIELDS)[number];

/**
 * The fields phase and wave forms share: whether the stage takes feedback and needs sign-off, and
 * who it is for (its audience and Intune intent), what entering it announces, and what the
 * scheduler does for it (feedback nudges, a "Got it" reminder, auto-advance); groups are pasted as
 * ids or picked by name.
 */
const STAGE_SETTING_FIELDS = [
  'feedbackEnabled',
  'minResponses',
  'minResponsePercent',
  'minAverageRating',
  'minInstallSuccess',
  'maxOpenBlockers',
  'signoffEnabled',
  'signoffPolicy',
  'signoffQuorum',
  'signoffAllowNotReady',
  'signoffMembers',
  'signoffGroups',
  'signoffGroupPicks',
  'signoffDeadlineDate',
  'signoffDeadlineTime',
  'audienceGroups',
  'audienceGroupPicks',
  'audienceDepartments',
  'audienceCountries',
  'audienceOffices',
  'audiencePlatforms',
  'includeGuests',
  'includeDisabled',
  'intent',
  'announce',
  'nudges',
  'gotItReminder',
  'autoAdvance',
] as const;

export const PHASE_FIELDS = [
  'startDate',
  'startTime',
  'endDate',
  'endTime',
  'targetGroups',
  'goals',
  'extraItems',
  ...STAGE_SETTING_FIELDS,
  'whatIsDeployed',
  'howAndWhen',
  'businessPurpose',
  'selfHelpUrl',
  'helpDeskContact',
] as const;
export type PhaseField = (typeof PHASE_FIELDS)[number];

export const WAVE_FIELDS = [
  'name',
  'kind',
  'enrollment',
  'groupId',
  'members',
  'startDate',
  'startTime',
  'endDate',
  'endTime',
  'targetGroups',
  'willingness',
  'users',
  'devices',
  'platforms',
  'requirements',
  'geography',
  'businessRisk',
  ...STAGE_SETTING_FIELDS,
] as const;
export type WaveField = (typeof WAVE_FIELDS)[number];
