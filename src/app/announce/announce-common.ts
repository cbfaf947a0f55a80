/**
 * What the announce commands and card actions share: their dependencies, the announcement a
 * command is about (the rollout's latest), and the read-change-commit of one delivery partition.
 */
import type { Announcement, AnnouncementState, Delivery } from '../../domain/announcement';
import { countDeliveries, isPhaseAnnouncement, PART_SIZE } from '../../domain/announcement';
import type { Rollout } from '../../domain/rollout';
import { isAdmin, type Person } from '../../domain/roles';
import { isConcurrencyError } from '../errors';
import { refuseNonAdmin } from '../mutate';
import type { AnnouncementDeps, Deps } from '../ports';

/** The part of Deps the announce use cases read, with announcements required. */
export type AnnounceUseDeps = Pick<Deps, 'rollouts' | 'clock' | 'access' | 'audiences'> & {
  announce: AnnouncementDeps;
};

/** Said when the server runs without announcements (tests, a store that could not open). */
export const ANNOUNCE_UNAVAILABLE = 'Announcements are not available on this bot.';

export const NO_ANNOUNCEMENT = (rollout: Rollout): string =>
  `“${rollout.name}” has no announcement yet. Use \`announce\` to preview one.`;

/** Announcements a command may act on: newest first, the rollout's last few. */
export const RECENT_ANNOUNCEMENTS = 10;

/** Still going: `announce cancel` can stop it. */
export const RUNNING: readonly AnnouncementState[] = ['scheduled', 'expanding', 'sending'];

/** The rollout's newest announcement whose state is one of `states` (any but skipped when not given). */
export const latestAnnouncement = async (
  deps: Pick<AnnounceUseDeps, 'announce'>,
  rollout: Rollout,
  states?: readonly AnnouncementState[],
): Promise<Announcement | null> => {
  const recent = await deps.announce.store.ofRollout(rollout.tenantId, rollout.id, RECENT_ANNOUNCEMENTS);
  return (
    recent.find(
      (a) => isPhaseAnnouncement(a) && (states ? states.includes(a.state) : a.state !== 'skipped'),
    ) ?? null
  );
};

/**
 * The admin check of the announce commands and actions: null when `by` is an admin, else the
 * refusal (audited once per activity, as every admin command's).
 */
export const refusal = async (
  deps: Pick<Deps, 'rollouts' | 'clock' | 'access'>,
  rollout: Rollout,
  by: Person,
  command: string,
  activityKey: string | null,
): Promise<string | null> => {
  if (isAdmin(by, deps.access, rollout)) return null;
  return (await refuseNonAdmin(deps, rollout.tenantId, rollout.id, by, command, activityKey)).message;
};

/**
 * Tries of a partition's read-change-commit before giving up (another writer won each time). Of
 * writers racing on one partition, one wins each round: enough rounds for all of a partition's
 * people clicking "Got it" at the same moment, beside its sender.
 */
export const PART_ATTEMPTS = PART_SIZE + 2;

/**
 * Reads partition `part`, applies `change` to each delivery (null: unchanged), and commits the
 * changed ones with the partition's counts recomputed, in one transaction guarded by the ETags
 * read; when another writer (the sender) got there first, reads again, at most PART_ATTEMPTS
 * times. Returns the deliveries changed (none: nothing written, e.g. a partition never written).
 */
export const changePart = async (
  deps: Pick<AnnounceUseDeps, 'announce'>,
  tenantId: string,
  announcementId: string,
  part: number,
  change: (delivery: Delivery) => Delivery | null,
): Promise<Delivery[]> => {
  const { store } = deps.announce;
  for (let attempt = 1; ; attempt++) {
    const read = await store.readPart(tenantId, announcementId, part);
    if (!read.counts) return [];
    const changes = read.deliveries.flatMap((d) => {
      const next = change(d.value);
      return next && next !== d.value ? [{ value: next, etag: d.etag }] : [];
    });
    if (changes.length === 0) return [];
    const byId = new Map(changes.map((c) => [c.value.personId, c.value]));
    const all = read.deliveries.map((d) => byId.get(d.value.personId) ?? d.value);
    try {
      await store.commitPart(tenantId, announcementId, part, changes, {
        value: countDeliveries(all),
        etag: read.counts.etag,
      });
      return changes.map((c) => c.value);
    } catch (err) {
      if (!isConcurrencyError(err) || attempt >= PART_ATTEMPTS) throw err;
    }
  }
};
