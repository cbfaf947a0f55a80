import { z } from 'zod';
import {
  CATEGORIES,
  INSTALL_RESULTS,
  MAX_COMMENT_LENGTH,
  PLATFORMS,
  RATINGS,
  SEVERITIES,
  type FeedbackAnswer,
  type Rating,
} from '../domain/feedback';

/** The inputs of the feedback card, by id. */
export const FEEDBACK_FIELDS = [
  'rating',
  'installed',
  'category',
  'severity',
  'platform',
  'comment',
  'shareName',
] as const;
export type FeedbackField = (typeof FEEDBACK_FIELDS)[number];

export type FeedbackFormResult =
  | { ok: true; answer: FeedbackAnswer }
  | {
      ok: false;
      errors: Partial<Record<FeedbackField, string>>;
      values: Partial<Record<FeedbackField, string>>;
    };

/** What the feedback card's Action.Execute carries besides its inputs (kept: the inputs come along). */
export const feedbackActionSchema = z.looseObject({
  rolloutId: z.string().min(1).max(100),
  stageId: z.string().min(1).max(140),
});

export const FEEDBACK_MESSAGES = {
  rating: 'Choose a rating from 1 to 5.',
  installed: 'Tell us whether the app installed and worked: yes, partly or no.',
  category: 'Choose what your feedback is mostly about.',
  severity: 'Choose how serious the problem is (choose “None” if there is no problem).',
  platform: 'Choose the platform you used.',
  comment: 'The comment must be text.',
  shareName: 'Choose whether to share your name with the rollout team.',
} as const satisfies Record<FeedbackField, string>;

const thousands = (n: number): string => n.toLocaleString('en-US');

/** Characters as a person counts them (an emoji is one), not UTF-16 code units. */
export const characterCount = (text: string): number => [...text].length;

/**
 * A choice as its value: choice sets and toggles send strings (trimmed and lower-cased here),
 * other clients may send numbers or booleans.
 */
const asChoice = (value: unknown): unknown =>
  typeof value === 'string'
    ? value.trim().toLowerCase()
    : typeof value === 'number' || typeof value === 'boolean'
      ? String(value)
      : value;

const choice = <const T extends readonly [string, ...string[]]>(values: T, message: string) =>
  z.preprocess(asChoice, z.enum(values, { error: message }));

const RATING_VALUES = RATINGS.map(String) as [string, ...string[]];

const formSchema = z.object({
  rating: choice(RATING_VALUES, FEEDBACK_MESSAGES.rating).transform((v) => Number(v) as Rating),
  installed: choice(INSTALL_RESULTS, FEEDBACK_MESSAGES.installed),
  category: choice(CATEGORIES, FEEDBACK_MESSAGES.category),
  severity: choice(SEVERITIES, FEEDBACK_MESSAGES.severity),
  platform: choice(PLATFORMS, FEEDBACK_MESSAGES.platform),
  comment: z.preprocess(
    (v) => v ?? '',
    z
      .string({ error: FEEDBACK_MESSAGES.comment })
      .transform((v) => v.trim())
      .superRefine((v, ctx) => {
        const typed = characterCount(v);
        if (typed > MAX_COMMENT_LENGTH) {
          ctx.addIssue({
            code: 'custom',
            message: `A comment can have at most ${thousands(MAX_COMMENT_LENGTH)} characters; you typed ${thousands(typed)}. Please shorten it.`,
          });
        }
      }),
  ),
  shareName: z.preprocess(
    (v) => (v === undefined || v === null || v === '' ? 'false' : asChoice(v)),
    z.enum(['true', 'false'], { error: FEEDBACK_MESSAGES.shareName }).transform((v) => v === 'true'),
  ),
});

/** What was sent for each field, as text, so a re-rendered card keeps what the person typed. */
const echo = (data: Record<string, unknown>): Partial<Record<FeedbackField, string>> => {
  const values: Partial<Record<FeedbackField, string>> = {};
  for (const field of FEEDBACK_FIELDS) {
    const v = data[field];
    if (typeof v === 'string') values[field] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') values[field] = String(v);
  }
  return values;
};

/**
 * The feedback card's inputs as an answer, or an error per field (a sentence for the person) with
 * the values as sent, to show the card again with the errors inline.
 */
export const parseFeedbackForm = (data: Record<string, unknown>): FeedbackFormResult => {
  const parsed = formSchema.safeParse(data);
  if (parsed.success) return { ok: true, answer: parsed.data };
  const errors: Partial<Record<FeedbackField, string>> = {};
  for (const issue of parsed.error.issues) {
    const field = FEEDBACK_FIELDS.find((f) => f === issue.path[0]);
    if (field && errors[field] === undefined) errors[field] = issue.message;
  }
  return { ok: false, errors, values: echo(data) };
};
