import { ANNOUNCE_MODES } from '../domain/announcement';
import { ASSIGNMENT_INTENTS, DEVICE_PLATFORMS } from '../domain/audience';
import type { FeedbackGoals } from '../domain/feedback-goals';
import { ENROLLMENT_APPROACHES, LEVELS, MAX_NAME_LENGTH, PLATFORMS, WAVE_KINDS } from '../domain/rollout';
import { DEFAULT_NUDGES, MAX_NUDGES } from '../domain/schedule-plan';
import { MAX_MEMBERS, type SignoffPolicy } from '../domain/signoff';

/** The plan file format (the `version` key); the only one so far. */
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
  signoffMembers: MAX_MEMBERS,
  groups: 20,
  audienceNames: 50,
  audienceName: 128,
} as const;

/** The range of one feedback goal; `whole`: whole numbers only. */
export interface GoalBounds {
  min: number;
  max: number;
  whole: boolean;
}

/** The feedback goals in the order a plan writes them. */
export const FEEDBACK_GOAL_KEYS = [
  'minResponses',
  'minResponsePercent',
  'minAverageRating',
  'minInstallSuccess',
  'maxOpenBlockers',
] as const satisfies readonly (keyof FeedbackGoals)[];

/** What each feedback goal may be (null aside: no such goal); the plan file and the edit forms alike. */
export const FEEDBACK_GOAL_BOUNDS: Readonly<Record<keyof FeedbackGoals, GoalBounds>> = {
  minResponses: { min: 0, max: 100_000, whole: true },
  minResponsePercent: { min: 0, max: 100, whole: false },
  minAverageRating: { min: 1, max: 5, whole: false },
  minInstallSuccess: { min: 0, max: 100, whole: false },
  maxOpenBlockers: { min: 0, max: 10_000, whole: true },
};

/** `a whole number from 0 to 100,000`, `a number from 1 to 5`. */
export const boundsText = ({ min, max, whole }: GoalBounds): string =>
  `${whole ? 'a whole number' : 'a number'} from ${min.toLocaleString('en-US')} to ${max.toLocaleString('en-US')}`;

const goalRule = (key: keyof FeedbackGoals): string => `null or ${boundsText(FEEDBACK_GOAL_BOUNDS[key])}`;

/** The sign-off policies, as a plan file and the edit forms name them. */
export const SIGNOFF_POLICIES = [
  'everyone',
  'quorum',
  'first',
] as const satisfies readonly SignoffPolicy['kind'][];

/** How many Ready answers a quorum may ask for. */
export const QUORUM_BOUNDS: GoalBounds = { min: 1, max: MAX_MEMBERS, whole: true };

/** How many feedback nudges a phase or wave may ask for. */
export const NUDGE_BOUNDS: GoalBounds = { min: 0, max: MAX_NUDGES, whole: true };

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
    field: 'schedule',
    rule: "a mapping of quietHours and digestTime, in the rollout's time zone; left out: 19:00–08:00 and weekends, digest 09:00 (an export leaves it out then)",
  },
  {
    field: 'schedule.quietHours',
    rule: 'false (or null: no quiet hours) or a mapping of start, end and weekends; left out: 19:00–08:00 and weekends',
  },
  {
    field: 'schedule.quietHours.start, schedule.quietHours.end',
    rule: 'a time HH:mm (00:00–23:59); the end not the same as the start (before it: the quiet period spans midnight)',
  },
  {
    field: 'schedule.quietHours.weekends',
    rule: 'true or false: Saturday and Sunday are quiet all day too; left out: true',
  },
  {
    field: 'schedule.digestTime',
    rule: 'a time HH:mm of the daily digest, or false (or null: no digest); left out: 09:00',
  },
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
  {
    field: 'feedback',
    rule: "false (no feedback), true (the default goals) or a mapping of goals; left out: the stage's default",
  },
  {
    field: 'feedback.minResponses',
    rule: `${goalRule('minResponses')}; of a known audience of N people, at most N are needed`,
  },
  {
    field: 'feedback.minResponsePercent',
    rule: `${goalRule('minResponsePercent')} (% of a known audience, rounded up; the goal needs this or minResponses, whichever is more)`,
  },
  { field: 'feedback.minAverageRating', rule: goalRule('minAverageRating') },
  {
    field: 'feedback.minInstallSuccess',
    rule: `${goalRule('minInstallSuccess')} (% saying it installed and worked)`,
  },
  { field: 'feedback.maxOpenBlockers', rule: goalRule('maxOpenBlockers') },
  {
    field: 'signoff',
    rule: "false (no sign-off to enter the stage), true (everyone, no deadline) or a mapping; left out: the default for the stage's place (an export leaves it out)",
  },
  { field: 'signoff.policy', rule: `${SIGNOFF_POLICIES.join(', ')}; left out: everyone` },
  {
    field: 'signoff.quorum',
    rule: `${boundsText(QUORUM_BOUNDS)}; required with policy quorum, refused with the others`,
  },
  { field: 'signoff.allowNotReady', rule: 'true or false, only with policy quorum; left out: false' },
  {
    field: 'signoff.members',
    rule: `at most ${PLAN_LIMITS.signoffMembers} Entra object ids (GUIDs), no duplicates; left out or []: ROLLOUT_HELPDESK`,
  },
  {
    field: 'signoff.groups',
    rule: `at most ${PLAN_LIMITS.groups} Entra group ids (GUIDs), no duplicates; their members answer too (read when asked); left out: []`,
  },
  {
    field: 'signoff.deadline',
    rule: "null, or a date and time YYYY-MM-DD HH:mm (or YYYY-MM-DDTHH:mm; years 2000–2100) in the plan's time zone",
  },
  {
    field: 'audience',
    rule: "a mapping: its groups' members narrowed by the filters, plus its members; left out: none (a wave's groupId and members count either way)",
  },
  {
    field: 'audience.groups',
    rule: `at most ${PLAN_LIMITS.groups} Entra group ids (GUIDs), no duplicates; their transitive members (users only)`,
  },
  {
    field: 'audience.members',
    rule: `at most ${PLAN_LIMITS.members} Entra object ids (GUIDs), no duplicates; always in, whatever the filters say`,
  },
  {
    field: 'audience.departments, audience.offices',
    rule: `at most ${PLAN_LIMITS.audienceNames} entries of 1–${PLAN_LIMITS.audienceName} characters (not only spaces), no duplicates; matched case-insensitively; [] or left out: any`,
  },
  {
    field: 'audience.countries',
    rule: `at most ${PLAN_LIMITS.audienceNames} ISO 3166 alpha-2 codes (two letters, kept upper-cased), no duplicates; matched to usageLocation; [] or left out: any`,
  },
  {
    field: 'audience.platforms',
    rule: `from ${DEVICE_PLATFORMS.join(', ')}; no duplicates; a managed (Intune) device of one; [] or left out: any (waves[].platforms only describes)`,
  },
  {
    field: 'audience.includeGuests, audience.includeDisabled',
    rule: "true or false; left out: false (the groups' guests, disabled accounts are left out)",
  },
  {
    field: 'intent',
    rule: `${ASSIGNMENT_INTENTS.join(' or ')}: the Intune assignment intent of the audience's groups; left out: required`,
  },
  {
    field: 'announce',
    rule: `${ANNOUNCE_MODES.join(', ')}: what entering the stage does about its announcement (sent at once, a preview to confirm, none); left out: prompt`,
  },
  {
    field: 'nudges',
    rule: `${boundsText(NUDGE_BOUNDS)}: feedback nudges at most to those of the stage's audience who have not answered; left out: ${DEFAULT_NUDGES}`,
  },
  {
    field: 'gotItReminder',
    rule: 'true or false: one reminder to those who have not clicked "Got it" on the announcement; left out: false',
  },
  {
    field: 'autoAdvance',
    rule: 'true or false: the rollout advances by itself once the stage has ended and its gate passes (never forced); left out: false',
  },
  { field: '(anywhere)', rule: 'no unknown keys' },
];
