/** The data the feedback templates in `cards/` are expanded with. Template and type change together. */
import type { FeedbackField } from './feedback-form';

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

export interface Fact {
  title: string;
  value: string;
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
