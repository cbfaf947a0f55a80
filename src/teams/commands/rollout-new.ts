import { createRollout } from '../../app/create-rollout';
import { getStatus } from '../../app/queries';
import { TEMPLATES, type TemplateName } from '../../domain/rollout';
import { isTimeZone } from '../../domain/time';
import type { CommandHandler } from '../handler';
import { outcomeReply } from '../replies';
import { statusCard, statusCardData } from '../views/status-view';

const isTemplate = (value: string): value is TemplateName => (TEMPLATES as readonly string[]).includes(value);

export const rolloutNew: CommandHandler = {
  name: 'rollout new',
  usage: 'rollout new {name} [--template app|enrollment]',
  description:
    'Create a rollout coordinated in this conversation: an app rollout (default) or an Endpoint Manager enrollment rollout.',
  adminOnly: true,
  flags: { template: 'value' },
  async run({ turn, deps }, args) {
    const template = String(args.flags.template ?? 'app').toLowerCase();
    if (!isTemplate(template)) {
      await turn.send({
        text: `Unknown template “${template}”. Use --template app or --template enrollment.`,
      });
      return;
    }
    const timeZone =
      turn.localTimezone && isTimeZone(turn.localTimezone)
        ? turn.localTimezone
        : deps.settings.defaultTimeZone;
    const outcome = await createRollout(deps, {
      tenantId: turn.tenantId,
      by: turn.from,
      name: args.rest,
      activityKey: turn.activityKey,
      coordination: {
        conversationId: turn.conversation.id,
        conversationType: turn.conversation.type,
        serviceUrl: turn.conversation.serviceUrl,
      },
      template,
      timeZone,
    });
    const rolloutId =
      outcome.kind === 'done' ? outcome.rollout.id : outcome.kind === 'duplicate' ? outcome.rolloutId : null;
    const view = rolloutId ? await getStatus(deps, turn.tenantId, rolloutId) : null;
    const reply = outcomeReply(outcome);
    await turn.send(
      view
        ? {
            ...reply,
            card: statusCard.render(statusCardData(view, undefined, undefined, deps.settings.dashboardUrl)),
          }
        : reply,
    );
  },
};
