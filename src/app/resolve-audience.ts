import { audienceFingerprint, audienceParts, type AudienceSpec } from '../domain/audience';
import type { Rollout } from '../domain/rollout';
import { DeviceReader, graphReason, PER_USER_DEVICE_LIMIT, ResolveFailure } from './audience-devices';
import { Resolution } from './audience-resolution';
import { DirectoryError } from './errors';
import type { AudienceRepository, AudienceSnapshot, Clock, Directory, Log } from './ports';

export interface ResolveDeps {
  directory: Directory;
  audiences: AudienceRepository;
  clock: Clock;
  log: Log;
}

/**
 * A resolved audience (now the stage's current snapshot), or why not: `no-audience` (the stage
 * names no group and no member: nothing to resolve) or `failed` (the message names the group or
 * the permission; the previous snapshot stays current).
 */
export type ResolveOutcome =
  { ok: true; snapshot: AudienceSnapshot } | { ok: false; reason: 'no-audience' | 'failed'; message: string };

/**
 * Resolves a stage's audience (`audienceParts`: its own definition, or the union of its waves')
 * into a new snapshot, streamed: each group's transitive members page by page (users only,
 * non-users counted, in total and per group), each person decided once across groups and parts
 * (guests and disabled accounts left out unless the part includes them, then the department /
 * country / office and platform filters), listed members always in. Memory: the ids seen (a Set)
 * and the device map of DeviceReader, never the members themselves (the writer flushes every 100
 * rows of a bucket). On a failure the writer is abandoned and the previous snapshot stays current:
 * a Graph refusal is a `failed` outcome naming the group or permission; anything else (storage) is
 * rethrown.
 */
export const resolveAudience = async (
  deps: ResolveDeps,
  rollout: Rollout,
  stageId: string,
): Promise<ResolveOutcome> => {
  const parts = audienceParts(rollout, stageId);
  if (parts.every((p) => p.groups.length === 0 && p.members.length === 0)) {
    return { ok: false, reason: 'no-audience', message: 'no audience defined' };
  }
  const { tenantId, id: rolloutId } = rollout;
  const previous = await deps.audiences.current(tenantId, rolloutId, stageId);
  const devices = new DeviceReader(
    deps.directory,
    tenantId,
    (previous?.counts.people ?? 0) > PER_USER_DEVICE_LIMIT,
    parts.some((p) => p.filters.platforms.length > 0),
  );
  const writer = deps.audiences.begin(tenantId, rolloutId, stageId);
  const resolution = new Resolution(deps, tenantId, devices, writer);
  try {
    await resolution.listed(parts.flatMap((p) => p.members));
    for (const [groupId, ofGroup] of partsByGroup(parts)) {
      const pages = deps.directory.groupMembers(tenantId, groupId)[Symbol.asyncIterator]();
      for (;;) {
        const next = await pages.next().catch((err: unknown) => {
          if (!(err instanceof DirectoryError)) throw err;
          throw new ResolveFailure(`the members of group ${groupId} could not be read: ${graphReason(err)}`);
        });
        if (next.done) break;
        await resolution.page(groupId, next.value.users, next.value.nonUsers, ofGroup);
      }
    }
    const snapshot = await writer.commit({
      fingerprint: audienceFingerprint(parts),
      resolvedAt: deps.clock.now().toISOString(),
      ...resolution.summary(),
    });
    deps.log.info(
      { tenantId, rolloutId, stageId, snapshotId: snapshot.id, people: snapshot.counts.people },
      'audience resolved',
    );
    return { ok: true, snapshot };
  } catch (err) {
    await writer
      .abandon()
      .catch((abandonErr: unknown) =>
        deps.log.warn(
          { err: abandonErr, tenantId, rolloutId, stageId },
          'could not abandon an audience snapshot',
        ),
      );
    if (!(err instanceof ResolveFailure)) throw err;
    deps.log.warn({ tenantId, rolloutId, stageId, reason: err.message }, 'audience not resolved');
    return { ok: false, reason: 'failed', message: err.message };
  }
};

/** Each group the parts name, once, with the parts that name it. */
const partsByGroup = (parts: readonly AudienceSpec[]): Map<string, AudienceSpec[]> => {
  const byGroup = new Map<string, AudienceSpec[]>();
  for (const part of parts) {
    for (const groupId of part.groups) byGroup.set(groupId, [...(byGroup.get(groupId) ?? []), part]);
  }
  return byGroup;
};

/** The stage's current snapshot, and whether it was resolved from another definition than today's. */
export const currentAudience = async (
  deps: Pick<ResolveDeps, 'audiences'>,
  rollout: Rollout,
  stageId: string,
): Promise<{ snapshot: AudienceSnapshot; stale: boolean } | null> => {
  const snapshot = await deps.audiences.current(rollout.tenantId, rollout.id, stageId);
  if (!snapshot) return null;
  return { snapshot, stale: snapshot.fingerprint !== audienceFingerprint(audienceParts(rollout, stageId)) };
};

/** The stage's current snapshot when it was resolved from today's definition (else null). */
export const freshSnapshot = async (
  deps: Pick<ResolveDeps, 'audiences'>,
  rollout: Rollout,
  stageId: string,
): Promise<AudienceSnapshot | null> => {
  const current = await currentAudience(deps, rollout, stageId);
  return current && !current.stale ? current.snapshot : null;
};
