import type { FeedbackTally } from '../domain/feedback';
import { feedbackGate, stageLabel } from '../domain/feedback-access';
import { audienceFact } from './directory-facts';
import {
  audienceOf,
  audienceSizeOf,
  currentStageId,
  findStage,
  stageIds,
  stageTally,
  type AudienceSizes,
} from '../domain/feedback-goals';
import { audienceSizes } from './audience-refresh';
import type { Rollout } from '../domain/rollout';
import type { Person } from '../domain/roles';
import type { Deps, RecentComment } from './ports';

export const SUMMARY_COMMENTS = 5;
/** The export's bound: far above a pilot's size, and what one CSV download should carry. */
export const MAX_EXPORT_ROWS = 50_000;

export interface StageFeedback {
  stageId: string;
  label: string;
  tally: FeedbackTally;
  audience: number | null;
}

export interface FeedbackSummary {
  rollout: Rollout;
  stages: StageFeedback[];
  comments: RecentComment[];
}

/** Every stage of the plan that takes or has feedback, in plan order, with its counts. */
const stagesWithFeedback = (
  rollout: Rollout,
  tallies: ReadonlyMap<string, FeedbackTally>,
  sizes: AudienceSizes,
): StageFeedback[] =>
  stageIds(rollout).flatMap((stageId) => {
    const found = findStage(rollout, stageId);
    if (!found) return [];
    const tally = stageTally(rollout, tallies, stageId);
    if (tally.responses === 0 && !tallies.has(stageId)) return [];
    return [
      {
        stageId,
        label: stageLabel(rollout, found),
        tally,
        audience: audienceSizeOf(rollout, stageId, sizes),
      },
    ];
  });

/** Counts per phase and wave, and the latest `comments` comments: read from the count shards, never the answers. */
export const feedbackSummary = async (
  deps: Pick<Deps, 'rollouts' | 'feedback' | 'audiences'>,
  tenantId: string,
  rolloutId: string,
  comments = SUMMARY_COMMENTS,
): Promise<FeedbackSummary | null> => {
  const [stored, tallies, recent] = await Promise.all([
    deps.rollouts.get(tenantId, rolloutId),
    deps.feedback.tallies(tenantId, rolloutId),
    deps.feedback.recentComments(tenantId, rolloutId, comments),
  ]);
  if (!stored) return null;
  const rollout = stored.value;
  const sizes = await audienceSizes(deps, rollout, stageIds(rollout));
  return { rollout, stages: stagesWithFeedback(rollout, tallies, sizes), comments: recent };
};

/** At most this many of the tenant's rollouts are looked at to find the ones asking a person. */
export const MAX_CANDIDATE_ROLLOUTS = 200;

/**
 * The open rollouts whose current phase or wave asks this person for feedback: explicitly listed
 * members first; when none lists the person, those whose audience is not known (anyone may answer).
 */
export const feedbackCandidates = async (
  deps: Pick<Deps, 'rollouts' | 'access' | 'facts' | 'audiences'>,
  tenantId: string,
  person: Person,
): Promise<Rollout[]> => {
  const open = (await deps.rollouts.list(tenantId))
    .filter((r) => r.status !== 'completed')
    .slice(-MAX_CANDIDATE_ROLLOUTS);
  const loaded = await Promise.all(open.map((r) => deps.rollouts.get(tenantId, r.id)));
  const checked = await Promise.all(
    loaded.map(async (stored) => {
      if (!stored) return [];
      const rollout = stored.value;
      const stageId = currentStageId(rollout);
      const fact = await audienceFact(deps, tenantId, rollout, stageId, person);
      if (!feedbackGate(rollout, stageId, person, deps.access, fact).open) return [];
      if (fact) return fact === 'in' ? [{ rollout, listed: true }] : [];
      const { ids } = audienceOf(rollout, stageId);
      if (!ids) return [{ rollout, listed: false }];
      return ids.has(person.id.toLowerCase()) ? [{ rollout, listed: true }] : [];
    }),
  );
  const asking = checked.flat();
  const listed = asking.filter((a) => a.listed);
  return (listed.length > 0 ? listed : asking).map((a) => a.rollout);
};
