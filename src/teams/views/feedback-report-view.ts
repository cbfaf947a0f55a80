/**
 * The rollout team's views of all the answers: `feedback summary` (figures, charts, comments) and
 * the link to the CSV export.
 */
import type { RecentComment } from '../../app/ports';
import { stageLabel as labelOfStage } from '../../domain/feedback-access';
import { findStage, isWaveStageId } from '../../domain/feedback-goals';
import {
  CATEGORIES,
  figuresOf,
  PLATFORMS,
  RATINGS,
  sumTallies,
  type FeedbackTally,
  type Rating,
} from '../../domain/feedback';
import type { Rollout } from '../../domain/rollout';
import { defineCard } from '../render-card';
import { CATEGORY_LABELS, PLATFORM_LABELS, RATING_LABELS } from '../../domain/feedback-labels';
import { ANONYMOUS } from './feedback-view';
import { formatInstant } from './format';

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

/** The single-use link to the CSV of every answer. */
export interface FeedbackExportCardData {
  rolloutName: string;
  /** "12 answers". */
  answers: string;
  url: string;
  /** When the link expires, formatted in the rollout's time zone. */
  expiresAt: string;
}

export const feedbackSummaryCard = defineCard<FeedbackSummaryCardData>()('feedback-summary');
export const feedbackExportCard = defineCard<FeedbackExportCardData>()('feedback-export');

const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
const plural = (n: number, one: string, many: string): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

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
