/**
 * The personal cards of reminders (announcements with a purpose), and the card each personal send
 * renders by purpose: a feedback nudge ("How is <app> working for you?" with Give feedback and
 * Stop reminding me), a "Got it" reminder (the announcement's own card again, marked a reminder,
 * its "Got it" counting on the original announcement), a sign-off reminder ("Are you ready for
 * <stage>?" with Ready / Not ready, answering the request itself). Times in the rollout's zone.
 */
import { stoppedMessage } from '../../app/announce/reminder-optout';
import type { PersonalCard } from '../../app/ports';
import type { Announcement } from '../../domain/announcement';
import { defineCard, type RenderedCard } from '../render-card';
import { announcementPersonalCard, announcementPersonalData } from './announcement-view';
import { formatInstant } from './format';

// ---- feedback nudge ----

export interface FeedbackNudgeCardData {
  title: string;
  rolloutName: string;
  stageLabel: string;
  line: string;
  /** After "Stop reminding me": the card says so and offers nothing more. */
  stopped: boolean;
  stoppedLine: string;
  /** "Give feedback" opens the stage's form (`feedback.edit`); "Stop reminding me" names the rollout. */
  rolloutId: string;
  stageId: string;
}

export const NUDGE_LINE =
  'Tell us in a minute: your answer helps decide when everyone else gets it. If you have answered already, thank you — you can ignore this.';

export const feedbackNudgeData = (
  reminder: Pick<Announcement, 'rolloutId' | 'stageId' | 'text' | 'reminder'>,
  options: { stopped?: boolean } = {},
): FeedbackNudgeCardData => {
  const { text } = reminder;
  const app = reminder.reminder?.app?.trim() || text.rolloutName;
  return {
    title: `How is ${app} working for you?`,
    rolloutName: text.rolloutName,
    stageLabel: text.stageLabel,
    line: NUDGE_LINE,
    stopped: options.stopped === true,
    stoppedLine: stoppedMessage({ name: text.rolloutName }),
    rolloutId: reminder.rolloutId,
    stageId: reminder.stageId,
  };
};

export const feedbackNudgeCard = defineCard<FeedbackNudgeCardData>()('feedback-nudge');

// ---- sign-off reminder ----

export interface SignoffReminderCardData {
  reminderLine: string;
  title: string;
  rolloutName: string;
  deadlineLine: string;
  hasDeadline: boolean;
  line: string;
  /** Ready / Not ready carry what `signoff.answer` takes from the request's own card. */
  rolloutId: string;
  requestId: string;
}

export const SIGNOFF_REMINDER_LINE = 'Reminder: the help desk has not answered this yet.';

export const signoffReminderData = (
  reminder: Pick<Announcement, 'rolloutId' | 'text' | 'reminder'>,
  requestId: string,
): SignoffReminderCardData => {
  const deadline = reminder.reminder?.deadline ?? null;
  return {
    reminderLine: SIGNOFF_REMINDER_LINE,
    title: `Are you ready for ${reminder.text.stageLabel}?`,
    rolloutName: reminder.text.rolloutName,
    deadlineLine: deadline ? `Please answer by ${formatInstant(deadline, reminder.text.timeZone)}` : '',
    hasDeadline: deadline !== null,
    line: 'Answer here, or on the readiness request in the help-desk conversation: it is the same answer.',
    rolloutId: reminder.rolloutId,
    requestId,
  };
};

export const signoffReminderCard = defineCard<SignoffReminderCardData>()('signoff-reminder');

// ---- by purpose ----

/**
 * The card one personal send carries: the announcement's own (a phase announcement, or its test),
 * or the reminder's by its purpose.
 */
export const personalCardFor = (card: PersonalCard): RenderedCard => {
  const { announcement: a } = card;
  const purpose = a.purpose;
  if (!purpose || card.test)
    return announcementPersonalCard.render(
      announcementPersonalData(a, card.part, card.test ? 'test' : 'new'),
    );
  switch (purpose.kind) {
    case 'feedback-nudge':
      return feedbackNudgeCard.render(feedbackNudgeData(a));
    case 'signoff-reminder':
      return signoffReminderCard.render(signoffReminderData(a, purpose.requestId));
    case 'gotit-reminder':
      // Its "Got it" names the original announcement and the person's partition in it.
      return announcementPersonalCard.render(
        announcementPersonalData(
          { id: purpose.announcementId, rolloutId: a.rolloutId, text: a.text },
          card.recipient.ref ?? -1,
          'reminder',
        ),
      );
  }
};
