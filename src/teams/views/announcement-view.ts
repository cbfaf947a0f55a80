/**
 * The cards of phase announcements: the person's own card (with "Got it" and "Give feedback"),
 * the post in the coordination and help-desk conversations with its live counts, and the preview
 * an admin confirms. Every time is shown in the rollout's zone: time frames are local times of
 * it already (shown with the zone's name), instants are formatted in it.
 */
import type { AnnouncementPostView, AnnouncementPreview } from '../../app/ports';
import type { Announcement, AnnouncementState, AnnouncementText } from '../../domain/announcement';
import { defineCard } from '../render-card';
import { formatInstant, type Fact } from './format';
import { timeFrameText } from './plan-view';
import { COMMUNICATION_CHARS, cut, ENROLLMENT_LABELS } from './signoff-coming';

/** The communication plan in a post: short, the counts are what the conversation follows. */
export const POST_CHARS = 160;

/** What the cards show of an announcement's text. */
export interface AnnouncementTextData {
  rolloutName: string;
  stageLabel: string;
  /** When (the time frame with its zone) and, for a wave, the enrollment approach. */
  facts: Fact[];
  /** What is deployed, how and when, why: each cut to the card's length. */
  communication: Fact[];
  hasCommunication: boolean;
  helpDeskContact: string;
  hasHelpDeskContact: boolean;
  /** An https:// URL, or "" (then no self-help button). */
  selfHelpUrl: string;
  hasSelfHelp: boolean;
}

const textData = (text: AnnouncementText, chars: number): AnnouncementTextData => {
  const frame = timeFrameText(text.timeFrame);
  const facts: Fact[] = [
    {
      title: 'When',
      value: text.timeFrame.start || text.timeFrame.end ? `${frame} (${text.timeZone})` : frame,
    },
  ];
  if (text.enrollment) facts.push({ title: 'Enrollment', value: ENROLLMENT_LABELS[text.enrollment] });
  const communication = [
    { title: 'What is deployed', value: text.whatIsDeployed },
    { title: 'How and when', value: text.howAndWhen },
    { title: 'Why', value: text.businessPurpose },
  ]
    .filter((f) => f.value.trim())
    .map((f) => ({ ...f, value: cut(f.value, chars) }));
  const helpDeskContact = cut(text.helpDeskContact, chars);
  const selfHelpUrl = text.selfHelpUrl.trim();
  const hasSelfHelp = /^https:\/\/\S+$/i.test(selfHelpUrl);
  return {
    rolloutName: text.rolloutName,
    stageLabel: text.stageLabel,
    facts,
    communication,
    hasCommunication: communication.length > 0,
    helpDeskContact,
    hasHelpDeskContact: helpDeskContact.length > 0,
    selfHelpUrl: hasSelfHelp ? selfHelpUrl : '',
    hasSelfHelp,
  };
};

// ---- the person's card ----

/**
 * `new`: as sent; `thanked`: after "Got it" (replaces the card); `test`: "Send a test to me",
 * whose "Got it" names no delivery (part -1) and so counts nothing; `reminder`: the "Got it"
 * reminder (the announcement passed is the original, `part` the person's partition in it).
 */
export type PersonalVariant = 'new' | 'thanked' | 'test' | 'reminder';

/** What "Got it" carries: the announcement and the delivery partition; never who clicked. */
export interface GotItData {
  announcementId: string;
  /** The person's delivery partition; -1 on a test card. */
  part: number;
  test: boolean;
}

export interface AnnouncementPersonalCardData extends AnnouncementTextData {
  title: string;
  isTest: boolean;
  testLine: string;
  /** A "Got it" reminder: the announcement again, marked as a reminder. */
  isReminder: boolean;
  reminderLine: string;
  thanked: boolean;
  thanksLine: string;
  showGotIt: boolean;
  gotItData: GotItData;
  /** The stage takes feedback: "Give feedback" opens its form (`feedback.edit`). */
  takesFeedback: boolean;
  rolloutId: string;
  stageId: string;
}

export const TEST_LINE = 'Test — only you got this. "Got it" on it counts nothing.';
export const THANKS_LINE = 'Thanks — noted.';
export const GOT_IT_REMINDER_LINE = 'Reminder: please read this and click "Got it".';

export const announcementPersonalData = (
  announcement: Pick<Announcement, 'id' | 'rolloutId' | 'text'>,
  part: number,
  variant: PersonalVariant = 'new',
): AnnouncementPersonalCardData => {
  const { text } = announcement;
  const test = variant === 'test';
  return {
    ...textData(text, COMMUNICATION_CHARS),
    title: `What is coming: ${text.stageLabel}`,
    isTest: test,
    testLine: TEST_LINE,
    isReminder: variant === 'reminder',
    reminderLine: GOT_IT_REMINDER_LINE,
    thanked: variant === 'thanked',
    thanksLine: THANKS_LINE,
    showGotIt: variant !== 'thanked',
    gotItData: { announcementId: announcement.id, part: test ? -1 : part, test },
    takesFeedback: text.takesFeedback,
    rolloutId: announcement.rolloutId,
    stageId: text.stageId,
  };
};

export const announcementPersonalCard = defineCard<AnnouncementPersonalCardData>()('announcement-personal');

// ---- the post in the coordination and help-desk conversations ----

export interface AnnouncementPostCardData extends AnnouncementTextData {
  title: string;
  /** "Scheduled for 12 Feb 2026, 09:00 CET", "Sending…", "Done", "Cancelled by …". */
  stateLine: string;
  stateColor: string;
  counts: Fact[];
  byLine: string;
}

const count = (n: number): string => n.toLocaleString('en-US');

const STATE_COLORS: Readonly<Record<AnnouncementState, string>> = {
  scheduled: 'Accent',
  expanding: 'Accent',
  sending: 'Accent',
  done: 'Good',
  cancelled: 'Warning',
  skipped: 'Warning',
};

const stateLine = (a: Announcement): string => {
  const zone = a.text.timeZone;
  switch (a.state) {
    case 'scheduled':
      return `Scheduled for ${formatInstant(a.scheduledAt, zone)}`;
    case 'expanding':
      return 'Preparing the recipients…';
    case 'sending':
      return 'Sending…';
    case 'done':
      return a.completedAt ? `Done (${formatInstant(a.completedAt, zone)})` : 'Done';
    case 'cancelled':
      return a.cancelledBy?.name ? `Cancelled by ${a.cancelledBy.name}` : 'Cancelled';
    case 'skipped':
      return 'Skipped: nothing was sent';
  }
};

export const announcementPostData = ({
  announcement: a,
  counts,
}: AnnouncementPostView): AnnouncementPostCardData => ({
  ...textData(a.text, POST_CHARS),
  title: `📣 Announcement: ${a.text.stageLabel}`,
  stateLine: stateLine(a),
  stateColor: STATE_COLORS[a.state],
  counts: [
    { title: 'Recipients', value: count(counts.recipients) },
    { title: 'Sent', value: count(counts.sent) },
    { title: 'Got it', value: count(counts.gotIt) },
    { title: 'Pending', value: count(counts.pending) },
    { title: 'Failed', value: count(counts.failed) },
    { title: 'Blocked the bot', value: count(counts.blocked) },
    { title: 'App not installed', value: count(counts.notInstalled) },
    { title: 'Possible duplicates', value: count(counts.possibleDuplicates) },
    ...(counts.cancelled > 0 ? [{ title: 'Cancelled', value: count(counts.cancelled) }] : []),
  ],
  byLine: `By ${a.by.name || 'an admin'} · ${formatInstant(a.createdAt, a.text.timeZone)}`,
});

export const announcementPostCard = defineCard<AnnouncementPostCardData>()('announcement-post');

// ---- the preview an admin confirms ----

/** What Send, Send a test to me and Skip carry: `at` only for a scheduled announcement. */
export interface PreviewActionData {
  announcementId: string;
  rolloutId: string;
  stageId: string;
  at?: string;
}

export interface AnnouncementPreviewCardData extends AnnouncementTextData {
  title: string;
  audienceLine: string;
  /** No audience is known: the line is a warning. */
  noAudience: boolean;
  scheduleLine: string;
  hasSchedule: boolean;
  /** The buttons are shown until someone decided (then `decidedLine` says what was done). */
  showActions: boolean;
  decidedLine: string;
  hasDecided: boolean;
  actionData: PreviewActionData;
  notice: string;
  hasNotice: boolean;
}

export const NO_AUDIENCE_LINE =
  'No audience is known: only the coordination and help-desk conversations get it.';

const AUDIENCE_SOURCES: Readonly<Record<AnnouncementPreview['audience'], string>> = {
  listed: 'the members listed in the plan',
  snapshot: 'the resolved audience',
  none: '',
};

export const announcementPreviewData = (
  preview: AnnouncementPreview,
  options: { notice?: string; decided?: string } = {},
): AnnouncementPreviewCardData => {
  const { text } = preview;
  const none = preview.audience === 'none';
  const people = `${count(preview.recipients)} ${preview.recipients === 1 ? 'person' : 'people'}`;
  const decided = options.decided ?? '';
  const notice = options.notice ?? '';
  return {
    ...textData(text, COMMUNICATION_CHARS),
    title: `Announce ${text.stageLabel}?`,
    audienceLine: none
      ? NO_AUDIENCE_LINE
      : `Goes to ${people} (${AUDIENCE_SOURCES[preview.audience]}), and to the coordination and help-desk conversations.`,
    noAudience: none,
    scheduleLine: preview.scheduledAt
      ? `Scheduled for ${formatInstant(preview.scheduledAt, text.timeZone)}`
      : '',
    hasSchedule: preview.scheduledAt !== null,
    showActions: !decided,
    decidedLine: decided,
    hasDecided: decided.length > 0,
    actionData: {
      announcementId: preview.announcementId,
      rolloutId: preview.rolloutId,
      stageId: text.stageId,
      ...(preview.scheduledAt ? { at: preview.scheduledAt } : {}),
    },
    notice,
    hasNotice: notice.length > 0,
  };
};

export const announcementPreviewCard = defineCard<AnnouncementPreviewCardData>()('announcement-preview');
