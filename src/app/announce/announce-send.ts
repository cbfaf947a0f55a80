/**
 * The preview's buttons: Send (creates the announcement once, however often it is clicked or the
 * click redelivered), Send a test to me (creates nothing), Skip (records that it was skipped, so
 * a later Send says so).
 */
import { randomUUID } from 'node:crypto';
import type { Announcement, AnnouncementPost, SendOutcome } from '../../domain/announcement';
import { emptyCounts } from '../../domain/announcement';
import { announcementText } from '../../domain/announcement-text';
import { findStage } from '../../domain/feedback-goals';
import type { Coordination, Rollout } from '../../domain/rollout';
import type { Person } from '../../domain/roles';
import { isConcurrencyError } from '../errors';
import type { AnnouncementPreview, Deps } from '../ports';
import { startMessage } from './fanout-messages';
import { refusal, type AnnounceUseDeps } from './announce-common';
import { completedMessage, unknownStage } from './announce-preview';
import { announcementAudience } from './announce-recipients';

export const ROLLOUT_GONE = 'That rollout no longer exists.';

/** What a preview's button names (from the card's data: checked, never trusted for identity). */
export interface PreviewClick {
  tenantId: string;
  rolloutId: string;
  stageId: string;
  announcementId: string;
  /** The preview's `--at` (ISO instant); null: at once. */
  at: string | null;
  /** The person who clicked, from the authenticated activity. */
  by: Person;
  activityKey: string | null;
}

export type ClickOutcome =
  /** Made now (Send) or recorded as skipped (Skip). */
  | { kind: 'done'; announcement: Announcement; message: string }
  /** One with this id exists: a second click, a redelivery, or a Send after Skip. Nothing changed. */
  | { kind: 'exists'; announcement: Announcement; message: string }
  | { kind: 'refused'; message: string };

const when = (iso: string, timeZone: string): string =>
  `${new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso))} (${timeZone})`;

/** What an existing announcement's preview button answers. */
export const existsMessage = (a: Announcement): string => {
  switch (a.state) {
    case 'skipped':
      return `${a.by.name} skipped this announcement: nothing was sent. Use \`announce\` for a new preview.`;
    case 'scheduled':
      return `Already scheduled by ${a.by.name} for ${when(a.scheduledAt ?? a.createdAt, a.text.timeZone)}.`;
    case 'cancelled':
      return `Already sent by ${a.by.name}, then cancelled${a.cancelledBy ? ` by ${a.cancelledBy.name}` : ''}.`;
    default:
      return `Already sent by ${a.by.name}.`;
  }
};

const post = (conversation: Coordination | null | undefined): AnnouncementPost | null =>
  conversation ? { conversation, messageId: null } : null;

/** The rollout and the checks every preview button makes: it exists, the clicker is an admin, the stage is planned. */
const load = async (
  deps: AnnounceUseDeps,
  click: PreviewClick,
  command: string,
): Promise<{ rollout: Rollout } | { refused: string }> => {
  const rollout = (await deps.rollouts.get(click.tenantId, click.rolloutId))?.value;
  if (!rollout) return { refused: ROLLOUT_GONE };
  const refused = await refusal(deps, rollout, click.by, command, click.activityKey);
  if (refused) return { refused };
  if (rollout.status === 'completed') return { refused: completedMessage(rollout) };
  if (!findStage(rollout, click.stageId)) return { refused: unknownStage(rollout, click.stageId) };
  return { rollout };
};

/** Creates `announcement`; the one stored already when its id is taken. */
const createOnce = async (
  deps: AnnounceUseDeps,
  announcement: Announcement,
): Promise<{ created: boolean; announcement: Announcement }> => {
  const { store } = deps.announce;
  try {
    return { created: true, announcement: (await store.create(announcement)).value };
  } catch (err) {
    if (!(isConcurrencyError(err) && err.reason === 'already-exists')) throw err;
    const existing = await store.get(announcement.tenantId, announcement.id);
    if (!existing) throw err;
    return { created: false, announcement: existing.value };
  }
};

/** The announcement a click makes, its text copied from the plan as it is now. */
const announcementOf = async (
  deps: AnnounceUseDeps,
  rollout: Rollout,
  click: PreviewClick,
  state: Announcement['state'],
): Promise<Announcement> => {
  const text = announcementText(rollout, click.stageId);
  // `load` found the stage: the text of a planned stage is always there.
  if (!text) throw new Error(`no announcement text for stage ${click.stageId}`);
  return {
    id: click.announcementId,
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    stageId: click.stageId,
    text,
    by: click.by,
    createdAt: deps.clock.now().toISOString(),
    scheduledAt: state === 'scheduled' ? click.at : null,
    state,
    audience: (await announcementAudience(deps, rollout, click.stageId)).kind,
    recipients: 0,
    parts: 0,
    coordination: post(rollout.coordination),
    helpdesk: post(rollout.helpdesk),
    countsUpdatedAt: null,
    completedAt: null,
    cancelledBy: null,
  };
};

/**
 * Send: the announcement is created (`scheduled` with `--at`, else `expanding`: the fan-out worker
 * takes either from its 'start' message). A second Send with the same id changes nothing. The
 * posts and the 'start' message follow after the reply (`publishAnnouncement`); should this
 * instance die before, the worker's start-up scan of unfinished announcements starts it.
 */
export const sendAnnouncement = async (deps: AnnounceUseDeps, click: PreviewClick): Promise<ClickOutcome> => {
  const existing = await deps.announce.store.get(click.tenantId, click.announcementId);
  const loaded = await load(deps, click, 'announce');
  if ('refused' in loaded) return { kind: 'refused', message: loaded.refused };
  if (existing)
    return { kind: 'exists', announcement: existing.value, message: existsMessage(existing.value) };
  const { rollout } = loaded;
  if (click.at !== null && Date.parse(click.at) <= deps.clock.now().getTime()) {
    return {
      kind: 'refused',
      message: `This preview was for ${when(click.at, rollout.timeZone)}, which has passed: nothing was sent. Use \`announce\` for a new preview.`,
    };
  }
  const made = await createOnce(
    deps,
    await announcementOf(deps, rollout, click, click.at ? 'scheduled' : 'expanding'),
  );
  if (!made.created)
    return { kind: 'exists', announcement: made.announcement, message: existsMessage(made.announcement) };
  const a = made.announcement;
  const message = a.scheduledAt
    ? `Scheduled by ${a.by.name} for ${when(a.scheduledAt, rollout.timeZone)}; the help desk has been told.`
    : `Sent by ${a.by.name}: delivering to ${a.text.stageLabel}.`;
  return { kind: 'done', announcement: a, message };
};

/** Skip: recorded as skipped under the preview's id, so that a later Send of it is refused. */
export const skipAnnouncement = async (deps: AnnounceUseDeps, click: PreviewClick): Promise<ClickOutcome> => {
  const loaded = await load(deps, click, 'announce');
  if ('refused' in loaded) return { kind: 'refused', message: loaded.refused };
  const made = await createOnce(deps, await announcementOf(deps, loaded.rollout, click, 'skipped'));
  if (!made.created)
    return { kind: 'exists', announcement: made.announcement, message: existsMessage(made.announcement) };
  return {
    kind: 'done',
    announcement: made.announcement,
    message: `Skipped by ${click.by.name}: nothing was sent.`,
  };
};

/**
 * The preview an announcement was made from, to show it decided: its recipients as written once
 * expanded, else as known now (the rollout gone: none).
 */
export const previewOf = async (deps: AnnounceUseDeps, a: Announcement): Promise<AnnouncementPreview> => {
  let recipients = a.recipients;
  if (a.parts === 0) {
    const rollout = (await deps.rollouts.get(a.tenantId, a.rolloutId))?.value;
    recipients = rollout ? (await announcementAudience(deps, rollout, a.stageId)).count : 0;
  }
  return {
    announcementId: a.id,
    tenantId: a.tenantId,
    rolloutId: a.rolloutId,
    text: a.text,
    audience: a.audience,
    recipients,
    scheduledAt: a.scheduledAt,
    by: a.by,
  };
};

/** What a test send's outcome tells the admin who asked for it. */
export const testSentMessage = (outcome: SendOutcome): string => {
  switch (outcome.kind) {
    case 'sent':
      return 'I sent you a test of the announcement in our personal chat. Nothing was sent to anyone else.';
    case 'blocked':
      return 'You have blocked Rollout Coordinator in Teams, so the test could not reach you.';
    case 'not-installed':
      return 'Rollout Coordinator is not installed for you: add it as a personal app, then try the test again.';
    default:
      return `The test could not be sent just now (${outcome.status}): try again in a moment.`;
  }
};

/**
 * Send a test to me: the personal card to the clicking admin alone, marked a test. Nothing is
 * stored: the card names an announcement id of its own, so its "Got it" finds no delivery.
 */
export const testAnnouncement = async (
  deps: AnnounceUseDeps,
  click: PreviewClick,
  serviceUrl: string,
): Promise<{ kind: 'tested' | 'refused'; message: string }> => {
  const loaded = await load(deps, click, 'announce');
  if ('refused' in loaded) return { kind: 'refused', message: loaded.refused };
  const announcement = await announcementOf(
    deps,
    loaded.rollout,
    { ...click, announcementId: randomUUID() },
    click.at ? 'scheduled' : 'expanding',
  );
  const personId = click.by.id.toLowerCase();
  const outcome = await deps.announce.announcer.sendPersonal(serviceUrl, {
    announcement,
    part: 0,
    recipient: { personId, name: click.by.name },
    test: true,
  });
  return { kind: 'tested', message: testSentMessage(outcome) };
};

/** Tries of recording the posts' message ids when the worker writes the announcement meanwhile. */
const RECORD_ATTEMPTS = 5;

/**
 * After Send's reply: posts the announcement with its counts to the coordination conversation and
 * the help desk's (at once, also when scheduled: the help desk knows before the people do), records
 * the posts' message ids (ETag-guarded; only where none is recorded), then queues the 'start'
 * message and wakes the worker. A post that fails is logged and left out: the announcement goes
 * out all the same.
 */
export const publishAnnouncement = async (
  deps: AnnounceUseDeps & Pick<Deps, 'log'>,
  announcement: Announcement,
): Promise<void> => {
  const { store, announcer, queue } = deps.announce;
  const view = { announcement, counts: emptyCounts() };
  const postTo = async (target: AnnouncementPost | null): Promise<string | null> => {
    if (!target || target.messageId) return null;
    try {
      return await announcer.post(announcement.tenantId, target.conversation, view);
    } catch (err) {
      deps.log.warn({ err, announcementId: announcement.id }, 'announcement: could not post');
      return null;
    }
  };
  const [coordination, helpdesk] = await Promise.all([
    postTo(announcement.coordination),
    postTo(announcement.helpdesk),
  ]);
  if (coordination || helpdesk) {
    for (let attempt = 1; attempt <= RECORD_ATTEMPTS; attempt++) {
      const stored = await store.get(announcement.tenantId, announcement.id);
      if (!stored) break;
      const a = stored.value;
      const fill = (p: AnnouncementPost | null, id: string | null) =>
        p && id && !p.messageId ? { ...p, messageId: id } : p;
      try {
        await store.update(
          { ...a, coordination: fill(a.coordination, coordination), helpdesk: fill(a.helpdesk, helpdesk) },
          stored.etag,
        );
        break;
      } catch (err) {
        if (!isConcurrencyError(err) || attempt === RECORD_ATTEMPTS) {
          deps.log.warn({ err, announcementId: a.id }, 'announcement: could not record the posts');
          break;
        }
      }
    }
  }
  await queue.send(JSON.stringify(startMessage(announcement.tenantId, announcement.id)));
  deps.announce.kick();
};
