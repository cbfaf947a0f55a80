import { CATEGORIES, sumTallies } from '../domain/feedback';
import { CATEGORY_LABELS } from '../domain/feedback-labels';
import { findStage } from '../domain/feedback-goals';
import type { Rollout } from '../domain/rollout';
import { freshSnapshot } from './resolve-audience';
import { nextStageId } from '../domain/signoff';
import type { Deps, SignoffState, SignoffView } from './ports';

/** The readiness request the gate reads: the latest one made for the stage the rollout enters next. */
export const currentReadiness = async (
  deps: Pick<Deps, 'signoffs'>,
  tenantId: string,
  rollout: Rollout,
): Promise<SignoffState | null> => {
  const stageId = nextStageId(rollout);
  const requestId = stageId ? rollout.signoffs?.[stageId] : undefined;
  return requestId ? deps.signoffs.get(tenantId, rollout.id, requestId) : null;
};

/** Everything a readiness card shows, read fresh: the request, its answers, feedback so far. */
export const signoffView = async (
  deps: Pick<Deps, 'feedback' | 'clock' | 'audiences'>,
  rollout: Rollout,
  state: SignoffState,
): Promise<SignoffView> => {
  const found = findStage(rollout, state.request.value.stageId);
  // The groups the card describes: the stage's waves (or the wave itself), sized by their snapshots.
  const waveIds = found
    ? found.wave
      ? [found.id]
      : found.phase.waves.map((w) => `${found.phase.key}/${w.id}`)
    : [];
  const [tallies, snapshots] = await Promise.all([
    deps.feedback.tallies(rollout.tenantId, rollout.id),
    Promise.all(waveIds.map((id) => freshSnapshot(deps, rollout, id))),
  ]);
  const audiences = new Map(
    snapshots.flatMap((snapshot, i) => (snapshot ? [[waveIds[i] ?? '', snapshot] as const] : [])),
  );
  const all = sumTallies(tallies.values());
  const topCategories = CATEGORIES.map((c) => ({ category: CATEGORY_LABELS[c], count: all.categories[c] }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, 3);
  return {
    rollout,
    request: state.request.value,
    answers: state.answers,
    feedback: { openBlockers: all.openBlockers, openMajors: all.openMajors, topCategories },
    audiences,
    now: deps.clock.now().toISOString(),
  };
};
