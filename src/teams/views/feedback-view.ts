import type { RecentComment } from '../../app/ports';
import { stageLabel as labelOfStage } from '../../domain/feedback-access';
import { findStage, isWaveStageId } from '../../domain/feedback-goals';
import {
  CATEGORIES,
  figuresOf,
  PLATFORMS,
  RATINGS,
  sumTallies,
  type FeedbackAnswer,
  type FeedbackEntry,
  type FeedbackTally,
  type Rating,
  type Severity,
} from '../../domain/feedback';
import type { Rollout } from '../../domain/rollout';
import { FEEDBACK_FIELDS, type FeedbackField } from '../feedback-form';
import { defineCard } from '../render-card';
import {
  CATEGORY_LABELS,
  INSTALL_LABELS,
  PLATFORM_LABELS,
  RATING_LABELS,
  SEVERITY_DESCRIPTIONS,
} from '../../domain/feedback-labels';
import { formatInstant, type Fact } from './format';

/** What every feedback card's buttons carry: the rollout and the phase or wave the answer is for. */
export interface FeedbackRef {
  rolloutId: string;
  /** The phase key, or `<phase>/<wave id>`. */
  stageId: string;
}

/** The feedback form: its inputs' values (as text) and an error per field ('' when none). */
export interface FeedbackFormCardData extends FeedbackRef {
  rolloutName: string;
  /** "Pilot — stage 2 of 3: More IT users". */
  stageLabel: string;
  values: Record<FeedbackField, string>;
  errors: Record<FeedbackField, string>;
  formError: string;
  hasFormError: boolean;
  /** The stage no longer takes feedback: the reason is shown instead of the inputs. */
  closed: boolean;
  closedReason: string;
}

/** The thank-you card that replaces the form for the person who answered. */
export interface FeedbackThanksCardData extends FeedbackRef {
  /** "Thanks, Lee!" when the person shares their name, else "Thanks!". */
  title: string;
  rolloutName: string;
  stageLabel: string;
  answers: Fact[];
  notice: string;
  hasNotice: boolean;
}

/** One phase or wave of the summary, its figures as people read them. */
export interface FeedbackSummaryStage {
  stageId: string;
  label: string;
  /** "12 of 30 people (40%)" or "12". */
  responses: string;
  /** "4.25 of 5", or "—" before any answer. */
  averageRating: string;
  /** "92% (5% partly)", or "—". */
  installSuccess: string;
  openBlockers: string;
  openMajors: string;
  /** Open blockers or major issues: the section is highlighted. */
  hasOpenIssues: boolean;
  /** "Ratings 1·0 2·1 3·4 4·3 5·2 — Windows 5, macOS 2 — Sign-in 3, Performance 1" (see `distributionLine`). */
  distribution: string;
}

/** A bar of a chart, for the charts' fallback (clients without Teams charts). */
export interface FeedbackBarRow {
  label: string;
  count: string;
  /** A text bar of "█", its length proportional to the count (empty for none). */
  bar: string;
}

export interface FeedbackSummaryComment {
  who: string;
  rating: string;
  stage: string;
  when: string;
  text: string;
}

/**
 * `feedback summary`: figures and distributions per phase and wave, charts of all answers, the
 * latest comments.
 */
export interface FeedbackSummaryCardData {
  title: string;
  rolloutName: string;
  /** At least one answer: the charts are shown. */
  hasFeedback: boolean;
  /** "12 answers in 2 phases and waves", or the reason there is nothing to show. */
  overview: string;
  stages: FeedbackSummaryStage[];
  /** Chart.VerticalBar data: ratings 1..5. */
  ratingChart: { x: string; y: number; color: string }[];
  ratingRows: FeedbackBarRow[];
  /** Chart.Pie data: the platforms answers came from (none with no answers). */
  platformChart: { legend: string; value: number }[];
  platformRows: FeedbackBarRow[];
  /** Chart.HorizontalBar data: every category. */
  categoryChart: { x: string; y: number }[];
  categoryRows: FeedbackBarRow[];
  comments: FeedbackSummaryComment[];
  hasComments: boolean;
}

/** A reported blocker or major issue, as the coordination conversation sees it. */
export interface FeedbackIssueCardData {
  rolloutId: string;
  /**
   * Which answer the card is about (its stage and key), sealed: opaque, different on every card,
   * so cards never carry the person's id nor a key that links their answers across stages.
   */
  ref: string;
  /** "⛔ Blocker" or "⚠️ Major issue". */
  title: string;
  rolloutName: string;
  stageLabel: string;
  /** The reporter's name when they shared it, else "Anonymous". */
  reporter: string;
  rating: string;
  category: string;
  platform: string;
  installed: string;
  comment: string;
  reportedAt: string;
  open: boolean;
  /** "Open", or "Resolved by Adele Vance at 10 Feb 2026, 17:30 UTC: Fixed in 2.1". */
  state: string;
  notice: string;
  hasNotice: boolean;
}

/** The single-use link to the CSV of every answer. */
export interface FeedbackExportCardData {
  rolloutName: string;
  /** "12 answers". */
  answers: string;
  url: string;
  /** When the link expires, formatted in the rollout's time zone. */
  expiresAt: string;
}

export const feedbackFormCard = defineCard<FeedbackFormCardData>()('feedback-form');
export const feedbackThanksCard = defineCard<FeedbackThanksCardData>()('feedback-thanks');
export const feedbackSummaryCard = defineCard<FeedbackSummaryCardData>()('feedback-summary');
export const feedbackIssueCard = defineCard<FeedbackIssueCardData>()('feedback-issue');
export const feedbackExportCard = defineCard<FeedbackExportCardData>()('feedback-export');

export {
  CATEGORY_LABELS,
  INSTALL_LABELS,
  PLATFORM_LABELS,
  RATING_LABELS,
  SEVERITY_DESCRIPTIONS,
  SEVERITY_LABELS,
} from '../../domain/feedback-labels';

export const ANONYMOUS = 'Anonymous';

const yesNo = (b: boolean): string => (b ? 'Yes' : 'No');
const orDash = (text: string): string => text.trim() || '—';
const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const plural = (n: number, one: string, many: string): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/** The name the rollout team may see: only when the person chose to share it; never the id. */
const sharedName = (entry: FeedbackEntry): string | null =>
  entry.answer.shareName && entry.person.name.trim() ? entry.person.name.trim() : null;

// ---- the form ----

export type FeedbackValues = Partial<Record<FeedbackField, string>>;
export type FeedbackErrors = Partial<Record<FeedbackField, string>>;

/** A stored answer as the form's inputs show it (editing). */
export const answerValues = (answer: FeedbackAnswer): Record<FeedbackField, string> => ({
  rating: String(answer.rating),
  installed: answer.installed,
  category: answer.category,
  severity: answer.severity,
  platform: answer.platform,
  comment: answer.comment,
  shareName: answer.shareName ? 'true' : 'false',
});

const BLANK_VALUES: Readonly<Record<FeedbackField, string>> = {
  rating: '',
  installed: '',
  category: '',
  severity: '',
  platform: '',
  comment: '',
  shareName: 'false',
};

export const feedbackFormData = (input: {
  rollout: Rollout;
  stageId: string;
  stageLabel: string;
  values?: FeedbackValues;
  errors?: FeedbackErrors;
  formError?: string;
  /** Why the stage takes no (more) feedback; the form is then shown without inputs. */
  closed?: string | null;
}): FeedbackFormCardData => {
  const values = { ...BLANK_VALUES, ...input.values };
  const formError = input.formError ?? '';
  return {
    rolloutId: input.rollout.id,
    stageId: input.stageId,
    rolloutName: input.rollout.name,
    stageLabel: input.stageLabel,
    values: {
      ...values,
      shareName: values.shareName.trim().toLowerCase() === 'true' ? 'true' : 'false',
    },
    errors: Object.fromEntries(FEEDBACK_FIELDS.map((f) => [f, input.errors?.[f] ?? ''])) as Record<
      FeedbackField,
      string
    >,
    formError,
    hasFormError: formError.length > 0,
    closed: !!input.closed,
    closedReason: input.closed ?? '',
  };
};

// ---- the thank-you card ----

export const feedbackThanksData = (input: {
  rollout: Rollout;
  stageId: string;
  stageLabel: string;
  entry: FeedbackEntry;
  notice: string;
}): FeedbackThanksCardData => {
  const { answer } = input.entry;
  const name = sharedName(input.entry);
  return {
    rolloutId: input.rollout.id,
    stageId: input.stageId,
    title: name ? `Thanks, ${name}!` : 'Thanks!',
    rolloutName: input.rollout.name,
    stageLabel: input.stageLabel,
    answers: [
      { title: 'Rating', value: RATING_LABELS[answer.rating] },
      { title: 'Installed and works', value: INSTALL_LABELS[answer.installed] },
      { title: 'About', value: CATEGORY_LABELS[answer.category] },
      { title: 'Severity', value: SEVERITY_DESCRIPTIONS[answer.severity] },
      { title: 'Platform', value: PLATFORM_LABELS[answer.platform] },
      { title: 'Comment', value: orDash(answer.comment) },
      { title: 'Name shared with the rollout team', value: yesNo(answer.shareName) },
    ],
    notice: input.notice,
    hasNotice: input.notice.length > 0,
  };
};

// ---- the summary ----

export interface SummaryStageInput {
  stageId: string;
  label: string;
  tally: FeedbackTally;
  audience: number | null;
}

/** Length of the longest text bar in the charts' fallback. */
export const MAX_BAR = 20;
/** Comments longer than this are cut in the summary (the export has them whole). */
export const SUMMARY_COMMENT_CHARS = 500;

const RATING_COLORS: Readonly<Record<Rating, string>> = {
  1: 'attention',
  2: 'attention',
  3: 'warning',
  4: 'good',
  5: 'good',
};

/** Text bars proportional to the counts: the longest is MAX_BAR, any count above 0 at least one. */
export const barRows = (rows: readonly (readonly [label: string, count: number])[]): FeedbackBarRow[] => {
  const max = Math.max(0, ...rows.map(([, n]) => n));
  return rows.map(([label, count]) => ({
    label,
    count: count.toLocaleString('en-US'),
    bar: count > 0 && max > 0 ? '█'.repeat(Math.max(1, Math.round((count / max) * MAX_BAR))) : '',
  }));
};

/**
 * A stage's distributions on one line: every rating, then the platforms and categories answers
 * came from (only those with answers), e.g. "Ratings 1·0 2·1 3·4 4·3 5·2 — Windows 5, macOS 2 —
 * Sign-in 3, Performance 1".
 */
export const distributionLine = (tally: FeedbackTally): string => {
  const count = (n: number): string => n.toLocaleString('en-US');
  const ratings = `Ratings ${RATINGS.map((r) => `${r}·${count(tally.ratings[r])}`).join(' ')}`;
  const platforms = PLATFORMS.filter((p) => tally.platforms[p] > 0).map(
    (p) => `${PLATFORM_LABELS[p]} ${count(tally.platforms[p])}`,
  );
  const categories = CATEGORIES.filter((c) => tally.categories[c] > 0).map(
    (c) => `${CATEGORY_LABELS[c]} ${count(tally.categories[c])}`,
  );
  return [ratings, platforms.join(', '), categories.join(', ')].filter(Boolean).join(' — ');
};

const stageFigures = (stage: SummaryStageInput): FeedbackSummaryStage => {
  const f = figuresOf(stage.tally, stage.audience);
  const partly = f.installPartly ? ` (${fmt(f.installPartly)}% partly)` : '';
  return {
    stageId: stage.stageId,
    label: stage.label,
    responses:
      f.responseRate !== null && f.audience !== null
        ? `${f.responses.toLocaleString('en-US')} of ${plural(f.audience, 'person', 'people')} (${fmt(f.responseRate)}%)`
        : f.responses.toLocaleString('en-US'),
    averageRating: f.averageRating === null ? '—' : `${f.averageRating.toFixed(2)} of 5`,
    installSuccess: f.installSuccess === null ? '—' : `${fmt(f.installSuccess)}%${partly}`,
    openBlockers: String(f.openBlockers),
    openMajors: String(f.openMajors),
    hasOpenIssues: f.openBlockers > 0 || f.openMajors > 0,
    distribution: distributionLine(stage.tally),
  };
};

/**
 * Every answer once: a phase's tally already includes its waves', so a wave counts on its own
 * only when its phase is not listed.
 */
export const overallTally = (stages: readonly SummaryStageInput[]): FeedbackTally => {
  const listed = new Set(stages.map((s) => s.stageId));
  return sumTallies(
    stages
      .filter((s) => !isWaveStageId(s.stageId) || !listed.has(s.stageId.split('/')[0] ?? ''))
      .map((s) => s.tally),
  );
};

const cut = (text: string, max: number): string => {
  const chars = [...text.trim()];
  return chars.length > max ? `${chars.slice(0, max).join('').trimEnd()}…` : chars.join('');
};

const stars = (rating: Rating): string => `${'★'.repeat(rating)}${'☆'.repeat(5 - rating)}`;

export const feedbackSummaryData = (input: {
  rollout: Rollout;
  stages: readonly SummaryStageInput[];
  comments: readonly RecentComment[];
  timeZone: string;
}): FeedbackSummaryCardData => {
  const { rollout } = input;
  const stages = input.stages.filter((s) => s.tally.responses > 0);
  const all = overallTally(stages);
  const labels = new Map(input.stages.map((s) => [s.stageId, s.label]));
  const labelOf = (stageId: string): string => {
    const known = labels.get(stageId);
    if (known) return known;
    const found = findStage(rollout, stageId);
    return found ? labelOfStage(rollout, found) : stageId;
  };
  const platforms = PLATFORMS.filter((p) => all.platforms[p] > 0);
  const comments = input.comments.filter((c) => c.comment.trim());
  return {
    title: 'Feedback summary',
    rolloutName: rollout.name,
    hasFeedback: all.responses > 0,
    overview:
      all.responses > 0
        ? `${plural(all.responses, 'answer', 'answers')} so far, from ${plural(stages.length, 'phase or wave', 'phases and waves')}.`
        : 'No feedback yet. Answers show up here as people send them.',
    stages: stages.map(stageFigures),
    ratingChart: RATINGS.map((r) => ({ x: String(r), y: all.ratings[r], color: RATING_COLORS[r] })),
    ratingRows: barRows(RATINGS.map((r) => [RATING_LABELS[r], all.ratings[r]] as const)),
    platformChart: platforms.map((p) => ({ legend: PLATFORM_LABELS[p], value: all.platforms[p] })),
    platformRows: barRows(platforms.map((p) => [PLATFORM_LABELS[p], all.platforms[p]] as const)),
    categoryChart: CATEGORIES.map((c) => ({ x: CATEGORY_LABELS[c], y: all.categories[c] })),
    categoryRows: barRows(CATEGORIES.map((c) => [CATEGORY_LABELS[c], all.categories[c]] as const)),
    comments: comments.map((c) => ({
      who: c.name?.trim() || ANONYMOUS,
      rating: `${stars(c.rating)} ${c.rating} of 5`,
      stage: labelOf(c.stageId),
      when: formatInstant(c.at, input.timeZone),
      text: cut(c.comment, SUMMARY_COMMENT_CHARS),
    })),
    hasComments: comments.length > 0,
  };
};

// ---- a reported issue ----

const ISSUE_TITLES: Readonly<Record<Severity, string>> = {
  blocker: '⛔ Blocker reported',
  major: '⚠️ Major issue reported',
  minor: 'Issue now marked minor',
  none: 'Issue now marked as no problem',
};

/**
 * The coordination conversation's card for a reported blocker or major issue. The reporter's
 * name only when they chose to share it; their id never, nor any key that is the same on every
 * card about them: the buttons carry `ref`, the answer's stage and key sealed by the caller
 * (`RefSealer`, different on every card).
 */
export const feedbackIssueData = (input: {
  rollout: Rollout;
  stageLabel: string;
  entry: FeedbackEntry;
  /** `sealer.seal(JSON.stringify({ stageId, personKey }))`. */
  ref: string;
  notice: string;
}): FeedbackIssueCardData => {
  const { rollout, entry } = input;
  const { answer, resolution } = entry;
  const tz = rollout.timeZone;
  return {
    rolloutId: rollout.id,
    ref: input.ref,
    title: ISSUE_TITLES[answer.severity],
    rolloutName: rollout.name,
    stageLabel: input.stageLabel,
    reporter: sharedName(entry) ?? ANONYMOUS,
    rating: RATING_LABELS[answer.rating],
    category: CATEGORY_LABELS[answer.category],
    platform: PLATFORM_LABELS[answer.platform],
    installed: INSTALL_LABELS[answer.installed],
    comment: orDash(answer.comment),
    reportedAt: formatInstant(entry.updatedAt, tz),
    open: resolution === null,
    state: resolution
      ? `Resolved by ${resolution.by.name.trim() || 'an admin'} at ${formatInstant(resolution.at, tz)}: ${resolution.note}`
      : 'Open',
    notice: input.notice,
    hasNotice: input.notice.length > 0,
  };
};

// ---- the export link ----

export const feedbackExportData = (input: {
  rollout: Rollout;
  count: number;
  url: string;
  expiresAt: string;
}): FeedbackExportCardData => ({
  rolloutName: input.rollout.name,
  answers: input.count === 0 ? 'No answers yet' : plural(input.count, 'answer', 'answers'),
  url: input.url,
  expiresAt: formatInstant(input.expiresAt, input.rollout.timeZone),
});
