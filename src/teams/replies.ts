import { refuseNonAdmin, type MutationRequest, type Outcome } from '../app/mutate';
import { isAdmin } from '../domain/roles';
import type { Rollout } from '../domain/rollout';
import type { Turn } from './turn';
import type { RolloutSummary } from '../app/ports';
import { resolveRollout } from '../app/queries';
import { isPhaseKey, PHASE_TITLES } from '../domain/phases';
import type { CommandArgs } from './command-parser';
import type { CommandContext } from './handler';
import { plain, STATUS_LABELS } from './views/format';
import { chooseRolloutCard } from './views/rollout-list-view';

export const NO_ROLLOUT = 'That rollout no longer exists.';

/** Quotes an argument so that re-running a command parses it back as one token. */
export const quoteArg = (value: string): string =>
  /[\s"']/.test(value) ? `"${value.replace(/"/g, '')}"` : value;

/** The flags of a command as typed, to be kept when the command is re-run for a chosen rollout. */
export const flagsText = (args: CommandArgs): string =>
  Object.entries(args.flags)
    .map(([name, value]) => (value === true ? `--${name}` : `--${name} ${quoteArg(value)}`))
    .join(' ');

export const summaryDetail = (r: RolloutSummary): string =>
  `${isPhaseKey(r.phase) ? PHASE_TITLES[r.phase] : r.phase} · ${STATUS_LABELS[r.status] ?? r.status}`;

/**
 * Finds the rollout a command is about (first positional argument, or the conversation's only
 * one). With several candidates it answers with a card whose buttons re-run the same command,
 * arguments kept, for the chosen rollout; then it returns null.
 */
export const withRollout = async (
  ctx: CommandContext,
  command: string,
  args: CommandArgs,
): Promise<string | null> => {
  const { turn } = ctx;
  const ref = args.positional.length > 0 ? args.positional.join(' ') : null;
  const found = await resolveRollout(ctx.deps, {
    tenantId: turn.tenantId,
    conversationId: turn.conversation.id,
    ref,
  });
  if (found.kind === 'one') return found.rolloutId;
  if (found.kind === 'none') {
    await turn.send({ text: found.message });
    return null;
  }
  const keep = flagsText(args);
  await turn.send({
    card: chooseRolloutCard.render({
      prompt: `Several rollouts match. Choose one to run \`${command}${keep ? ` ${keep}` : ''}\` on.`,
      choices: found.rollouts.map((r) => ({
        name: r.name,
        id: r.id,
        detail: summaryDetail(r),
        command,
        rolloutId: r.id,
        args: keep,
      })),
    }),
  });
  return null;
};

/** The common part of a state-changing request: who, where, which activity. */
export const requestFor = (turn: Turn, rolloutId: string, command: string): MutationRequest => ({
  tenantId: turn.tenantId,
  rolloutId,
  by: turn.from,
  activityKey: turn.activityKey,
  command,
});

/** `withRollout`, then the rollout itself (or a message when it has just been deleted). */
export const withLoadedRollout = async (
  ctx: CommandContext,
  command: string,
  args: CommandArgs,
): Promise<Rollout | null> => {
  const rolloutId = await withRollout(ctx, command, args);
  if (!rolloutId) return null;
  const stored = await ctx.deps.rollouts.get(ctx.turn.tenantId, rolloutId);
  if (!stored) await ctx.turn.send({ text: NO_ROLLOUT });
  return stored?.value ?? null;
};

/**
 * `withLoadedRollout` for a command only the rollout's admins may use: anyone else gets the
 * polite refusal (audited) and null.
 */
export const withAdminRollout = async (
  ctx: CommandContext,
  command: string,
  args: CommandArgs,
): Promise<Rollout | null> => {
  const rollout = await withLoadedRollout(ctx, command, args);
  if (!rollout) return null;
  const { turn, deps } = ctx;
  if (isAdmin(turn.from, deps.access, rollout)) return rollout;
  const refused = await refuseNonAdmin(deps, turn.tenantId, rollout.id, turn.from, command, turn.activityKey);
  await turn.send({ text: refused.message });
  return null;
};

/** The reply for a state-changing use case's outcome. */
export const outcomeReply = (outcome: Outcome): { text: string } => {
  switch (outcome.kind) {
    case 'done':
    case 'unchanged':
    case 'superseded':
    case 'forbidden':
    case 'invalid':
    case 'not-found':
      return { text: outcome.message };
    case 'duplicate':
      return { text: `Already done: ${outcome.message}` };
    case 'refused': {
      const unmet = outcome.error.unmet ?? [];
      const lines = unmet.map(
        (c) => `- ❌ **${plain(c.label)}**: ${c.measured} (target: ${c.target}). ${c.reason}`,
      );
      const hint = unmet.length
        ? '\n\nTo move on anyway, an admin can use `advance phase --force "reason"`.'
        : '';
      return { text: [outcome.error.message, ...lines].join('\n') + hint };
    }
  }
};
