/**
 * Who a reminder goes to, decided when its fan-out expands it (not when it is made: an answer
 * given meanwhile counts), one small function per purpose:
 *
 * - feedback nudge: the stage's audience as its announcement reaches it, minus whoever has
 *   answered the stage's feedback (a keys-only read of the stage's answer rows: their keys are
 *   `feedbackPersonKey`s), minus whoever asked not to be reminded about the rollout;
 * - "Got it" reminder: the people the announcement was sent to who have not clicked "Got it" on
 *   it, minus whoever asked not to be reminded (each keeps their partition of the original, where
 *   the reminder's "Got it" counts);
 * - sign-off reminder: the request's members with no standing answer, while it is open. The help
 *   desk's duty: "Stop reminding me" does not apply.
 */
import type { Announcement, ReminderPurpose } from '../../domain/announcement';
import type { Rollout } from '../../domain/rollout';
import { feedbackPersonKey } from '../feedback-keys';
import type {
  AnnouncementRepository,
  FeedbackRepository,
  Recipient,
  RolloutRepository,
  ScheduleRepository,
  SignoffRepository,
} from '../ports';
import { announcementRecipients, type RecipientDeps } from './announce-recipients';

/** What deciding a reminder's recipients reads. */
export interface ReminderRecipientDeps extends RecipientDeps {
  feedback: Pick<FeedbackRepository, 'answeredKeys'>;
  schedules: Pick<ScheduleRepository, 'optedOut'>;
  signoffs: Pick<SignoffRepository, 'get'>;
  announcements: Pick<AnnouncementRepository, 'get' | 'readPart'>;
}

type Of<K extends ReminderPurpose['kind']> = Extract<ReminderPurpose, { kind: K }>;
type RecipientsBy<K extends ReminderPurpose['kind']> = (
  deps: ReminderRecipientDeps,
  rollout: Rollout,
  reminder: Announcement,
  purpose: Of<K>,
) => Promise<Recipient[]>;

const withoutOptedOut = async (
  deps: ReminderRecipientDeps,
  rollout: Rollout,
  recipients: Recipient[],
): Promise<Recipient[]> => {
  const stopped = await deps.schedules.optedOut(rollout.tenantId, rollout.id);
  return stopped.size ? recipients.filter((r) => !stopped.has(r.personId.toLowerCase())) : recipients;
};

/** The stage's audience who have not answered its feedback and have not said "Stop reminding me". */
export const nudgeRecipients: RecipientsBy<'feedback-nudge'> = async (deps, rollout, reminder) => {
  const [audience, answered] = await Promise.all([
    announcementRecipients(deps, rollout, reminder.stageId),
    deps.feedback.answeredKeys(rollout.tenantId, rollout.id, reminder.stageId),
  ]);
  const open = audience.filter((r) => !answered.has(feedbackPersonKey(rollout.id, r.personId)));
  return withoutOptedOut(deps, rollout, open);
};

/** Those the announcement reached who have not clicked "Got it", with their partition in it. */
export const gotItRecipients: RecipientsBy<'gotit-reminder'> = async (deps, rollout, _reminder, purpose) => {
  const original = (await deps.announcements.get(rollout.tenantId, purpose.announcementId))?.value;
  if (!original) return [];
  const recipients: Recipient[] = [];
  for (let part = 0; part < original.parts; part++) {
    const read = await deps.announcements.readPart(rollout.tenantId, original.id, part);
    for (const { value: d } of read.deliveries) {
      if (d.status === 'sent' && !d.gotItAt)
        recipients.push({ personId: d.personId, name: d.name, ref: part });
    }
  }
  return withoutOptedOut(deps, rollout, recipients);
};

/** The open request's members with no standing answer (not subject to "Stop reminding me"). */
export const signoffRecipients: RecipientsBy<'signoff-reminder'> = async (
  deps,
  rollout,
  _reminder,
  purpose,
) => {
  const state = await deps.signoffs.get(rollout.tenantId, rollout.id, purpose.requestId);
  if (!state || state.request.value.status !== 'open') return [];
  const answered = new Set(state.answers.map((a) => a.person.id.toLowerCase()));
  const members = [...new Set(state.request.value.members.map((m) => m.toLowerCase()))];
  return Promise.all(
    members
      .filter((m) => !answered.has(m))
      .map(async (personId) => ({
        personId,
        name: (await deps.references?.personal(rollout.tenantId, personId))?.name ?? '',
      })),
  );
};

const BY_PURPOSE: { [K in ReminderPurpose['kind']]: RecipientsBy<K> } = {
  'feedback-nudge': nudgeRecipients,
  'gotit-reminder': gotItRecipients,
  'signoff-reminder': signoffRecipients,
};

/** A reminder's recipients by its purpose (a phase announcement, which has none: nobody). */
export const reminderRecipients = (
  deps: ReminderRecipientDeps,
  rollout: Rollout,
  reminder: Announcement,
): Promise<Recipient[]> => {
  const { purpose } = reminder;
  if (!purpose) return Promise.resolve([]);
  const by = BY_PURPOSE[purpose.kind] as RecipientsBy<typeof purpose.kind>;
  return by(deps, rollout, reminder, purpose);
};

/**
 * The fan-out worker's `reminderRecipientsOf`: the reminder's rollout loaded, its recipients by
 * purpose (a rollout gone or paused since: nobody).
 */
export const reminderRecipientsOf =
  (deps: ReminderRecipientDeps & { rollouts: Pick<RolloutRepository, 'get'> }) =>
  async (reminder: Announcement): Promise<Recipient[]> => {
    const rollout = (await deps.rollouts.get(reminder.tenantId, reminder.rolloutId))?.value;
    if (!rollout || rollout.status !== 'active') return [];
    return reminderRecipients(deps, rollout, reminder);
  };
