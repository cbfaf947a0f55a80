/**
 * The plan file's schemas of what the scheduler reads: the rollout's `schedule` (quiet hours, the
 * daily digest's time) and per phase and wave `nudges`, `gotItReminder` and `autoAdvance`, with
 * their defaults and rules. `plan-file-schema.ts` puts them into the file, its phases and waves.
 */
import { z } from 'zod';
import {
  DEFAULT_DIGEST_TIME,
  DEFAULT_NUDGES,
  DEFAULT_QUIET_HOURS,
  MAX_NUDGES,
  type QuietHours,
  type RolloutSchedule,
} from '../domain/schedule-plan';
import { bounded, shown, strict, typeError } from './plan-file-fields';
import { NUDGE_BOUNDS } from './plan-file-rules';

const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `must be a time HH:mm, e.g. 19:00 (got "7pm")` */
const timeError =
  (example: string, or = '') =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined
      ? 'is required'
      : `must be a time HH:mm, e.g. ${example}${or} (got ${shown(issue.input)})`;

/** A local time of day, `HH:mm` (00:00–23:59, as `isLocalTime` says), in the rollout's time zone. */
const time = (example: string, or = '') =>
  z.string({ error: timeError(example, or) }).regex(HH_MM, { error: timeError(example, or) });

/** A local time of day, `HH:mm`: `must be a time HH:mm, e.g. 19:00`. */
export const localTime = time('19:00');

/** A value as a mapping, or null. */
const mapping = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;

const quietPeriod = strict({
  start: localTime.describe('Start of the quiet period (HH:mm), e.g. 19:00.'),
  end: localTime.describe(
    'End of the quiet period (HH:mm), e.g. 08:00; before the start: it spans midnight.',
  ),
  weekends: z
    .boolean({ error: typeError('true or false') })
    .default(true)
    .describe('Saturday and Sunday are quiet all day too; left out: true.'),
})
  .superRefine((q, ctx) => {
    if (q.start !== q.end) return;
    ctx.addIssue({
      code: 'custom',
      message: `must not be the same as the start (${q.start}): quiet hours need an end after the start, or before it to span midnight`,
      path: ['end'],
      input: q.end,
    });
  })
  .meta({
    id: 'QuietHours',
    description: "Local times (the rollout's time zone) between which no nudge goes out.",
  });

/**
 * A file's quiet hours: `false` (or null) for none, or a mapping of start, end and weekends; left
 * out: the default (19:00–08:00 and weekends).
 */
const quietHours = z
  .union([z.literal(false), z.null(), quietPeriod], {
    error: (issue) => {
      if (issue.code !== 'invalid_union') return undefined;
      const given = mapping(issue.input);
      const first = given ? quietPeriod.safeParse(given).error?.issues[0] : undefined;
      if (first)
        return first.path.length ? `${first.path.map(String).join('.')}: ${first.message}` : first.message;
      return `must be false (no quiet hours) or a mapping of start, end and weekends, e.g. { start: "19:00", end: "08:00", weekends: true } (got ${shown(issue.input)})`;
    },
  })
  .default(() => ({ ...DEFAULT_QUIET_HOURS }))
  .describe(
    "When no nudge goes out, in the rollout's time zone: false (or null) for never, or start, end (HH:mm) and weekends. Left out: 19:00–08:00 and weekends.",
  );

/** A file's digest time: `HH:mm`, or `false` (or null) for no daily digest; left out: 09:00. */
const digestTime = z
  .union([z.literal(false), z.null(), time('09:00', ', or false (no digest)')], {
    error: (issue) =>
      issue.code === 'invalid_union'
        ? `must be a time HH:mm, e.g. 09:00, or false (no digest) (got ${shown(issue.input)})`
        : undefined,
  })
  .default(DEFAULT_DIGEST_TIME)
  .describe(
    "Local time (HH:mm, the rollout's time zone) of the daily digest to the coordination conversation; false (or null): no digest. Left out: 09:00.",
  );

/**
 * The rollout's `schedule` settings in a file; left out: the defaults (an export leaves it out
 * when they are the defaults, so files before it stay as they were).
 */
export const schedule = strict({ quietHours, digestTime }, 'a mapping of quietHours and digestTime')
  .meta({
    id: 'Schedule',
    description:
      "When the scheduler may nudge people (quietHours) and when the daily digest goes out (digestTime), in the rollout's time zone. Left out: 19:00–08:00 and weekends, digest 09:00; an export leaves it out then.",
  })
  .optional();

/** The `schedule` of a file, as read (undefined: left out). */
export type PlanFileSchedule = z.infer<typeof schedule>;

/** The schedule a (validated) file asks for, in the plan's form (false read as null). */
export const scheduleFrom = (s: PlanFileSchedule): RolloutSchedule | undefined =>
  s && {
    quietHours: s.quietHours
      ? { start: s.quietHours.start, end: s.quietHours.end, weekends: s.quietHours.weekends }
      : null,
    digestTime: s.digestTime || null,
  };

/** The plan's schedule as a file writes it: every key, `false` for none. */
export const fileSchedule = (
  s: RolloutSchedule,
): { quietHours: QuietHours | false; digestTime: string | false } => ({
  quietHours: s.quietHours
    ? { start: s.quietHours.start, end: s.quietHours.end, weekends: s.quietHours.weekends }
    : false,
  digestTime: s.digestTime ?? false,
});

/** A phase's or wave's scheduler settings in a file: each left out gets its default (the export leaves defaults out). */
export const stageSchedule = {
  nudges: bounded(NUDGE_BOUNDS)
    .optional()
    .describe(
      `Feedback nudges at most to people of the audience who have not answered, at least two days apart: 0 to ${MAX_NUDGES}. Left out: ${DEFAULT_NUDGES}.`,
    ),
  gotItReminder: z
    .boolean({ error: typeError('true or false') })
    .optional()
    .describe('One reminder to those who have not clicked "Got it" on the announcement. Left out: false.'),
  autoAdvance: z
    .boolean({ error: typeError('true or false') })
    .optional()
    .describe(
      'The rollout advances by itself once the end of the phase or wave has passed and its gate passes (never forced). Left out: false.',
    ),
};
