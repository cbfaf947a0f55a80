/**
 * What entering a stage owes its announcement, by the stage's `announce` setting
 * (`announceModeOf`; absent: `prompt`):
 *
 * - `auto`: the announcement is decided with the advance (`pendingAnnouncementFor`) and commits
 *   with it as an outbox row (one transaction: the stage was entered and its announcement is owed,
 *   or neither); after the reply the `AnnouncementDispatcher` makes, posts and starts it.
 * - `prompt`: after the reply, a preview to Send or Skip is posted to the coordination
 *   conversation (`previewEntry`); nothing is stored until someone clicks.
 * - `off`: nothing.
 *
 * A redelivered advance commits nothing and defers nothing (its marker answers it): one
 * announcement, or one preview, per stage entered.
 */
import { createHash } from 'node:crypto';
import { announceModeOf, type AnnounceMode } from '../../domain/announcement';
import { announcementText } from '../../domain/announcement-text';
import { currentStageId, findStage } from '../../domain/feedback-goals';
import { nextPosition } from '../../domain/positions';
import type { Rollout } from '../../domain/rollout';
import type { Person } from '../../domain/roles';
import type { Deps, PendingAnnouncement } from '../ports';
import { previewAnnouncement } from './announce-preview';
import { announcementAudience, type AnnouncementAudience } from './announce-recipients';

/** What entering `stageId` does about its announcement (an unknown stage: nothing). */
export const entryMode = (rollout: Rollout, stageId: string): AnnounceMode => {
  const found = findStage(rollout, stageId);
  return found ? announceModeOf(found.stage) : 'off';
};

/**
 * The id of the announcement an advance owes, from the advance itself (the rollout, how many
 * transitions it has made, the stage entered and when), never random: the outbox row carries it,
 * so the dispatcher and a recovery running the same row create the same announcement and the
 * second finds it made; of a commit retried after a lost ETag race only one attempt lands, with
 * its row. Shaped as a UUID, as the previews' ids are.
 */
export const autoAnnouncementId = (next: Rollout): string =>
  derivedUuid([next.id, next.history.length, currentStageId(next), next.enteredAt].join('|'));

/** A UUID (version 5 shape) derived from `text`: the same text, the same id. */
export const derivedUuid = (text: string): string => {
  const hex = createHash('sha256').update(text).digest('hex');
  return [
    hex.slice(0, 8),
    hex.slice(8, 12),
    `5${hex.slice(13, 16)}`,
    ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16) + hex.slice(17, 20),
    hex.slice(20, 32),
  ].join('-');
};

/** The announcement entering `next`'s current stage owes (`auto`), or null. Pure. */
export const pendingAnnouncementFor = (next: Rollout, by: Person): PendingAnnouncement | null => {
  const stageId = currentStageId(next);
  if (entryMode(next, stageId) !== 'auto') return null;
  const text = announcementText(next, stageId);
  if (!text) return null;
  return {
    id: autoAnnouncementId(next),
    tenantId: next.tenantId,
    rolloutId: next.id,
    stageId,
    text,
    by,
    at: next.enteredAt,
  };
};

/** The stage an advance of `rollout` enters, its mode and its audience as known now (the reply names its size). */
export interface EntryForecast {
  stageId: string;
  mode: AnnounceMode;
  audience: AnnouncementAudience | null;
}

/**
 * Read before the advance is decided (the decision itself is pure): the stage the advance would
 * enter and, when it announces and the bot has announcements, who the announcement reaches.
 */
export const entryForecast = async (
  deps: Pick<Deps, 'audiences' | 'announce'>,
  rollout: Rollout,
): Promise<EntryForecast | null> => {
  const position = nextPosition(rollout);
  if (!position) return null;
  const stageId = currentStageId({ ...rollout, position });
  const mode = entryMode(rollout, stageId);
  const audience =
    mode !== 'off' && deps.announce ? await announcementAudience(deps, rollout, stageId) : null;
  return { stageId, mode, audience };
};

/** Where the announcement's post (and its live counts) goes. */
export const PROGRESS = "its progress is posted in the rollout's conversation";

const people = (n: number): string => `${n.toLocaleString('en-US')} ${n === 1 ? 'person' : 'people'}`;

/**
 * The reply's sentence about the stage's announcement (after the advance's own), or ''. `forecast`
 * is what was read before the advance: its size is only said for the stage actually entered.
 */
export const announcementFollows = (
  deps: Pick<Deps, 'announce'>,
  next: Rollout,
  pending: PendingAnnouncement | null,
  forecast: EntryForecast | null,
): string => {
  if (!deps.announce) return '';
  const stageId = currentStageId(next);
  const audience = forecast?.stageId === stageId ? forecast.audience : null;
  if (pending) {
    return audience && audience.kind !== 'none'
      ? ` The announcement goes out to ${people(audience.count)}; ${PROGRESS}.`
      : ` The announcement is queued for the stage's audience (not resolved yet); ${PROGRESS}.`;
  }
  if (entryMode(next, stageId) !== 'prompt') return '';
  const size = audience && audience.kind !== 'none' ? ` to ${people(audience.count)}` : '';
  return ` A preview of the announcement${size} follows in the rollout's conversation: Send or Skip it there.`;
};

/**
 * `prompt`, after the advance's reply: the preview of the stage's announcement (a new id; its
 * text and recipients as known now) posted to the coordination conversation. At most once: a
 * failed post is logged (`announce` makes another preview).
 */
export const previewEntry = async (
  deps: Pick<Deps, 'audiences' | 'clock' | 'log' | 'announce'>,
  rollout: Rollout,
  by: Person,
): Promise<void> => {
  const { announce } = deps;
  const stageId = currentStageId(rollout);
  if (!announce || entryMode(rollout, stageId) !== 'prompt') return;
  try {
    const outcome = await previewAnnouncement(deps, { rollout, stageId, at: null, by });
    if (outcome.kind !== 'preview') throw new Error(outcome.message);
    await announce.announcer.preview(rollout.tenantId, rollout.coordination, outcome.preview);
  } catch (err) {
    deps.log.warn(
      { err, rolloutId: rollout.id, stageId },
      'could not post the preview of the announcement; `announce` posts another',
    );
  }
};
