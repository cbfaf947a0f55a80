import type { AnnouncementDeps, Deps } from '../../src/app/ports';
import { emptyAudience } from '../../src/domain/audience';
import type { Delivery } from '../../src/domain/announcement';
import { changePart } from '../../src/app/announce/announce-common';
import type { Coordination } from '../../src/domain/rollout';
import { TableAnnouncementRepository } from '../../src/storage/announcement-repository';
import { MemoryQueue } from '../../src/storage/memory-queue';
import { MemoryTable } from '../../src/storage/memory-table';
import { RecordingAnnouncer } from '../support/recording-announcer';
import { makeDeps, rolloutInPilot, TENANT } from './support';

export const HELPDESK_CHAT: Coordination = {
  conversationId: 'helpdesk-chat',
  conversationType: 'groupChat',
  serviceUrl: 'http://x/',
};

/** Deps with announcements over an in-memory table and queue, a recording announcer, kicks counted. */
export const announceDeps = () => {
  const deps = makeDeps();
  const queue = new MemoryQueue('announcements', deps.clock);
  const announcer = new RecordingAnnouncer();
  const kicks = { count: 0 };
  const announce: AnnouncementDeps = {
    store: new TableAnnouncementRepository(new MemoryTable()),
    queue,
    announcer,
    kick: () => void kicks.count++,
  };
  const withAnnounce = { ...deps, announce } as typeof deps & { announce: AnnouncementDeps };
  /** The queue's messages, parsed (received, then visible again: the clock moves past their time-out). */
  const messages = async (): Promise<unknown[]> => {
    const received = await queue.receive(32, 1);
    deps.clock.advance(1000);
    return received.map((m) => JSON.parse(m.text) as unknown);
  };
  return { deps: withAnnounce, queue, announcer, kicks, messages };
};

/** Person ids `p-000`, `p-001`, … (lower case, as Entra object ids are stored). */
export const people = (n: number): string[] =>
  Array.from({ length: n }, (_, i) => `p-${String(i).padStart(3, '0')}`);

/**
 * A rollout in its pilot whose pilot lists `members`, in `timeZone`, with the help desk bound to
 * HELPDESK_CHAT (unless `helpdesk` is false).
 */
export const pilotWith = async (
  deps: Deps,
  members: string[],
  options: { timeZone?: string; helpdesk?: boolean } = {},
): Promise<string> => {
  const rolloutId = await rolloutInPilot(deps);
  const stored = await deps.rollouts.get(TENANT, rolloutId);
  if (!stored) throw new Error('no rollout');
  const audience = { ...emptyAudience(), members };
  const phases = stored.value.phases.map((p) => (p.key === 'pilot' ? { ...p, audience } : p));
  await deps.rollouts.commit(TENANT, {
    rollout: {
      ...stored.value,
      phases,
      timeZone: options.timeZone ?? stored.value.timeZone,
      helpdesk: options.helpdesk === false ? null : HELPDESK_CHAT,
    },
    ifMatch: stored.etag,
    audit: [],
    processed: null,
  });
  return rolloutId;
};

/**
 * Writes the announcement's partitions as the fan-out worker would (recipients `ids`), marks it
 * `sending` with its parts, then sets each delivery's status as `statusOf` says.
 */
export const deliver = async (
  deps: Deps & { announce: AnnouncementDeps },
  announcementId: string,
  ids: string[],
  statusOf: (personId: string) => Delivery['status'],
): Promise<number> => {
  const { store } = deps.announce;
  const parts: string[][] = [];
  for (let i = 0; i < ids.length; i += 50) parts.push(ids.slice(i, i + 50));
  for (const [part, members] of parts.entries()) {
    await store.writePart(
      TENANT,
      announcementId,
      part,
      members.map((personId) => ({ personId, name: `Name ${personId}` })),
    );
  }
  const stored = await store.get(TENANT, announcementId);
  if (!stored) throw new Error('no announcement');
  await store.update(
    { ...stored.value, state: 'sending', parts: parts.length, recipients: ids.length },
    stored.etag,
  );
  for (let part = 0; part < parts.length; part++) {
    await changePart(deps, TENANT, announcementId, part, (d) => {
      const status = statusOf(d.personId);
      if (status === 'pending') return null;
      return {
        ...d,
        status,
        attempts: 1,
        lastStatus: status === 'sent' ? 'sent' : `x ${status}`,
        at: deps.clock.now().toISOString(),
      };
    });
  }
  return parts.length;
};
