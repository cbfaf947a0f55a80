import { PLATFORMS, type Platform } from './rollout';
import type { Person } from './roles';

/** Pilot feedback as a person gives it on the feedback card. */
export const RATINGS = [1, 2, 3, 4, 5] as const;
export type Rating = (typeof RATINGS)[number];
export const INSTALL_RESULTS = ['yes', 'partly', 'no'] as const;
export type InstallResult = (typeof INSTALL_RESULTS)[number];
export const CATEGORIES = ['install', 'sign-in', 'functionality', 'performance', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];
export const SEVERITIES = ['blocker', 'major', 'minor', 'none'] as const;
export type Severity = (typeof SEVERITIES)[number];
export { PLATFORMS, type Platform };
export const MAX_COMMENT_LENGTH = 2000;
export const MAX_RESOLUTION_NOTE_LENGTH = 500;
/** Activity keys kept on an answer so a redelivered invoke is recognised. */
export const KEPT_ACTIVITY_KEYS = 10;

export interface FeedbackAnswer {
  rating: Rating;
  installed: InstallResult;
  category: Category;
  severity: Severity;
  platform: Platform;
  comment: string;
  /** Off: the rollout team sees the answer without the person's name or id. */
  shareName: boolean;
}

/** An admin's verdict on a reported blocker or major issue. */
export interface Resolution {
  by: Person;
  at: string;
  note: string;
}

/** One person's standing answer for one phase or wave: one row, edited in place. */
export interface FeedbackEntry {
  rolloutId: string;
  /** The phase key, or `<phase>/<wave id>`: where the card was issued, even after the rollout moved on. */
  stageId: string;
  person: Person;
  answer: FeedbackAnswer;
  submittedAt: string;
  updatedAt: string;
  /**
   * Set while an admin has marked the reported issue resolved. An edit by the submitter keeps it
   * while the answer stays an issue no more serious than the one resolved (see `decideSubmit`).
   */
  resolution: Resolution | null;
  /** The latest activity keys that wrote this row, newest last (a redelivery is stored once). */
  activities: string[];
}

type Counts<K extends string | number> = Record<K, number>;

/** Counts for one phase or wave: exact sums, so shards and deltas add up. */
export interface FeedbackTally {
  responses: number;
  ratingSum: number;
  ratings: Counts<Rating>;
  platforms: Counts<Platform>;
  categories: Counts<Category>;
  installed: Counts<InstallResult>;
  severities: Counts<Severity>;
  /** Blocker answers not marked resolved. */
  openBlockers: number;
  /** Major answers not marked resolved. */
  openMajors: number;
}

const zeros = <K extends string | number>(keys: readonly K[]): Counts<K> =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Counts<K>;

export const emptyTally = (): FeedbackTally => ({
  responses: 0,
  ratingSum: 0,
  ratings: zeros(RATINGS),
  platforms: zeros(PLATFORMS),
  categories: zeros(CATEGORIES),
  installed: zeros(INSTALL_RESULTS),
  severities: zeros(SEVERITIES),
  openBlockers: 0,
  openMajors: 0,
});

const combineCounts = <K extends string | number>(
  a: Counts<K>,
  b: Counts<K>,
  keys: readonly K[],
  sign: 1 | -1,
): Counts<K> => Object.fromEntries(keys.map((k) => [k, (a[k] ?? 0) + sign * (b[k] ?? 0)])) as Counts<K>;

const combine = (a: FeedbackTally, b: FeedbackTally, sign: 1 | -1): FeedbackTally => ({
  responses: a.responses + sign * b.responses,
  ratingSum: a.ratingSum + sign * b.ratingSum,
  ratings: combineCounts(a.ratings, b.ratings, RATINGS, sign),
  platforms: combineCounts(a.platforms, b.platforms, PLATFORMS, sign),
  categories: combineCounts(a.categories, b.categories, CATEGORIES, sign),
  installed: combineCounts(a.installed, b.installed, INSTALL_RESULTS, sign),
  severities: combineCounts(a.severities, b.severities, SEVERITIES, sign),
  openBlockers: a.openBlockers + sign * b.openBlockers,
  openMajors: a.openMajors + sign * b.openMajors,
});

export const addTallies = (a: FeedbackTally, b: FeedbackTally): FeedbackTally => combine(a, b, 1);
export const sumTallies = (tallies: Iterable<FeedbackTally>): FeedbackTally =>
  [...tallies].reduce(addTallies, emptyTally());

export const isZeroTally = (t: FeedbackTally): boolean => JSON.stringify(t) === JSON.stringify(emptyTally());

/** Whether the entry is an unresolved issue of this severity. */
export const isOpenIssue = (entry: FeedbackEntry | null, severity: 'blocker' | 'major'): boolean =>
  entry !== null && entry.answer.severity === severity && entry.resolution === null;

/** What one answer adds to its stage's tally. */
export const contribution = (entry: FeedbackEntry | null): FeedbackTally => {
  const t = emptyTally();
  if (!entry) return t;
  const { answer } = entry;
  t.responses = 1;
  t.ratingSum = answer.rating;
  t.ratings[answer.rating] = 1;
  t.platforms[answer.platform] = 1;
  t.categories[answer.category] = 1;
  t.installed[answer.installed] = 1;
  t.severities[answer.severity] = 1;
  t.openBlockers = isOpenIssue(entry, 'blocker') ? 1 : 0;
  t.openMajors = isOpenIssue(entry, 'major') ? 1 : 0;
  return t;
};

/** How a change from `before` to `after` moves the counts (an edit moves; nothing double-counts). */
export const tallyDelta = (before: FeedbackEntry | null, after: FeedbackEntry | null): FeedbackTally =>
  combine(contribution(after), contribution(before), -1);

const SEVERITY_RANK: Record<Severity, number> = { none: 0, minor: 1, major: 2, blocker: 3 };

/** An open blocker or major issue the coordination conversation has not been told about yet. */
const newlyReported = (before: FeedbackEntry | null, after: FeedbackEntry): boolean => {
  const severity = after.answer.severity;
  if ((severity !== 'blocker' && severity !== 'major') || after.resolution !== null) return false;
  return before === null || SEVERITY_RANK[severity] > SEVERITY_RANK[before.answer.severity];
};

export interface SubmitInput {
  rolloutId: string;
  stageId: string;
  person: Person;
  answer: FeedbackAnswer;
  activityKey: string;
}

export type SubmitDecision =
  | { kind: 'duplicate'; entry: FeedbackEntry }
  | { kind: 'unchanged'; entry: FeedbackEntry }
  | { kind: 'store'; entry: FeedbackEntry; delta: FeedbackTally; report: boolean };

const sameAnswer = (a: FeedbackAnswer, b: FeedbackAnswer): boolean => JSON.stringify(a) === JSON.stringify(b);

const withActivity = (activities: string[], key: string): string[] =>
  [...activities, key].slice(-KEPT_ACTIVITY_KEYS);

/**
 * Whether an edit keeps the admin's resolution: only while the answer still reports a blocker or
 * major issue no more serious than the one resolved. Raised above it (major → blocker), it is a
 * new issue: open again and reported. No longer a blocker or major issue, the resolution goes with
 * it, so a later blocker (none → blocker) is open and reported, never hidden behind an old verdict.
 */
const keptResolution = (existing: FeedbackEntry | null, severity: Severity): Resolution | null => {
  const resolution = existing?.resolution ?? null;
  if (!existing || !resolution) return null;
  if (severity !== 'blocker' && severity !== 'major') return null;
  return SEVERITY_RANK[severity] > SEVERITY_RANK[existing.answer.severity] ? null : resolution;
};

/**
 * A submission against the person's standing answer: a redelivered activity or an identical
 * answer (a double click) changes nothing; otherwise the row is written and the stage's counts
 * move by the delta. A resolved issue stays resolved while its submitter's edits keep it at the
 * same (or a lower) severity; a raise re-opens and reports it (`keptResolution`).
 */
export const decideSubmit = (
  existing: FeedbackEntry | null,
  input: SubmitInput,
  now: Date,
): SubmitDecision => {
  if (existing?.activities.includes(input.activityKey)) return { kind: 'duplicate', entry: existing };
  if (existing && sameAnswer(existing.answer, input.answer) && existing.person.name === input.person.name) {
    return { kind: 'unchanged', entry: existing };
  }
  const at = now.toISOString();
  const entry: FeedbackEntry = {
    rolloutId: input.rolloutId,
    stageId: input.stageId,
    person: input.person,
    answer: { ...input.answer, comment: input.answer.comment.trim() },
    submittedAt: existing?.submittedAt ?? at,
    updatedAt: at,
    resolution: keptResolution(existing, input.answer.severity),
    activities: withActivity(existing?.activities ?? [], input.activityKey),
  };
  return { kind: 'store', entry, delta: tallyDelta(existing, entry), report: newlyReported(existing, entry) };
};

export type ResolveDecision =
  | { ok: true; kind: 'store'; entry: FeedbackEntry; delta: FeedbackTally }
  | { ok: true; kind: 'unchanged'; entry: FeedbackEntry }
  | { ok: false; message: string };

/** An admin marks a reported blocker or major issue resolved (with a note) or reopens it. */
export const decideResolve = (
  existing: FeedbackEntry,
  input: { by: Person; resolved: boolean; note: string },
  now: Date,
): ResolveDecision => {
  if (existing.answer.severity !== 'blocker' && existing.answer.severity !== 'major') {
    return {
      ok: false,
      message: 'That answer no longer reports a blocker or major issue; nothing to resolve.',
    };
  }
  const note = input.note.trim();
  if (input.resolved && !note)
    return { ok: false, message: 'Resolving an issue needs a note: what fixed it?' };
  if (note.length > MAX_RESOLUTION_NOTE_LENGTH) {
    return { ok: false, message: `A note has at most ${MAX_RESOLUTION_NOTE_LENGTH} characters.` };
  }
  if (input.resolved === (existing.resolution !== null)) {
    if (!input.resolved || existing.resolution?.note === note)
      return { ok: true, kind: 'unchanged', entry: existing };
  }
  const entry: FeedbackEntry = {
    ...existing,
    resolution: input.resolved ? { by: input.by, at: now.toISOString(), note } : null,
  };
  return { ok: true, kind: 'store', entry, delta: tallyDelta(existing, entry) };
};

/** Figures people read, from a tally and (when known) the audience size. */
export interface FeedbackFigures {
  responses: number;
  audience: number | null;
  /** Responses ÷ audience, in %, when the audience is known. */
  responseRate: number | null;
  averageRating: number | null;
  /** yes ÷ all answers, in %. */
  installSuccess: number | null;
  /** partly ÷ all answers, in %. */
  installPartly: number | null;
  openBlockers: number;
  openMajors: number;
}

const percent = (part: number, whole: number): number | null =>
  whole > 0 ? Math.round((part / whole) * 1000) / 10 : null;

export const figuresOf = (tally: FeedbackTally, audience: number | null): FeedbackFigures => ({
  responses: tally.responses,
  audience,
  responseRate: audience ? percent(tally.responses, audience) : null,
  averageRating: tally.responses > 0 ? Math.round((tally.ratingSum / tally.responses) * 100) / 100 : null,
  installSuccess: percent(tally.installed.yes, tally.responses),
  installPartly: percent(tally.installed.partly, tally.responses),
  openBlockers: tally.openBlockers,
  openMajors: tally.openMajors,
});
