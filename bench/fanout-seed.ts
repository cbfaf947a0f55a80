import { randomUUID } from 'node:crypto';
import type { AudienceMember, FanoutMessage } from '../src/app/ports';
import type { Config } from '../src/config';
import { emptyAudience, audienceFingerprint, audienceParts } from '../src/domain/audience';
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

const benchRollout = (serviceUrl: string, now: Date): Rollout => {
  const decision = createRollout(
    {
      id: `bench-${randomUUID().slice(0, 8)}`,
      tenantId: BENCH_TENANT,
      name: 'Fan-out benchmark',
      by: { id: 'bench-admin', name: 'Bench Admin' },
      coordination: {
        conversationId: '19:bench-coordination@thread.tacv2',
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
            audience: { ...emptyAudience(), groups: [GROUP] },
            communication: {
              whatIsDeployed: 'Teams Premium for the pilot group.',
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
  const rollout = benchRollout(serviceUrl, now);
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

  const text = announcementText(rollout, STAGE);
  if (!text) throw new Error(`the bench rollout has no stage ${STAGE}`);
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
    audience: 'snapshot',
    recipients: 0,
    parts: 0,
    coordination: { conversation: rollout.coordination, messageId: null },
    helpdesk: null,
    countsUpdatedAt: null,
    completedAt: null,
    cancelledBy: null,
  };
  await new TableAnnouncementRepository(tables.announcements).create(announcement);

  const queue = announcementsQueue(config, queueTarget);
  await queue.ensure();
  const start: FanoutMessage = {
    v: 1,
    kind: 'start',
    tenantId: rollout.tenantId,
    announcementId: announcement.id,
  };
  await queue.send(JSON.stringify(start));
  return { tenantId: rollout.tenantId, rolloutId: rollout.id, announcementId: announcement.id, people: ids };
};
