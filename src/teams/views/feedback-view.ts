/**
 * The feedback form and the thank-you card that replaces it, and what every feedback view shares
 * (the labels, `ANONYMOUS`, the shared name).
 */
import type { FeedbackAnswer, FeedbackEntry } from '../../domain/feedback';
import type { Rollout } from '../../domain/rollout';
import { FEEDBACK_FIELDS, type FeedbackField } from '../../app/feedback-form';
import { defineCard } from '../render-card';
import {
  CATEGORY_LABELS,
  INSTALL_LABELS,
  PLATFORM_LABELS,
  RATING_LABELS,
  SEVERITY_DESCRIPTIONS,
} from '../../domain/feedback-labels';
import type { Fact } from './format';

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

export const feedbackFormCard = defineCard<FeedbackFormCardData>()('feedback-form');
export const feedbackThanksCard = defineCard<FeedbackThanksCardData>()('feedback-thanks');

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
export const orDash = (text: string): string => text.trim() || '—';

/** The name the rollout team may see: only when the person chose to share it; never the id. */
export const sharedName = (entry: FeedbackEntry): string | null =>
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
