import { z } from 'zod';
import { freshSnapshot } from '../../app/resolve-audience';
import { phasePassed, waveState } from '../../domain/plan';
import { isAdmin } from '../../domain/roles';
import { defineAction } from '../handler';
import { loadRollout, planCard, sectionForm, sectionRef } from '../plan-cards';
import { NO_ROLLOUT } from '../replies';

/** Opens the form of one plan section: settings, a phase, a wave (or a new wave). */
export const planEdit = defineAction({
  verb: 'plan.edit',
  schema: z.looseObject({
    rolloutId: z.string().min(1).max(100),
    section: z.enum(['settings', 'phase', 'wave']),
    phase: z.string().max(20).default(''),
    waveId: z.string().max(100).default(''),
  }),
  async run(ctx, data) {
    const rollout = await loadRollout(ctx, data.rolloutId);
    if (!rollout) return { message: NO_ROLLOUT };
    if (!isAdmin(ctx.turn.from, ctx.deps.access, rollout)) {
      return planCard(rollout, 'Only the rollout’s admins can edit its plan.');
    }
    const ref = sectionRef(data.section, data.phase, data.waveId);
    if (!ref) return planCard(rollout, 'That part of the plan does not exist.');
    if (ref.phase && phasePassed(rollout, ref.phase)) {
      return planCard(rollout, 'That phase has passed; its plan is read-only.');
    }
    if (ref.section === 'wave' && ref.phase && ref.waveId) {
      const index =
        rollout.phases.find((p) => p.key === ref.phase)?.waves.findIndex((w) => w.id === ref.waveId) ?? -1;
      if (index < 0) return planCard(rollout, 'That wave no longer exists.');
      if (waveState(rollout, ref.phase, index) === 'passed')
        return planCard(rollout, 'That wave has passed; it is read-only.');
    }
    // The stage's resolved audience is shown beside the planned one (one point read).
    const stageId =
      ref.section === 'phase'
        ? ref.phase
        : ref.section === 'wave' && ref.waveId
          ? `${ref.phase}/${ref.waveId}`
          : null;
    const resolved = stageId ? await freshSnapshot(ctx.deps, rollout, stageId) : null;
    return sectionForm(rollout, ref, { resolved });
  },
});
