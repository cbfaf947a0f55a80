/**
 * Personal reminders: feedback nudges, the "Got it" reminder and sign-off reminders. A reminder is
 * an announcement with a `purpose` (see `ReminderPurpose`): it goes through the announcements'
 * durable, rate-limited fan-out (delivery rows in partitions, claims, the tenant's rate, retries,
 * recovery after a crash, counts) unchanged. What differs by purpose: who it goes to (decided when
 * it is expanded, `reminderRecipients`), the personal card (`reminder-view.ts`), and that it is
 * posted nowhere and listed nowhere (`announce report`, `status` show phase announcements only).
 */
import { derivedUuid } from './announce-entry';
import type { Announcement, ReminderDetails, ReminderPurpose } from '../../domain/announcement';
import { announcementText } from '../../domain/announcement-text';
import type { Rollout } from '../../domain/rollout';
import type { Person } from '../../domain/roles';
import { isConcurrencyError } from '../errors';
import type { Deps } from '../ports';
import { startMessage } from './fanout-messages';

export type { ReminderPurpose } from '../../domain/announcement';

/** Who reminders are sent by: the scheduler, on the rollout's behalf. */
export const SCHEDULER: Person = {
  id: 'rollout-coordinator-scheduler',
  name: 'Rollout Coordinator (scheduler)',
};

/** What identifies a reminder within its rollout: one per stage and purpose (and number). */
export const reminderKey = (stageId: string, purpose: ReminderPurpose): string => {
  switch (purpose.kind) {
    case 'feedback-nudge':
      return `nudge|${stageId}|${purpose.n}`;
    case 'gotit-reminder':
      return `gotit|${stageId}|${purpose.announcementId}`;
    case 'signoff-reminder':
      return `signoff|${stageId}|${purpose.requestId}|${purpose.n}`;
  }
};

/**
 * The reminder's announcement id, from the rollout, the stage and the purpose (never random):
 * the same reminder decided twice (a retried run, two instances) is the same announcement, of
 * which the second `create` finds the first. Shaped as a UUID, as announcement ids are.
 */
export const reminderId = (
  rollout: Pick<Rollout, 'tenantId' | 'id'>,
  stageId: string,
  purpose: ReminderPurpose,
): string => derivedUuid(['reminder', rollout.tenantId, rollout.id, reminderKey(stageId, purpose)].join('|'));

/** The bot runs without announcements: a reminder cannot be sent. */
export class RemindersUnavailableError extends Error {
  constructor() {
    super('announcements are not available on this bot: no reminder can be sent');
    this.name = 'RemindersUnavailableError';
  }
}

/** The text and details a reminder's card shows, copied when it is made (as an announcement's are). */
const contentOf = async (
  deps: Pick<Deps, 'announce' | 'signoffs'>,
  rollout: Rollout,
  stageId: string,
  purpose: ReminderPurpose,
): Promise<{ text: Announcement['text']; reminder: ReminderDetails }> => {
  if (purpose.kind === 'gotit-reminder') {
    // The announcement's own card again: its text as it was sent.
    const original = await deps.announce?.store.get(rollout.tenantId, purpose.announcementId);
    if (original) return { text: original.value.text, reminder: {} };
  }
  const text = announcementText(rollout, stageId);
  if (!text) throw new Error(`no stage ${stageId} in rollout ${rollout.id}: no reminder`);
  if (purpose.kind === 'signoff-reminder') {
    const state = await deps.signoffs.get(rollout.tenantId, rollout.id, purpose.requestId);
    const request = state?.request.value;
    return {
      text: request ? { ...text, stageLabel: request.stageLabel } : text,
      reminder: { deadline: request?.deadline ?? null },
    };
  }
  return { text, reminder: { app: rollout.app.name.trim() || rollout.name } };
};

/**
 * Makes the reminder (an announcement with `purpose`, created `at`, the slot) and queues its
 * fan-out. Its id is `reminderId(rollout, stageId, purpose)`: called again (a retry, a second
 * instance, the next run after a crash) it makes nothing new (`created` false) and only queues the
 * start again while the first has not been expanded yet (a duplicate start is harmless: the
 * expansion keeps the partitions written). Its recipients are decided when it is expanded, by
 * purpose (`reminderRecipients`); it is posted to no conversation (the coordination
 * conversation's service URL is kept for the personal sends, with no message).
 */
export const startReminder = async (
  deps: Deps,
  rollout: Rollout,
  stageId: string,
  purpose: ReminderPurpose,
  at: Date,
): Promise<{ id: string; created: boolean }> => {
  const { announce } = deps;
  if (!announce) throw new RemindersUnavailableError();
  const id = reminderId(rollout, stageId, purpose);
  const existing = (await announce.store.get(rollout.tenantId, id))?.value;
  let created = false;
  let state = existing?.state;
  if (!existing) {
    const { text, reminder } = await contentOf(deps, rollout, stageId, purpose);
    const announcement: Announcement = {
      id,
      tenantId: rollout.tenantId,
      rolloutId: rollout.id,
      stageId,
      text,
      by: SCHEDULER,
      createdAt: at.toISOString(),
      scheduledAt: null,
      state: 'expanding',
      audience: 'listed',
      recipients: 0,
      parts: 0,
      coordination: { conversation: rollout.coordination, messageId: null },
      helpdesk: null,
      countsUpdatedAt: null,
      completedAt: null,
      cancelledBy: null,
      purpose,
      reminder,
    };
    try {
      await announce.store.create(announcement);
      created = true;
      state = 'expanding';
    } catch (err) {
      if (!(isConcurrencyError(err) && err.reason === 'already-exists')) throw err;
      state = (await announce.store.get(rollout.tenantId, id))?.value.state;
    }
  }
  if (state === 'expanding') {
    await announce.queue.send(JSON.stringify(startMessage(rollout.tenantId, id)));
    announce.kick();
  }
  return { id, created };
};
