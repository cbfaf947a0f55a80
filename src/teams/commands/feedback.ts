import { feedbackCandidates } from '../../app/feedback-queries';
import type { CommandHandler } from '../handler';
import { feedbackFormFor } from '../feedback-cards';
import { NO_ROLLOUT, withLoadedRollout } from '../replies';
import { chooseRolloutCard } from '../views/rollout-list-view';

/**
 * `feedback [rollout]`: the feedback form for the person asking, always privately. In personal
 * chat without a rollout, the rollout whose current phase or wave asks them (a choice when several do).
 */
export const feedback: CommandHandler = {
  name: 'feedback',
  usage: 'feedback [rollout]',
  description: 'Give feedback on the current pilot phase or wave (the form comes to you privately).',
  adminOnly: false,
  flags: {},
  async run(ctx, args) {
    const { turn, deps } = ctx;
    let rollout;
    if (args.positional.length === 0 && turn.conversation.type === 'personal') {
      const candidates = await feedbackCandidates(deps, turn.tenantId, turn.from);
      const [only] = candidates;
      if (!only) {
        return void (await turn.send({ text: 'No rollout is asking you for feedback right now.' }));
      }
      if (candidates.length > 1) {
        const prompt = 'Several rollouts are asking you for feedback. Which one is it about?';
        const choices = candidates.map((r) => ({
          name: r.name,
          id: r.id,
          detail: '',
          command: 'feedback',
          rolloutId: r.id,
          args: '',
        }));
        return void (await turn.send({ card: chooseRolloutCard.render({ prompt, choices }) }));
      }
      rollout = (await deps.rollouts.get(turn.tenantId, only.id))?.value;
      if (!rollout) return void (await turn.send({ text: NO_ROLLOUT }));
    } else {
      rollout = await withLoadedRollout(ctx, 'feedback', args);
      if (!rollout) return;
    }
    const reply = await feedbackFormFor(ctx, rollout, { blank: false });
    if ('text' in reply) return void (await turn.send(reply));
    if (await turn.sendPrivately(reply)) {
      if (turn.conversation.type !== 'personal') {
        await turn.send({
          text: `${turn.from.name || 'I'}: I sent you the feedback form for “${rollout.name}” in our personal chat.`,
        });
      }
      return;
    }
    await turn.send({
      text: 'I could not message you privately: add Rollout Coordinator as a personal app, then type `feedback` in your chat with me.',
    });
  },
};
