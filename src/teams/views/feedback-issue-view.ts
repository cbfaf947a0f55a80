import type { FeedbackEntry, Severity } from '../../domain/feedback';
import type { Rollout } from '../../domain/rollout';
import { defineCard } from '../render-card';
import {
  CATEGORY_LABELS,
  INSTALL_LABELS,
  PLATFORM_LABELS,
  RATING_LABELS,
} from '../../domain/feedback-labels';
import { ANONYMOUS, orDash, sharedName } from './feedback-view';
import { formatInstant } from './format';

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

export const feedbackIssueCard = defineCard<FeedbackIssueCardData>()('feedback-issue');

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
