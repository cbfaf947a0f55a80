/** The fan-out's ETag-guarded writes of an announcement's state. */
import type { Announcement } from '../../domain/announcement';
import { isConcurrencyError } from '../errors';
import type { AnnouncementRepository } from '../ports';

/** ETag-guarded writes tried this often before the work is left for the message's next delivery. */
export const WRITE_TRIES = 8;

/** Changes the announcement while `still` holds, re-reading on lost races; the stored one, or null. */
export const changeAnnouncement = async (
  announcements: AnnouncementRepository,
  tenantId: string,
  announcementId: string,
  still: (a: Announcement) => boolean,
  apply: (a: Announcement) => Announcement,
): Promise<Announcement | null> => {
  for (let tries = 0; tries < WRITE_TRIES; tries++) {
    const got = await announcements.get(tenantId, announcementId);
    if (!got || !still(got.value)) return null;
    try {
      return (await announcements.update(apply(got.value), got.etag)).value;
    } catch (err) {
      if (!isConcurrencyError(err)) throw err;
    }
  }
  throw new Error(`announcement ${announcementId} kept changing; left for the next try`);
};
