import { extendSignoff } from '../../app/signoff-changes';
import { bindHelpdeskConversation } from '../../app/signoff-queries';
import { requestSignoff } from '../../app/signoff-requests';
import type { SignoffOutcome } from '../../app/signoff-store';
import { nextStageId } from '../../domain/signoff';
import type { CommandContext, CommandHandler } from '../handler';
import { scheduleStageRefresh } from './audience';
import { outcomeReply, requestFor, withRollout } from '../replies';

const conversationOf = (ctx: CommandContext) => ({
  conversationId: ctx.turn.conversation.id,
  conversationType: ctx.turn.conversation.type,
  serviceUrl: ctx.turn.conversation.serviceUrl,
});

/** Says what happened; a changed request's card is brought up to date once the person was answered. */
const reply = async (ctx: CommandContext, outcome: SignoffOutcome): Promise<void> => {
  const ref = outcome.kind === 'done' ? outcome.ref : null;
  if (ref) ctx.turn.defer(() => ctx.deps.tallies.schedule(ref));
  await ctx.turn.send({ text: outcome.message });
};

export const signoffRequest: CommandHandler = {
  name: 'signoff request',
  usage: 'signoff request [rollout]',
  description:
    "Ask the help desk whether it is ready for the next phase or wave (posted in the help desk's conversation when bound, else here).",
  adminOnly: true,
  flags: {},
  async run(ctx, args) {
    const rolloutId = await withRollout(ctx, 'signoff request', args);
    if (!rolloutId) return;
    const outcome = await requestSignoff(ctx.deps, {
      ...requestFor(ctx.turn, rolloutId, 'signoff request'),
      where: conversationOf(ctx),
    });
    // The stage asked about gets a fresh snapshot of its audience (its card's users and devices).
    const rollout =
      outcome.kind === 'done' ? (await ctx.deps.rollouts.get(ctx.turn.tenantId, rolloutId))?.value : null;
    const stageId = rollout ? nextStageId(rollout) : null;
    if (rollout && stageId) scheduleStageRefresh(ctx, rollout, stageId);
    await reply(ctx, outcome);
  },
};

export const signoffExtend: CommandHandler = {
  name: 'signoff extend',
  usage: 'signoff extend [rollout] --until "YYYY-MM-DD HH:mm"',
  description: "Move the open readiness request's deadline (in the rollout's time zone).",
  adminOnly: true,
  flags: { until: 'value' },
  async run(ctx, args) {
    const until = typeof args.flags.until === 'string' ? args.flags.until : '';
    if (!until) {
      return void (await ctx.turn.send({
        text: 'Say until when: `signoff extend --until "2026-05-01 17:00"`.',
      }));
    }
    const rolloutId = await withRollout(ctx, 'signoff extend', args);
    if (!rolloutId) return;
    await reply(
      ctx,
      await extendSignoff(ctx.deps, { tenantId: ctx.turn.tenantId, rolloutId, by: ctx.turn.from, until }),
    );
  },
};

const bindCommand = (bind: boolean): CommandHandler => {
  const name = bind ? 'rollout bind helpdesk' : 'rollout unbind helpdesk';
  return {
    name,
    usage: `${name} [rollout]`,
    description: bind
      ? "Typed in the help desk's channel: readiness requests of the rollout are posted here."
      : 'Readiness requests are posted where `signoff request` is typed again.',
    adminOnly: true,
    flags: {},
    async run(ctx, args) {
      const rolloutId = await withRollout(ctx, name, args);
      if (!rolloutId) return;
      const outcome = await bindHelpdeskConversation(ctx.deps, {
        ...requestFor(ctx.turn, rolloutId, name),
        to: bind ? conversationOf(ctx) : null,
      });
      await ctx.turn.send(outcomeReply(outcome));
    },
  };
};

export const rolloutBindHelpdesk = bindCommand(true);
export const rolloutUnbindHelpdesk = bindCommand(false);
