/**
 * The plan cards' edit forms, in parts: `plan-form-sections.ts` (the settings, phase and wave
 * forms), `plan-form-feedback-signoff.ts` (their feedback and sign-off fields),
 * `plan-form-audience.ts` (their audience and intent fields), `plan-form-schedule.ts` (the
 * scheduler's: quiet hours and digest time, a stage's nudges, "Got it" reminder, auto-advance); here, what they share (the group
 * pickers among it), and the form field a plan rule's error shows at.
 */
import type { TimeFrame } from '../domain/rollout';
import { FEEDBACK_GOAL_KEYS } from '../plan/plan-file-rules';
import type { AudienceField } from './plan-form-audience';
import { scheduleFieldForPath } from './plan-form-schedule';
import type { SignoffField } from './plan-form-feedback-signoff';

/**
 * Converts between a plan section and its Adaptive Card form: the values a form opens with, and
 * the plan a submitted form asks for. Structural rules (lengths, formats, enums) are checked
 * afterwards by the plan file's schema, the same rules as for imports.
 */
export type FieldErrors<F extends string> = Partial<Record<F, string>>;
export type Values<F extends string> = Record<F, string>;

/** The value of a ChoiceSet's "(not set)" choice (a choice value cannot be empty). */
export const NOT_SET = 'none';
export const choice = (value: string): string | null => (value && value !== NOT_SET ? value : null);

export const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);

/** Ids typed one per line (or separated by spaces, commas or semicolons), in lower case. */
export const ids = (text: string): string[] =>
  text
    .split(/[\s,;]+/)
    .map((id) => id.trim().toLowerCase())
    .filter(Boolean);

/**
 * The group pickers of the phase and wave forms (an Input.ChoiceSet searching Entra groups where
 * Teams offers the typeahead), each with the ids field it adds to. They open empty.
 */
export const GROUP_PICKERS = {
  audienceGroupPicks: 'audienceGroups',
  signoffGroupPicks: 'signoffGroups',
} as const satisfies Record<string, AudienceField | SignoffField>;
export type GroupPickField = keyof typeof GROUP_PICKERS;

export const groupPickValues = (): Values<GroupPickField> => ({
  audienceGroupPicks: '',
  signoffGroupPicks: '',
});

/**
 * A submitted form with the ids picked in its group pickers (comma-separated) added to their ids
 * fields, one per line, each once (an id already there is not added again): they are then checked
 * as pasted ids are, and a form shown again has them in the field and its picker empty.
 */
export const withPickedGroups = (values: Readonly<Record<string, string>>): Record<string, string> => {
  const out = { ...values };
  for (const [picker, field] of Object.entries(GROUP_PICKERS)) {
    if (out[picker] === undefined) continue;
    const pasted = out[field] ?? '';
    const seen = new Set(ids(pasted));
    const added: string[] = [];
    for (const id of ids(out[picker])) {
      if (!seen.has(id)) added.push(id);
      seen.add(id);
    }
    if (added.length > 0) out[field] = [pasted.trimEnd(), ...added].filter(Boolean).join('\n');
    out[picker] = '';
  }
  return out;
};

export const splitDateTime = (value: string | null): [string, string] => {
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

export const timeFrameValues = (frame: TimeFrame) => {
  const [startDate, startTime] = splitDateTime(frame.start);
  const [endDate, endTime] = splitDateTime(frame.end);
  return { startDate, startTime, endDate, endTime };
};

export const timeFrameFrom = (
  v: { startDate: string; startTime: string; endDate: string; endTime: string },
  errors: FieldErrors<'startDate' | 'endDate'>,
): TimeFrame => {
  const start = joinDateTime(v.startDate, v.startTime);
  const end = joinDateTime(v.endDate, v.endTime);
  if (start === undefined) errors.startDate = 'A start time needs a start date.';
  if (end === undefined) errors.endDate = 'An end time needs an end date.';
  return { start: start ?? null, end: end ?? null };
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
  if (p[0] === 'schedule') return scheduleFieldForPath(p);
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
      groups: 'signoffGroups',
      deadline: 'signoffDeadlineDate',
    };
    return fields[sub ?? ''] ?? 'signoffEnabled';
  }
  if (head === 'audience') {
    // `audience.filters.countries` in the plan's own form, `audience.countries` in a file's.
    const fields: Record<string, AudienceField> = {
      departments: 'audienceDepartments',
      countries: 'audienceCountries',
      offices: 'audienceOffices',
      platforms: 'audiencePlatforms',
      includeGuests: 'includeGuests',
      includeDisabled: 'includeDisabled',
    };
    return fields[(sub === 'filters' ? rest[2] : sub) ?? ''] ?? 'audienceGroups';
  }
  return head ?? null;
};
