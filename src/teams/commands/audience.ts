import { currentAudience } from '../../app/resolve-audience';
import { NO_GRAPH, stagesToResolve } from '../../app/audience-refresh';
import { stageLabel } from '../../domain/feedback-access';
import { currentStageId, findStage, stageIds } from '../../domain/feedback-goals';
import type { Rollout } from '../../domain/rollout';
import { isAdmin } from '../../domain/roles';
import type { CommandArgs } from '../command-parser';
import type { CommandContext, CommandHandler } from '../handler';
import { withAdminRollout, withLoadedRollout } from '../replies';
import { audienceCard, audienceCardData } from '../views/audience-view';

/** The stage `--stage` names (`pilot`, `enterprise/wave-1`), else the current one; null: a message was sent. */
const stageOf = async (ctx: CommandContext, rollout: Rollout, args: CommandArgs): Promise<string | null> => {
  const named = typeof args.flags.stage === 'string' ? args.flags.stage.trim() : null;
  const stageId = named || currentStageId(rollout);
  if (findStage(rollout, stageId)) return stageId;
  const ids = stageIds(rollout);
  await ctx.turn.send({
    text: `“${rollout.name}” has no phase or wave “${stageId.slice(0, 100)}”. Use one of: ${ids.map((id) => `\`${id}\``).join(', ')}.`,
  });
  return null;
};

/** `audience [rollout] [--stage id]`: who a stage is for, as last resolved. */
export const audience: CommandHandler = {
  name: 'audience',
  usage: 'audience [rollout] [--stage id]',
  description:
    'Show who a phase or wave is for: size, departments, countries, platforms, devices, who was left out, when resolved.',
  adminOnly: false,
  flags: { stage: 'value' },
  async run(ctx, args) {
    const rollout = await withLoadedRollout(ctx, 'audience', args);
    if (!rollout) return;
    const stageId = await stageOf(ctx, rollout, args);
    if (!stageId) return;
    const { deps, turn } = ctx;
    const found = findStage(rollout, stageId);
    const current = await currentAudience(deps, rollout, stageId);
    const admin = isAdmin(turn.from, deps.access, rollout);
    await turn.send({
      card: audienceCard.render(
        audienceCardData({
          rollout,
          stageId,
          stageLabel: found ? stageLabel(rollout, found) : stageId,
          snapshot: current?.snapshot ?? null,
          stale: current?.stale ?? false,
          showNames: admin,
          canRefresh: admin,
          graph: deps.facts.directory !== null,
        }),
      ),
    });
  },
};

/** `audience refresh [rollout] [--stage id]`: resolves the audience again, after the reply. */
export const audienceRefresh: CommandHandler = {
  name: 'audience refresh',
  usage: 'audience refresh [rollout] [--stage id]',
  description: 'Resolve a phase’s or wave’s audience from its Entra groups now; says here when it is done.',
  adminOnly: true,
  flags: { stage: 'value' },
  async run(ctx, args) {
    const rollout = await withAdminRollout(ctx, 'audience refresh', args);
    if (!rollout) return;
    const stageId = await stageOf(ctx, rollout, args);
    if (!stageId) return;
    const { deps, turn } = ctx;
    if (!deps.facts.directory) return void (await turn.send({ text: NO_GRAPH }));
    const found = findStage(rollout, stageId);
    const label = found ? stageLabel(rollout, found) : stageId;
    const tell = {
      conversationId: turn.conversation.id,
      conversationType: turn.conversation.type,
      serviceUrl: turn.conversation.serviceUrl,
    };
    turn.defer(() =>
      deps.audienceRefresh.schedule({ tenantId: turn.tenantId, rolloutId: rollout.id, stageId, tell }),
    );
    await turn.send({
      text: `Resolving the audience of ${label} of “${rollout.name}”; I will say here when it is done.`,
    });
  },
};

/** Schedules the refreshes entering (or asking the help desk about) a stage calls for. */
export const scheduleStageRefresh = (ctx: CommandContext, rollout: Rollout, stageId: string): void => {
  if (!ctx.deps.facts.directory) return;
  const { tenantId } = ctx.turn;
  for (const id of stagesToResolve(rollout, stageId)) {
    ctx.turn.defer(() =>
      ctx.deps.audienceRefresh.schedule({ tenantId, rolloutId: rollout.id, stageId: id, tell: null }),
    );
  }
};
