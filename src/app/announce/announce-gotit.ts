/**
 * "Got it" on a personal announcement card: the person (from the authenticated activity, never
 * the card) is found in the partition the card names; their first click is recorded, every later
 * one (a double click, a redelivery) changes nothing. A card whose data names no delivery of
 * theirs (altered, a test card, an announcement purged since) changes nothing either.
 */
import type { Announcement } from '../../domain/announcement';
import { gotIt } from '../../domain/announcement';
import type { Person } from '../../domain/roles';
import { changePart, type AnnounceUseDeps } from './announce-common';

export interface GotItRequest {
  tenantId: string;
  announcementId: string;
  part: number;
  by: Person;
}

export type GotItOutcome =
  /** Recorded now, or before (`first` false): the card shows the thanks either way. */
  { kind: 'thanked'; announcement: Announcement; first: boolean } | { kind: 'not-found'; message: string };

export const NOT_YOURS =
  'Thanks! There is nothing to record for this card (it is a test, or no longer names an announcement sent to you).';

export const recordGotIt = async (
  deps: Pick<AnnounceUseDeps, 'announce' | 'clock'>,
  request: GotItRequest,
): Promise<GotItOutcome> => {
  const { tenantId, announcementId, part } = request;
  const stored = await deps.announce.store.get(tenantId, announcementId);
  if (!stored || part < 0 || part >= Math.max(stored.value.parts, 1))
    return { kind: 'not-found', message: NOT_YOURS };
  const personId = request.by.id.toLowerCase();
  let found = false;
  const now = deps.clock.now();
  const changed = await changePart(deps, tenantId, announcementId, part, (d) => {
    if (d.personId !== personId) return null;
    found = true;
    return gotIt(d, now);
  });
  if (!found) return { kind: 'not-found', message: NOT_YOURS };
  return { kind: 'thanked', announcement: stored.value, first: changed.length > 0 };
};
