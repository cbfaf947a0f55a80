import { ActivityTypes, type Activity, type CloudAdapter, type TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import { CARD_CONTENT_TYPE } from './render-card';
import { errorBody, type InvokeResponseBody, type Router } from './router';
import { coordinationId, type Reply, type Turn } from './turn';

export interface BotOptions {
  /** Anonymous local mode: ids may lack an Entra object id or a tenant (local clients). */
  anonymous: boolean;
  /** The bot's Microsoft App Id ('' in anonymous mode), for proactive sends. */
  appId: string;
}

/** Token audience of the Bot Connector in the public cloud. */
const CONNECTOR_AUDIENCE = 'https://api.botframework.com';

/** Work to run once the activity has been answered (collected per request). */
export type AfterReply = (() => void | Promise<unknown>)[];

const LOCAL_TENANT = 'local';

const toActivity = (reply: Reply): Partial<Activity> =>
  'card' in reply
    ? {
        type: ActivityTypes.Message,
        ...(reply.text ? { text: reply.text, textFormat: 'markdown' } : {}),
        attachments: [{ contentType: CARD_CONTENT_TYPE, content: reply.card.content }],
      }
    : { type: ActivityTypes.Message, text: reply.text, textFormat: 'markdown' };

const sentAt = (timestamp: unknown): string | null => {
  const date =
    timestamp instanceof Date ? timestamp : typeof timestamp === 'string' ? new Date(timestamp) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : null;
};

/** Reads identity and tenant from the (authenticated) activity; never from card data. */
export const toTurn = (context: TurnContext, options: BotOptions, after: AfterReply = []): Turn | null => {
  const activity = context.activity;
  const channelData = (activity.channelData ?? {}) as { tenant?: { id?: unknown } };
  const tenantFromActivity =
    (typeof channelData.tenant?.id === 'string' && channelData.tenant.id) ||
    activity.conversation?.tenantId ||
    null;
  const tenantId = tenantFromActivity ?? (options.anonymous ? LOCAL_TENANT : null);
  const personId = activity.from?.aadObjectId || (options.anonymous ? activity.from?.id : undefined);
  if (!tenantId || !personId || !activity.conversation?.id) return null;
  const conversationId = coordinationId(activity.conversation.id);
  return {
    tenantId,
    from: { id: personId.toLowerCase(), name: activity.from.name ?? '' },
    conversation: {
      id: conversationId,
      type: activity.conversation.conversationType ?? 'personal',
      serviceUrl: activity.serviceUrl,
    },
    activityId: activity.id ?? '',
    activityKey: `${activity.conversation.id}|${activity.id ?? ''}`,
    localTimezone: activity.localTimezone ?? null,
    sentAt: sentAt(activity.timestamp),
    send: async (reply) => void (await context.sendActivity(toActivity(reply))),
    sendPrivately: async (reply) => {
      if ((activity.conversation.conversationType ?? 'personal') === 'personal') {
        await context.sendActivity(toActivity(reply));
        return true;
      }
      try {
        await (context.adapter as CloudAdapter).createConversationAsync(
          options.appId,
          activity.channelId,
          activity.serviceUrl,
          CONNECTOR_AUDIENCE,
          {
            isGroup: false,
            bot: activity.recipient,
            members: [{ id: activity.from.id, name: activity.from.name ?? '' }],
            tenantId,
            channelData: { tenant: { id: tenantId } },
          },
          async (personal) => void (await personal.sendActivity(toActivity(reply))),
        );
        return true;
      } catch {
        return false;
      }
    },
    clickedMessageId: activity.type === ActivityTypes.Invoke ? (activity.replyToId ?? null) : null,
    update: async (messageId, reply) => {
      await context.updateActivity({
        ...toActivity(reply),
        id: messageId,
        conversation: activity.conversation,
      });
    },
    defer: (task) => void after.push(task),
  };
};

const invokeResponse = async (context: TurnContext, body: InvokeResponseBody): Promise<void> => {
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
};

const WELCOME =
  'Hi! I coordinate phased rollouts: phases, checklists, gates and announcements. Type `help` to see what I can do, or `rollout new {name}` to start one.';

/** The bot's turn logic: identity first, then dispatch to the router. Nothing else lives here. */
export const createBotLogic =
  (router: Router, logger: Logger, options: BotOptions) =>
  async (context: TurnContext, after: AfterReply = []): Promise<void> => {
    const { activity } = context;
    const turn = toTurn(context, options, after);
    if (activity.type === ActivityTypes.Invoke) {
      if (activity.name !== 'adaptiveCard/action') {
        await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 501 } });
        return;
      }
      if (!turn) {
        await invokeResponse(
          context,
          errorBody(400, 'BadRequest', 'The request does not say who you are or which tenant you are in.'),
        );
        return;
      }
      try {
        await invokeResponse(context, await router.handleAction(turn, activity.value));
      } catch (err) {
        logger.error({ err, activityId: activity.id }, 'card action failed');
        await invokeResponse(
          context,
          errorBody(500, 'InternalError', 'Something went wrong on my side. Please try again.'),
        );
      }
      return;
    }
    if (!turn) {
      logger.warn(
        { activityId: activity.id, type: activity.type },
        'activity without identity or tenant ignored',
      );
      return;
    }
    if (activity.type === ActivityTypes.Message) {
      if (typeof activity.text !== 'string' || !activity.text.trim()) {
        // A legacy Action.Submit carries `value`; anything else without text is a file or image.
        const hint = activity.value
          ? 'This card button needs a newer Teams client.'
          : 'I only understand typed commands.';
        await turn.send({ text: `${hint} Type \`help\` to see them.` });
        return;
      }
      await router.handleMessage(turn, activity.text);
      return;
    }
    // Teams sends installationUpdate for every install (personal, group chat, team) and also a
    // conversationUpdate; greeting on the first alone says hello once.
    const botAdded = activity.type === ActivityTypes.InstallationUpdate && activity.action === 'add';
    if (botAdded) await turn.send({ text: WELCOME });
  };
