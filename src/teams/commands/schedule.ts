import { whatIsNext, type UpcomingSource } from '../../app/schedule/what-is-next';
import type { CommandHandler } from '../handler';
import { NO_ROLLOUT, withRollout } from '../replies';
import { formatInstant, plain } from '../views/format';

/**
 * `schedule [rollout]`: what the bot will send next for the rollout and when, in the rollout's
 * time zone (each job's items from `sources`).
 */
export const scheduleCommand = (sources: readonly UpcomingSource[]): CommandHandler => ({
  name: 'schedule',
  usage: 'schedule [rollout]',
  description: 'Show what the bot will send next for a rollout, and when (reminders, nudges, digest).',
  adminOnly: false,
  flags: {},
  async run(ctx, args) {
    const rolloutId = await withRollout(ctx, 'schedule', args);
    if (!rolloutId) return;
    const next = await whatIsNext(ctx.deps, sources, ctx.turn.tenantId, rolloutId);
    if (!next) return void (await ctx.turn.send({ text: NO_ROLLOUT }));
    const { rollout, items } = next;
    const title = `**Coming up for “${plain(rollout.name)}”** (times in ${rollout.timeZone})`;
    const paused =
      rollout.status === 'paused'
        ? '\n\nThe rollout is paused: no nudges, reminders or automatic advance until it is resumed.'
        : '';
    const lines = items.map((item) => `- ${formatInstant(item.at, rollout.timeZone)}: ${plain(item.what)}`);
    const body = lines.length > 0 ? lines.join('\n') : 'Nothing is scheduled for this rollout.';
    await ctx.turn.send({ text: `${title}${paused}\n\n${body}` });
  },
});
