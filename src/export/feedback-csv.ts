import type { FeedbackEntry } from '../domain/feedback';
import { CATEGORY_LABELS, INSTALL_LABELS, PLATFORM_LABELS, SEVERITY_LABELS } from '../domain/feedback-labels';
import { toCsv, type CsvCell } from './csv';

export const FEEDBACK_CSV_HEADER = [
  'Stage',
  'Submitted at',
  'Updated at',
  'Name',
  'Person id',
  'Rating',
  'Installed and working',
  'Category',
  'Severity',
  'Platform',
  'Comment',
  'Issue status',
  'Resolved by',
  'Resolution note',
];

const isIssue = (entry: FeedbackEntry): boolean =>
  entry.answer.severity === 'blocker' || entry.answer.severity === 'major';

const row = (entry: FeedbackEntry, stage: string): CsvCell[] => {
  const { answer } = entry;
  // An anonymous answer: the rollout team sees neither the name nor the id (an id names a person too).
  const named = answer.shareName;
  // Issue status is Open / Resolved for a blocker or major answer, empty otherwise. A resolution
  // outlives an edit that lowers the severity; such a row is no issue, so its columns stay empty.
  const resolution = isIssue(entry) ? entry.resolution : null;
  return [
    stage,
    entry.submittedAt,
    entry.updatedAt,
    named ? entry.person.name : '',
    named ? entry.person.id : '',
    answer.rating,
    INSTALL_LABELS[answer.installed],
    CATEGORY_LABELS[answer.category],
    SEVERITY_LABELS[answer.severity],
    PLATFORM_LABELS[answer.platform],
    answer.comment,
    isIssue(entry) ? (resolution ? 'Resolved' : 'Open') : '',
    resolution?.by.name ?? '',
    resolution?.note ?? '',
  ];
};

/** The feedback of a rollout as CSV, one row per answer, in the order given. */
export const feedbackCsv = (
  entries: FeedbackEntry[],
  labels: { stage: (stageId: string) => string },
): string =>
  toCsv(
    FEEDBACK_CSV_HEADER,
    entries.map((entry) => row(entry, labels.stage(entry.stageId))),
  );
