import type { Config } from '../../src/config';
import { emptyAudience } from '../../src/domain/audience';
import type { Delivery } from '../../src/domain/announcement';
import { TableAnnouncementRepository } from '../../src/storage/announcement-repository';
import { SENDERS_PARTITION } from '../../src/storage/announcement-rows';
import type { TableTarget } from '../../src/storage/azure-table';
import { str } from '../../src/storage/entity-table';
import { storeTable } from '../../src/storage/open-storage';
import { announcePilot, pilotRollout } from '../../bench/fanout-seed';
import { TableRolloutRepository } from '../../src/storage/rollout-repository';

/**
 * A phase announcement to the listed members of a pilot, written straight through the project's
 * repositories (as bench/fanout-seed.ts does with a Graph snapshot): a rollout in its pilot whose
 * audience lists `people` members and whose coordination chat is on `serviceUrl`; its
 * announcement as Send makes it (`scheduled`, due now, audience `listed`); and its 'start'
 * message on the announcements queue. A bot on the same store (same TABLE_PREFIX) does the rest.
 */

/** The i-th listed member's Entra object id (lower case, GUID-like). */
export const listedPersonId = (i: number): string =>
  `00000000-0000-4000-a000-${i.toString(16).padStart(12, '0')}`;

export interface ListedFanout {
  tenantId: string;
  rolloutId: string;
  announcementId: string;
  people: string[];
  announcements: TableAnnouncementRepository;
}

/** Seeds the store named by `config` (its TABLE_PREFIX) at `target` / `queueTarget`. */
export const seedListedFanout = async (
  config: Config,
  target: TableTarget,
  queueTarget: TableTarget,
  options: { tenantId: string; serviceUrl: string; people: number },
): Promise<ListedFanout> => {
  const now = new Date();
  const rolloutsTable = storeTable(config, target, 'rollouts');
  const announcementsTable = storeTable(config, target, 'announcements');
  await Promise.all([rolloutsTable.ensure(), announcementsTable.ensure()]);
  const people = Array.from({ length: options.people }, (_, i) => listedPersonId(i));
  const rollout = pilotRollout(
    options.tenantId,
    options.serviceUrl,
    'Fan-out process test',
    { ...emptyAudience(), members: people },
    now,
  );
  await new TableRolloutRepository(rolloutsTable).commit(rollout.tenantId, {
    rollout,
    ifMatch: null,
    audit: [],
    processed: null,
  });
  const announcements = new TableAnnouncementRepository(announcementsTable);
  const announcement = await announcePilot(config, announcements, queueTarget, rollout, 'listed', now);
  return {
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    announcementId: announcement.id,
    people,
    announcements,
  };
};

/** The fan-out senders' heartbeat rows on the store (alive or not): instance id, until when, busy. */
export const senderRows = async (
  config: Config,
  target: TableTarget,
): Promise<{ instanceId: string; expiresAt: string; busy: boolean }[]> =>
  (await storeTable(config, target, 'announcements').query(SENDERS_PARTITION, { limit: 1000 })).map(
    (row) => ({
      instanceId: str(row.instanceId),
      expiresAt: str(row.expiresAt),
      busy: row.busy !== false,
    }),
  );

/** Every delivery row of the announcement (its `parts` partitions), by person id. */
export const readDeliveries = async (seeded: ListedFanout, parts: number): Promise<Map<string, Delivery>> => {
  const rows = new Map<string, Delivery>();
  // One partition at a time: a sampler reading while the bots work adds little load at once.
  for (let part = 0; part < parts; part++) {
    const read = await seeded.announcements.readPart(seeded.tenantId, seeded.announcementId, part);
    for (const { value } of read.deliveries) rows.set(value.personId, value);
  }
  return rows;
};
