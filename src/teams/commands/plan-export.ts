import { toPlanFile } from '../../plan/plan-file';
import { stringifyPlan } from '../../plan/plan-yaml';
import type { CommandHandler } from '../handler';
import { withLoadedRollout } from '../replies';
import { planExportCard } from '../views/plan-file-view';

export const planExport: CommandHandler = {
  name: 'plan export',
  usage: 'plan export [rollout]',
  description: 'Show the plan as a YAML file to copy, edit and import.',
  adminOnly: false,
  flags: {},
  async run(ctx, args) {
    const rollout = await withLoadedRollout(ctx, 'plan export', args);
    if (!rollout) return;
    const yaml = stringifyPlan(toPlanFile(rollout));
    await ctx.turn.send({
      card: planExportCard.render({ name: rollout.name, yaml, revision: rollout.planRevision }),
    });
  },
};
