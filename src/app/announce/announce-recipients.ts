import { audienceHasGroups, audienceParts } from '../../domain/audience';
import type { Rollout } from '../../domain/rollout';
import type { Announcement } from '../../domain/announcement';
import { currentAudience, freshSnapshot } from '../resolve-audience';
import type { AudienceRepository, AudienceSnapshot, Recipient, ReferenceRepository } from '../ports';

/** Where an announcement's recipients come from. */
export interface RecipientDeps {
  audiences: AudienceRepository;
  /** Names of listed members who have met the bot (optional: '' otherwise). */
  references?: Pick<ReferenceRepository, 'personal'> | undefined;
}

/** Who a stage's announcement reaches, as known now: its Graph snapshot, else its listed members. */
export interface AnnouncementAudience {
  kind: Announcement['audience'];
  /** How many people (the snapshot's count, or the distinct listed members). */
  count: number;
  snapshot: AudienceSnapshot | null;
  /** The listed members (lower case), used when there is no snapshot. */
  listed: string[];
}

const listedMembers = (rollout: Rollout, stageId: string): string[] => [
  ...new Set(audienceParts(rollout, stageId).flatMap((p) => p.members.map((m) => m.toLowerCase()))),
];

/**
 * The stage's audience for an announcement: its current snapshot (which already holds the listed
 * members; a stale one still beats none: the refresh that entering the stage schedules replaces
 * it), else the listed members (a group without Graph cannot be expanded), else nobody known.
 */
export const announcementAudience = async (
  deps: RecipientDeps,
  rollout: Rollout,
  stageId: string,
): Promise<AnnouncementAudience> => {
  const current = await currentAudience(deps, rollout, stageId);
  if (current) {
    return {
      kind: 'snapshot',
      count: current.snapshot.counts.people,
      snapshot: current.snapshot,
      listed: [],
    };
  }
  const listed = listedMembers(rollout, stageId);
  return { kind: listed.length > 0 ? 'listed' : 'none', count: listed.length, snapshot: null, listed };
};

/**
 * Every recipient of the stage's announcement with their name (from the snapshot, or from the
 * stored personal reference of a listed member who has met the bot).
 */
export const announcementRecipients = async (
  deps: RecipientDeps,
  rollout: Rollout,
  stageId: string,
): Promise<Recipient[]> => {
  const audience = await announcementAudience(deps, rollout, stageId);
  if (audience.snapshot) {
    const recipients: Recipient[] = [];
    for await (const page of deps.audiences.members(audience.snapshot)) {
      for (const m of page) recipients.push({ personId: m.id.toLowerCase(), name: m.name });
    }
    return recipients;
  }
  return Promise.all(
    audience.listed.map(async (personId) => ({
      personId,
      name: (await deps.references?.personal(rollout.tenantId, personId))?.name ?? '',
    })),
  );
};

/** How long an announcement waits for its stage's groups to be resolved before it goes to whom is known. */
export const AUDIENCE_WAIT_MS = 10 * 60_000;

/** The stage's groups are not resolved yet: the fan-out tries the announcement's start again later. */
export class AudienceNotReadyError extends Error {
  constructor(stageId: string) {
    super(`the audience of ${stageId} is being resolved`);
    this.name = 'AudienceNotReadyError';
  }
}

/**
 * The recipients when the announcement is expanded. With Graph, a stage that names groups has
 * them resolved on entering (after the reply, beside an `auto` announcement): until a snapshot of
 * today's definition exists, and for at most AUDIENCE_WAIT_MS after the announcement was made,
 * this throws AudienceNotReadyError so the start is tried again rather than sent to nobody.
 */
export const recipientsWhenResolved = async (
  deps: RecipientDeps & { clock: { now(): Date }; graph: boolean },
  rollout: Rollout,
  announcement: Pick<Announcement, 'stageId' | 'createdAt'>,
): Promise<Recipient[]> => {
  const { stageId } = announcement;
  const waited = deps.clock.now().getTime() - Date.parse(announcement.createdAt);
  if (
    deps.graph &&
    waited < AUDIENCE_WAIT_MS &&
    audienceHasGroups(audienceParts(rollout, stageId)) &&
    !(await freshSnapshot(deps, rollout, stageId))
  ) {
    throw new AudienceNotReadyError(stageId);
  }
  return announcementRecipients(deps, rollout, stageId);
};
