/**
 * `announce report` and the status line: who the rollout's latest announcement did not reach, and
 * why; and every delivery for the admins' CSV.
 */
import type { Announcement, AnnouncementCounts, Delivery, DeliveryStatus } from '../../domain/announcement';
import type { Rollout } from '../../domain/rollout';
import { latestAnnouncement, type AnnounceUseDeps } from './announce-common';

/** Up to this many people not reached are named; beyond, counted by reason. */
export const NAMED_LIMIT = 20;

/** Why a delivery did not reach its person, as the report says it. */
export const REASONS: Readonly<Record<Exclude<DeliveryStatus, 'sent'>, string>> = {
  blocked: 'blocked the bot',
  'not-installed': 'app not installed',
  failed: 'failed',
  pending: 'not sent yet',
  cancelled: 'cancelled',
};

export type ReportOutcome =
  | { kind: 'none'; message: string }
  | {
      kind: 'report';
      announcement: Announcement;
      counts: AnnouncementCounts;
      /** The people not reached when there are at most NAMED_LIMIT, else empty (counts say it). */
      named: Delivery[];
      notReached: number;
    };

export const announcementReport = async (
  deps: Pick<AnnounceUseDeps, 'announce'>,
  rollout: Rollout,
): Promise<ReportOutcome> => {
  const latest = await latestAnnouncement(deps, rollout);
  if (!latest) {
    return {
      kind: 'none',
      message: `“${rollout.name}” has no announcement yet. Use \`announce\` to preview one.`,
    };
  }
  const [{ counts }, missed] = await Promise.all([
    deps.announce.store.counts(rollout.tenantId, latest.id),
    deps.announce.store.notReached(rollout.tenantId, latest.id, NAMED_LIMIT),
  ]);
  return {
    kind: 'report',
    announcement: latest,
    counts,
    named: missed.total <= NAMED_LIMIT ? missed.deliveries : [],
    notReached: missed.total,
  };
};

/** Most deliveries one CSV holds (2,000 partitions read). */
export const MAX_DELIVERY_ROWS = 100_000;

/** Every delivery of an announcement, partition by partition, at most MAX_DELIVERY_ROWS. */
export const allDeliveries = async (
  deps: Pick<AnnounceUseDeps, 'announce'>,
  announcement: Announcement,
): Promise<Delivery[]> => {
  const rows: Delivery[] = [];
  for (let part = 0; part < announcement.parts && rows.length < MAX_DELIVERY_ROWS; part++) {
    const read = await deps.announce.store.readPart(announcement.tenantId, announcement.id, part);
    for (const d of read.deliveries) if (rows.length < MAX_DELIVERY_ROWS) rows.push(d.value);
  }
  return rows;
};

/** The status card's announcement line: the latest one's counts, or that the store could not be read. */
export type AnnouncementStatus =
  | {
      kind: 'counts';
      announcement: Announcement;
      counts: AnnouncementCounts;
      /** The fan-out of this instance is held up by the queue or the store since then (it resumes by itself). */
      pausedSince: string | null;
    }
  | { kind: 'unavailable' };

/**
 * The latest announcement and its counts for `status`; null when there is none (or announcements
 * are off). A store that cannot be read is `unavailable`: the status card still shows.
 */
export const announcementStatus = async (
  deps: Partial<Pick<AnnounceUseDeps, 'announce'>>,
  rollout: Rollout,
): Promise<AnnouncementStatus | null> => {
  const { announce } = deps;
  if (!announce) return null;
  try {
    const latest = await latestAnnouncement({ announce }, rollout);
    if (!latest) return null;
    const { counts } = await announce.store.counts(rollout.tenantId, latest.id);
    return { kind: 'counts', announcement: latest, counts, pausedSince: announce.pausedSince?.() ?? null };
  } catch {
    return { kind: 'unavailable' };
  }
};
