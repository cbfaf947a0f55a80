import { randomUUID } from 'node:crypto';
import { startMessage } from '../src/app/announce/fanout-messages';
import type { AudienceMember } from '../src/app/ports';
import type { Config } from '../src/config';
import { emptyAudience, audienceFingerprint, audienceParts, type AudienceSpec } from '../src/domain/audience';
import type { Announcement } from '../src/domain/announcement';
import { announcementText } from '../src/domain/announcement-text';
import { createRollout, type Rollout } from '../src/domain/rollout';
import { TableAnnouncementRepository } from '../src/storage/announcement-repository';
import { TableAudienceRepository } from '../src/storage/audience-repository';
import { TableReferenceRepository } from '../src/storage/reference-repository';
import type { TableTarget } from '../src/storage/azure-table';
import { announcementsQueue, storeTable } from '../src/storage/open-storage';
import { TableRolloutRepository } from '../src/storage/rollout-repository';

/**
 * What the fan-out benchmark starts from, written straight through the project's repositories
 * (not through the bot, so the bot's own storage calls are the fan-out's alone): a rollout in its
 * pilot, whose coordination chat is on the local connector, with a Graph snapshot of `people`
 * members; its announcement, made as Send makes it (`scheduled`, due now); and its 'start'
 * message on the announcements queue. With `knownChat`, every member also has a stored personal
 * chat (TableReferenceRepository.rememberPersonal, in the Audiences table, as the bot stores one
 * it made): a second announcement's case, one connector request per recipient.
 */

export const BENCH_TENANT = '72f988bf-0000-4000-8000-000000000001';
const GROUP = '00000000-0000-4000-8000-00000000b001';
const STAGE = 'pilot';
/** Members written per `add` (the writer buffers and flushes per bucket itself). */
const PAGE = 1000;
/** Personal chats written at once when seeding them. */
const REFERENCE_WRITES = 32;

/** The i-th member's Entra object id (lower case, as the audience stores it). */
export const benchPersonId = (i: number): string =>
  `00000000-0000-4000-9000-${i.toString(16).padStart(12, '0')}`;

export interface SeededFanout {
  tenantId: string;
  rolloutId: string;
  announcementId: string;
  /** Every recipient's id, in the order written. */
  people: string[];
}

/**
 * A rollout of `tenantId` in its pilot (no waves), coordinated in a channel on `serviceUrl`, whose
 * pilot has `audience` and a communication plan: what the fan-out benchmark and the process test
 * announce.
 */
export const pilotRollout = (
  tenantId: string,
  serviceUrl: string,
  name: string,
  audience: AudienceSpec,
  now: Date,
): Rollout => {
  const decision = createRollout(
    {
      id: `ro-${randomUUID().slice(0, 8)}`,
      tenantId,
      name,
      by: { id: 'bench-admin', name: 'Bench Admin' },
      coordination: {
        conversationId: '19:fanout-coordination@thread.tacv2',
        conversationType: 'channel',
        serviceUrl,
      },
      template: 'app',
      timeZone: 'UTC',
    },
    now,
  );
  if (!decision.ok) throw new Error(decision.error.message);
  const rollout = decision.value;
  return {
    ...rollout,
    position: { phase: STAGE, wave: null },
    phases: rollout.phases.map((p) =>
      p.key === STAGE
        ? {
            ...p,
            waves: [],
            audience,
            communication: {
              whatIsDeployed: 'Teams Premium for the pilot.',
              howAndWhen: 'It installs itself on your devices this week.',
              businessPurpose: 'Better meetings.',
              selfHelpUrl: 'https://contoso.example/teams-premium',
              helpDeskContact: 'helpdesk@contoso.example',
            },
          }
        : p,
    ),
  };
};

/**
 * The pilot's announcement as Send makes it (`scheduled`, due now), created, and its 'start'
 * message on the announcements queue of `config`'s store.
 */
export const announcePilot = async (
  config: Config,
  announcements: TableAnnouncementRepository,
  queueTarget: TableTarget,
  rollout: Rollout,
  audience: Announcement['audience'],
  now: Date,
): Promise<Announcement> => {
  const text = announcementText(rollout, STAGE);
  if (!text) throw new Error(`the rollout has no stage ${STAGE}`);
  const announcement: Announcement = {
    id: randomUUID(),
    tenantId: rollout.tenantId,
    rolloutId: rollout.id,
    stageId: STAGE,
    text,
    by: rollout.createdBy,
    createdAt: now.toISOString(),
    scheduledAt: null,
    state: 'scheduled',
    audience,
    recipients: 0,
    parts: 0,
    coordination: { conversation: rollout.coordination, messageId: null },
    helpdesk: null,
    countsUpdatedAt: null,
    completedAt: null,
    cancelledBy: null,
  };
  await announcements.create(announcement);
  const queue = announcementsQueue(config, queueTarget);
  await queue.ensure();
  await queue.send(JSON.stringify(startMessage(announcement.tenantId, announcement.id)));
  return announcement;
};

/** Seeds the store named by `config` (its TABLE_PREFIX) at `target` / `queueTarget`. */
export const seedFanout = async (
  config: Config,
  target: TableTarget,
  queueTarget: TableTarget,
  serviceUrl: string,
  people: number,
  /** The conversation id of a member's existing 1:1 chat (the connector's): seeds the chats. */
  knownChat?: (tenantId: string, personId: string) => string,
): Promise<SeededFanout> => {
  const now = new Date();
  const tables = {
    rollouts: storeTable(config, target, 'rollouts'),
    audiences: storeTable(config, target, 'audiences'),
    announcements: storeTable(config, target, 'announcements'),
  };
  await Promise.all(Object.values(tables).map((t) => t.ensure()));
  const rollout = pilotRollout(
    BENCH_TENANT,
    serviceUrl,
    'Fan-out benchmark',
    { ...emptyAudience(), groups: [GROUP] },
    now,
  );
  await new TableRolloutRepository(tables.rollouts).commit(rollout.tenantId, {
    rollout,
    ifMatch: null,
    audit: [],
    processed: null,
  });

  const writer = new TableAudienceRepository(tables.audiences).begin(rollout.tenantId, rollout.id, STAGE);
  const ids = Array.from({ length: people }, (_, i) => benchPersonId(i));
  for (let i = 0; i < ids.length; i += PAGE) {
    const page: AudienceMember[] = ids
      .slice(i, i + PAGE)
      .map((id, j) => ({ id, name: `Person ${i + j}`, department: null, country: null, platforms: [] }));
    await writer.add(page);
  }
  await writer.commit({
    fingerprint: audienceFingerprint(audienceParts(rollout, STAGE)),
    resolvedAt: now.toISOString(),
    counts: {
      people,
      byDepartment: {},
      byCountry: {},
      byPlatform: {},
      devicesByOs: {},
      withoutDevice: null,
      leftOut: { guest: 0, disabled: 0, filtered: 0, noDevice: 0 },
      nonUsers: 0,
      groups: { [GROUP]: { users: people, nonUsers: 0 } },
    },
    sample: ids.slice(0, 3).map((_, i) => `Person ${i}`),
    warnings: [],
  });

  if (knownChat) {
    const references = new TableReferenceRepository(tables.audiences, { now: () => new Date() });
    for (let i = 0; i < ids.length; i += REFERENCE_WRITES) {
      await Promise.all(
        ids.slice(i, i + REFERENCE_WRITES).map((personId, j) =>
          references.rememberPersonal(
            {
              tenantId: rollout.tenantId,
              personId,
              name: `Person ${i + j}`,
              conversationId: knownChat(rollout.tenantId, personId),
              conversationType: 'personal',
              serviceUrl,
              botId: '28:',
            },
            null,
          ),
        ),
      );
    }
  }

  const announcement = await announcePilot(
    config,
    new TableAnnouncementRepository(tables.announcements),
    queueTarget,
    rollout,
    'snapshot',
    now,
  );
  return { tenantId: rollout.tenantId, rolloutId: rollout.id, announcementId: announcement.id, people: ids };
};
