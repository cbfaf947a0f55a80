import { audienceHasGroups, audienceParts } from '../domain/audience';
import { stageLabel } from '../domain/feedback-access';
import { findStage, type AudienceSizes } from '../domain/feedback-goals';
import { gatingStages } from '../domain/criteria';
import type { Coordination, Rollout } from '../domain/rollout';
import type { Deps, Log } from './ports';
import { freshSnapshot, resolveAudience, type ResolveOutcome } from './resolve-audience';
import { SerialQueue } from './serial-queue';

/** Rows of superseded snapshots deleted after each refresh at most (the rest at the next). */
export const PRUNE_ROWS_PER_REFRESH = 2000;

/** One stage of one rollout. */
export interface StageRef {
  tenantId: string;
  rolloutId: string;
  stageId: string;
}

export type RefreshOutcome =
  ResolveOutcome | { ok: false; reason: 'no-graph' | 'not-found'; message: string };

export const NO_GRAPH =
  'Microsoft Graph is not configured (GRAPH_AUTH=none), so groups cannot be resolved: the audience is the members the plan lists.';

type RefreshDeps = Pick<Deps, 'rollouts' | 'facts' | 'audiences' | 'clock' | 'log'>;

/**
 * Resolves a stage's audience into a new snapshot (the use case behind `audience refresh`, stage
 * entry and sign-off requests; a scheduler calls it the same way), then deletes superseded
 * snapshots, bounded. A failure leaves the previous snapshot in force.
 */
export const refreshAudience = async (deps: RefreshDeps, ref: StageRef): Promise<RefreshOutcome> => {
  const rollout = (await deps.rollouts.get(ref.tenantId, ref.rolloutId))?.value;
  if (!rollout || !findStage(rollout, ref.stageId)) {
    return { ok: false, reason: 'not-found', message: 'That rollout or stage no longer exists.' };
  }
  const directory = deps.facts.directory;
  if (!directory) return { ok: false, reason: 'no-graph', message: NO_GRAPH };
  const outcome = await resolveAudience(
    { directory, audiences: deps.audiences, clock: deps.clock, log: deps.log },
    rollout,
    ref.stageId,
  );
  if (outcome.ok) await deps.audiences.prune(ref.tenantId, ref.rolloutId, PRUNE_ROWS_PER_REFRESH);
  return outcome;
};

/**
 * The resolved audience size of each of `stageIds` (default: the stages the gate measures) that
 * names groups, one point read each, for the responses goal and response rates; stages without a
 * fresh snapshot are left out (the plan's size applies).
 */
export const audienceSizes = async (
  deps: Pick<Deps, 'audiences'>,
  rollout: Rollout,
  stageIds: readonly string[] = gatingStages(rollout).map((ref) => ref.id),
): Promise<AudienceSizes> => {
  const stages = stageIds.filter((id) => audienceHasGroups(audienceParts(rollout, id)));
  const snapshots = await Promise.all(stages.map((id) => freshSnapshot(deps, rollout, id)));
  return new Map(
    snapshots.flatMap((snapshot, i) =>
      snapshot ? [[stages[i] ?? '', snapshot.counts.people] as const] : [],
    ),
  );
};

/** The stages a refresh on entering `stageId` resolves: the stage, and a wave's phase (their union). */
export const stagesToResolve = (rollout: Rollout, stageId: string): string[] => {
  const found = findStage(rollout, stageId);
  if (!found) return [];
  return found.wave ? [stageId, found.phase.key] : [stageId];
};

/** A refresh to run after the person was answered, and where to say it is done (if anywhere). */
export interface RefreshRequest extends StageRef {
  tell: Coordination | null;
}

/**
 * Runs audience refreshes after the reply, one at a time (a refresh of a stage already queued is
 * not queued twice). With `tell`, the conversation hears when it is done, with the outcome.
 */
export class AudienceRefresher {
  private readonly queue: SerialQueue<RefreshRequest & { id: string }>;

  private readonly purges: SerialQueue<{ id: string; tenantId: string; rolloutId: string }>;

  constructor(deps: RefreshDeps & Pick<Deps, 'messenger' | 'assignments'>, log: Log) {
    this.purges = new SerialQueue(
      async ({ tenantId, rolloutId }) => {
        while ((await deps.audiences.prune(tenantId, rolloutId, PRUNE_ROWS_PER_REFRESH, true)) > 0) {
          await new Promise((resolve) => setImmediate(resolve));
        }
      },
      (err, { tenantId, rolloutId }) =>
        log.warn({ err, tenantId, rolloutId }, 'could not delete a closed rollout’s audiences'),
    );
    this.queue = new SerialQueue(
      async (request) => {
        const outcome = await refreshAudience(deps, request);
        if (!request.tell) return;
        // An asked-for refresh also reads the Intune app's assignments again (`status` shows them).
        await deps.assignments
          ?.refresh(request.tenantId, request.rolloutId)
          .catch((err: unknown) =>
            log.warn({ err, rolloutId: request.rolloutId }, 'Intune assignments not read'),
          );
        const rollout = (await deps.rollouts.get(request.tenantId, request.rolloutId))?.value;
        const found = rollout ? findStage(rollout, request.stageId) : null;
        if (!rollout || !found) return;
        await deps.messenger.notify(request.tenantId, request.tell, {
          kind: 'audience-refreshed',
          rollout,
          stageId: request.stageId,
          stageLabel: stageLabel(rollout, found),
          outcome,
        });
      },
      (err, request) => log.error({ err, ...request, tell: undefined }, 'audience refresh failed'),
    );
  }

  /**
   * Deletes every snapshot of a closed rollout, after the reply: in runs of PRUNE_ROWS_PER_REFRESH
   * rows, one after another on the queue (other refreshes interleave), until nothing is left.
   */
  purge(tenantId: string, rolloutId: string): void {
    this.purges.add({ id: `${tenantId}|${rolloutId}`, tenantId, rolloutId });
  }

  schedule(request: RefreshRequest): void {
    this.queue.add({ ...request, id: `${request.tenantId}|${request.rolloutId}|${request.stageId}` });
  }

  /** Resolves when no refresh or purge is queued or running (tests, shutdown). */
  async idle(): Promise<void> {
    await Promise.all([this.queue.idle(), this.purges.idle()]);
  }
}
