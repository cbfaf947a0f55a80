/**
 * The kinds of value a plan file holds (text, labels, slugs, GUIDs, choices, dates, counts), as zod
 * schemas with the file's error messages: `must be …` with the value shown, `is required` for a
 * missing key. `plan-file-schema.ts` puts them together into the file.
 */
import { z } from 'zod';
import { LEVELS, PLATFORMS } from '../domain/rollout';
import { isLocalDateTime } from '../domain/time';
import { boundsText, PLAN_LIMITS, type GoalBounds } from './plan-file-rules';

const SLUG = /^[a-z0-9][a-z0-9-]{0,39}$/;
const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const LOCAL_DATE_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/;
const DEADLINE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$/;
const HTTPS_URL_OR_EMPTY = /^(https:\/\/\S+)?$/;
const COUNTRY = /^[A-Za-z]{2}$/;

/** A value as a message shows it: strings quoted (and cut at 40 characters), lists and mappings named. */
export const shown = (value: unknown): string => {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return `"${value.length > 40 ? `${value.slice(0, 40)}…` : value}"`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
};

/** The message for a value of the wrong type, or for a required key that is missing. */
export const typeError =
  (expected: string) =>
  (issue: { input?: unknown }): string =>
    issue.input === undefined ? 'is required' : `must be ${expected} (got ${shown(issue.input)})`;

const UNKNOWN_KEY = 'unknown key';

/**
 * Objects refuse unknown keys, naming the keys allowed. The message has the form
 * `unknown key "x"; allowed here: a, b` (plan-yaml reports one error per unknown key).
 */
export const strict = <S extends z.ZodRawShape>(
  shape: S,
  what = 'a mapping of keys to values',
  /** Keys taken but not named (the plan model's own form of a setting, which files never need). */
  unnamed: readonly (keyof S & string)[] = [],
) =>
  z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `${UNKNOWN_KEY}${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed here: ${Object.keys(
            shape,
          )
            .filter((k) => !unnamed.includes(k))
            .join(', ')}`
        : typeError(what)(issue),
  });

/** Splits an unknown-keys message into the message for one of its keys. */
export const unknownKeyMessage = (message: string, key: string): string => {
  const allowed = message.indexOf('; allowed here:');
  return `${UNKNOWN_KEY} "${key}"${allowed >= 0 ? message.slice(allowed) : ''}`;
};

/**
 * Splits an unknown-keys message into the message for each of its keys, reading the message once
 * (a file with thousands of unknown keys has a message as long: once per key would be quadratic).
 */
export const unknownKeyMessages = (message: string, keys: readonly string[]): string[] => {
  const allowed = message.indexOf('; allowed here:');
  const suffix = allowed >= 0 ? message.slice(allowed) : '';
  return keys.map((key) => `${UNKNOWN_KEY} "${key}"${suffix}`);
};

export const text = (max: number) =>
  z
    .string({ error: typeError('text') })
    .max(max, { error: (issue) => `must be at most ${max} characters (has ${String(issue.input).length})` });

/** Text that must say something: 1–max characters, not only spaces. */
export const label = (max: number) =>
  text(max)
    .min(1, 'must not be empty')
    .refine((v) => v === '' || v.trim() !== '', 'must not be only spaces');

export const slug = (what: string) =>
  z.string({ error: typeError(`a ${what} id`) }).regex(SLUG, {
    error: (issue) =>
      `must be a ${what} id: lowercase letters, digits and hyphens, starting with a letter or digit, at most 40 characters (got ${shown(issue.input)})`,
  });

export const guid = (what: string) =>
  z
    .string({ error: typeError(what) })
    .regex(GUID, { error: (issue) => `must be ${what} (got ${shown(issue.input)})` });

export const oneOf = <const T extends readonly [string, ...string[]]>(values: T) =>
  z.enum(values, {
    error: (issue) =>
      issue.input === undefined
        ? 'is required'
        : `must be one of ${values.join(', ')} (got ${shown(issue.input)})`,
  });

export const localDateTime = z
  .string({ error: typeError('a date YYYY-MM-DD or a date and time YYYY-MM-DDTHH:mm') })
  .regex(LOCAL_DATE_TIME, {
    error: (issue) =>
      `must be a date YYYY-MM-DD or a date and time YYYY-MM-DDTHH:mm (got ${shown(issue.input)})`,
  })
  .refine(isLocalDateTime, {
    error: (issue) => `must be a real date (years 2000–2100) and time of day (got ${shown(issue.input)})`,
  });

/** A deadline as a file may write it (`YYYY-MM-DD HH:mm`) in the plan model's form, `YYYY-MM-DDTHH:mm`. */
export const deadlineOf = (value: string): string => value.replace(' ', 'T');

/** A local date and time, a time of day required: `YYYY-MM-DD HH:mm` or `YYYY-MM-DDTHH:mm`. */
export const localDeadline = z
  .string({ error: typeError('a date and time YYYY-MM-DD HH:mm') })
  .regex(DEADLINE, {
    error: (issue) =>
      `must be a date and time YYYY-MM-DD HH:mm (or YYYY-MM-DDTHH:mm) (got ${shown(issue.input)})`,
  })
  .refine((v) => isLocalDateTime(deadlineOf(v)), {
    error: (issue) => `must be a real date (years 2000–2100) and time of day (got ${shown(issue.input)})`,
  });

/** Reports each later duplicate (by `keyOf`) at its own index (and `field`, when given). */
export const noDuplicates =
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

/** A list of choices from `values`, no duplicates. */
export const choices = <const T extends readonly [string, ...string[]]>(values: T, what: string) =>
  z
    .array(oneOf(values), { error: typeError(`a list of ${what}s (${values.join(', ')})`) })
    .superRefine(noDuplicates<T[number]>(what, (p) => p));

export const platforms = choices(PLATFORMS, 'platform').default(() => []);

const IDS = {
  object: { id: 'an Entra object id (a GUID)', list: 'a list of Entra object ids', noun: 'member' },
  group: { id: 'an Entra group id (a GUID)', list: 'a list of Entra group ids', noun: 'group' },
} as const;

/** Entra object (or group) ids, at most `max`, no duplicates (compared case-insensitively). */
export const guids = (kind: keyof typeof IDS, max: number) => {
  const { id, list, noun } = IDS[kind];
  return z
    .array(guid(id), { error: typeError(list) })
    .max(max, `must have at most ${max} ${noun}s`)
    .superRefine(noDuplicates<string>(noun, (v) => v.toLowerCase()));
};

/** Names (departments, offices) to match, at most `max`, no duplicates (compared case-insensitively). */
export const names = (what: string, max: number, length: number) =>
  z
    .array(label(length), { error: typeError(`a list of ${what}s`) })
    .max(max, `must have at most ${max} ${what}s`)
    .superRefine(noDuplicates<string>(what, (v) => v.trim().toLowerCase()));

/** ISO 3166 alpha-2 country codes (DE, us), at most `max`, no duplicates (compared case-insensitively). */
export const countries = (max: number) =>
  z
    .array(
      z.string({ error: typeError('a country code') }).regex(COUNTRY, {
        error: (issue) =>
          `must be a two-letter country code (ISO 3166 alpha-2, e.g. DE) (got ${shown(issue.input)})`,
      }),
      { error: typeError('a list of country codes') },
    )
    .max(max, `must have at most ${max} countries`)
    .superRefine(noDuplicates<string>('country', (v) => v.toUpperCase()));

export const httpsUrlOrEmpty = text(PLAN_LIMITS.longText)
  .regex(HTTPS_URL_OR_EMPTY, {
    error: (issue) => `must be empty or an https:// URL (got ${shown(issue.input)})`,
  })
  .refine((v) => v === '' || URL.canParse(v), {
    error: (issue) => `must be empty or an https:// URL (got ${shown(issue.input)})`,
  });

export const level = oneOf(LEVELS).nullable().default(null);

export const count = z
  .number({ error: typeError('a whole number') })
  .int({ error: (issue) => `must be a whole number (got ${shown(issue.input)})` })
  .min(0, `must be from 0 to ${PLAN_LIMITS.count.toLocaleString('en-US')}`)
  .max(PLAN_LIMITS.count, `must be from 0 to ${PLAN_LIMITS.count.toLocaleString('en-US')}`)
  .nullable()
  .default(null);

/** A number in a range (`whole`: whole numbers only): `must be a number from 1 to 5 (got 6)`. */
export const bounded = (bounds: GoalBounds) => {
  const outOfRange = (issue: { input?: unknown }): string =>
    `must be ${boundsText(bounds)} (got ${shown(issue.input)})`;
  const number = z.number({ error: typeError(boundsText(bounds)) });
  return (bounds.whole ? number.int({ error: outOfRange }) : number)
    .min(bounds.min, { error: outOfRange })
    .max(bounds.max, { error: outOfRange });
};
