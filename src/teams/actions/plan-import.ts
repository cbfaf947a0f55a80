import { z } from 'zod';
import { formatPlanErrors, parsePlanYaml } from '../../plan/plan-yaml';
import type { Rollout } from '../../domain/rollout';
import { defineAction, type ActionResult } from '../handler';
import { afterChange, savePlan, loadRollout } from '../plan-cards';
import { NO_ROLLOUT } from '../replies';
import { planImportCard } from '../views/plan-file-view';

/**
 * The most of a pasted file the card shows again (its JSON, in bytes): Teams shows a card of at
 * most about 100 KB, and the card must also hold the errors. A larger file is not echoed.
 */
const MAX_ECHO_BYTES = 60_000;

const importCard = (
  rollout: Rollout,
  yaml: string,
  errors: string,
  revision = rollout.planRevision,
): ActionResult => {
  const echoed = Buffer.byteLength(JSON.stringify(yaml)) <= MAX_ECHO_BYTES;
  const note = echoed ? '' : '\n\nThe file is too large to show here again: paste it again once it is fixed.';
  return {
    card: planImportCard.render({
      rolloutId: rollout.id,
      revision,
      name: rollout.name,
      yaml: echoed ? yaml : '',
      errors: `${errors}${note}`,
      hasErrors: errors.length > 0,
    }),
  };
};

/** Imports a pasted plan file: all of it, or nothing with each error and its line. */
export const planImportAction = defineAction({
  verb: 'plan.import',
  schema: z.looseObject({
    rolloutId: z.string().min(1).max(100),
    revision: z.coerce.number().int().min(0),
    f_yaml: z.string().default(''),
  }),
  async run(ctx, data) {
    const rollout = await loadRollout(ctx, data.rolloutId);
    if (!rollout) return { message: NO_ROLLOUT };
    if (!data.f_yaml.trim()) return importCard(rollout, '', 'Paste a plan file first.', data.revision);
    const parsed = parsePlanYaml(data.f_yaml);
    if (!parsed.ok) {
      return importCard(
        rollout,
        data.f_yaml,
        `Nothing was imported:\n\n${formatPlanErrors(parsed.errors)}`,
        data.revision,
      );
    }
    const outcome = await savePlan(ctx, rollout.id, {
      command: 'plan import',
      revision: data.revision,
      section: 'import',
      edit: () => parsed.spec,
    });
    return afterChange(ctx, rollout.id, outcome, (fresh, message) =>
      outcome.kind === 'refused' && outcome.error.code === 'stale-revision'
        ? // Keep the card on the revision it was opened on: importing it again must not overwrite
          // the change it missed.
          importCard(
            fresh,
            data.f_yaml,
            `Nothing was imported: the plan changed since this card was opened (revision ${data.revision}, now ${fresh.planRevision}). Export the current plan (\`plan export\`) and make your change on it.`,
            data.revision,
          )
        : importCard(fresh, data.f_yaml, `Nothing was imported: ${message}`),
    );
  },
});
