import { CATEGORIES, sumTallies } from '../domain/feedback';
import { CATEGORY_LABELS } from '../domain/feedback-labels';
import type { Rollout } from '../domain/rollout';
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
  deps: Pick<Deps, 'feedback' | 'clock'>,
  rollout: Rollout,
  state: SignoffState,
): Promise<SignoffView> => {
  const all = sumTallies((await deps.feedback.tallies(rollout.tenantId, rollout.id)).values());
  const topCategories = CATEGORIES.map((c) => ({ category: CATEGORY_LABELS[c], count: all.categories[c] }))
    .filter((c) => c.count > 0)
    .sort((a, b) => b.count - a.count)
    .slice(0, 3);
  return {
    rollout,
    request: state.request.value,
    answers: state.answers,
    feedback: { openBlockers: all.openBlockers, openMajors: all.openMajors, topCategories },
    now: deps.clock.now().toISOString(),
  };
};
