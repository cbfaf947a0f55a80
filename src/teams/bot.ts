import { ActivityTypes, type Activity, type TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import { CARD_CONTENT_TYPE } from './render-card';
import { errorBody, messageBody, type InvokeResponseBody, type Router } from './router';
import { coordinationId, type Reply, type Turn } from './turn';
import { tenantOf } from './activity-edge';
import { AfterReply } from './after-reply';
import { sendWithRetry } from './reply-policy';
import { sendPrivately } from './private-chat';
import { applyReferenceChanges, referenceChanges, type ReferenceSource } from './reference-capture';
import { withBudget } from '../app/deadline';
import type { ReferenceRepository } from '../app/ports';
import { StorageTimeoutError } from '../app/errors';
import { LIMITS, type Deadlines } from '../http/limits';

export interface BotOptions {
  /** Anonymous local mode: ids may lack an Entra object id or a tenant (local clients). */
  anonymous: boolean;
  /** The bot's Microsoft App Id ('' in anonymous mode), for proactive sends. */
  appId: string;
  /** How long a card action and a message may take before the person is answered anyway. */
  deadlines: Deadlines;
  /** Waits between reply retries (tests pass one that does not sleep). */
  wait: (ms: number) => Promise<void>;
  /**
   * Conversation references: stored after the reply of a turn that met the person or the
   * conversation, removed on uninstall, and used by `sendPrivately`. Without it, none are kept.
   */
  references?: ReferenceRepository;
}

/** Whether the turn may still reply: closed once it was answered past its deadline. */
interface ReplyGate {
  open: boolean;
}

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

/**
 * Where an install event that names no person is from (Teams documents conversationUpdate in a
 * team without `from.aadObjectId`): the tenant and conversation, for the channel's reference.
 */
const eventSource = (activity: Activity, anonymous: boolean): ReferenceSource | null => {
  const event =
    activity.type === ActivityTypes.ConversationUpdate || activity.type === ActivityTypes.InstallationUpdate;
  const tenantId = tenantOf(activity) || (anonymous ? LOCAL_TENANT : null);
  if (!event || !tenantId || !activity.conversation?.id) return null;
  return {
    tenantId,
    conversation: {
      id: coordinationId(activity.conversation.id),
      type: activity.conversation.conversationType ?? 'personal',
      serviceUrl: activity.serviceUrl,
    },
    from: null,
  };
};

/** Reads identity and tenant from the (authenticated) activity; never from card data. */
export const toTurn = (
  context: TurnContext,
  options: Pick<BotOptions, 'anonymous' | 'appId' | 'wait' | 'references'>,
  after: AfterReply = new AfterReply(),
  gate: ReplyGate = { open: true },
  log: Pick<Logger, 'warn'> = { warn: () => undefined },
): Turn | null => {
  const activity = context.activity;
  const tenantId = (tenantOf(activity) || null) ?? (options.anonymous ? LOCAL_TENANT : null);
  const personId = activity.from?.aadObjectId || (options.anonymous ? activity.from?.id : undefined);
  if (!tenantId || !personId || !activity.conversation?.id) return null;
  const conversationId = coordinationId(activity.conversation.id);
  const reply = (payload: Partial<Activity>): Promise<unknown> =>
    gate.open ? sendWithRetry(() => context.sendActivity(payload), options.wait) : Promise.resolve();
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
    send: async (message) => void (await reply(toActivity(message))),
    sendPrivately: async (message) => {
      if (!gate.open) return false;
      if ((activity.conversation.conversationType ?? 'personal') === 'personal') {
        await reply(toActivity(message));
        return true;
      }
      return sendPrivately(
        context,
        { tenantId, personId: personId.toLowerCase(), name: activity.from.name ?? '' },
        toActivity(message),
        { ...options, log, defer: (task) => after.push(task) },
      );
    },
    clickedMessageId: activity.type === ActivityTypes.Invoke ? (activity.replyToId ?? null) : null,
    update: async (messageId, message) => {
      if (!gate.open) return;
      await sendWithRetry(
        () =>
          context.updateActivity({
            ...toActivity(message),
            id: messageId,
            conversation: activity.conversation,
          }),
        options.wait,
      );
    },
    defer: (task) => after.push(task),
  };
};

const invokeResponse = async (context: TurnContext, body: InvokeResponseBody): Promise<void> => {
  await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 200, body } });
};

/** Teams always says who and which tenant; a message without them can only be told so. */
const NO_IDENTITY =
  'I cannot tell who you are or which organisation you are in, so I did nothing. Please write from Microsoft Teams.';

const WELCOME =
  'Hi! I coordinate phased rollouts: phases, checklists, gates and announcements. Type `help` to see what I can do, or `rollout new {name}` to start one.';

/** What a turn answered with: an invoke's response body, or nothing (replies were sent). */
type Answer = InvokeResponseBody | null;

/** A dynamic typeahead's query (Input.ChoiceSet with Data.Query), answered like a card action. */
const SEARCH_INVOKE = 'application/search';

/** Time kept back from a turn's budget for its own late answer. */
const INVOKE_ANSWER_MS = 200;
const MESSAGE_ANSWER_MS = 1500;

const SEARCH_UNANSWERED = 'The search did not finish in time. Please type again in a moment.';

const SLOW_WROTE =
  'Storage is slow right now: this may or may not have been saved. Check `status` before trying again.';
const SLOW_UNCHANGED = 'Storage is slow right now, so nothing was changed. Please try again in a moment.';

/** Storage that did not answer (time-out, refused connection): not a bug, nothing to log loudly. */
const isStorageUnavailable = (err: unknown): boolean => {
  if (err instanceof StorageTimeoutError) return true;
  const { code, statusCode } = (err ?? {}) as { code?: unknown; statusCode?: unknown };
  return (
    statusCode === undefined &&
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'REQUEST_SEND_ERROR'].includes(code)
  );
};

const slowMessage = (wrote: boolean, retryHint: string | null): string =>
  wrote ? `${SLOW_WROTE}${retryHint ? ` ${retryHint}` : ''}` : SLOW_UNCHANGED;

/** Resolves with the work's outcome, or 'late' once `ms` have passed. */
const raceDeadline = <T>(
  work: Promise<T>,
  ms: number,
): Promise<{ kind: 'done'; value: T } | { kind: 'failed'; err: unknown } | { kind: 'late' }> =>
  new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ kind: 'late' }), Math.max(0, ms));
    work.then(
      (value) => (clearTimeout(timer), resolve({ kind: 'done', value })),
      (err: unknown) => (clearTimeout(timer), resolve({ kind: 'failed', err })),
    );
  });

/**
 * The bot's turn logic: identity first, then dispatch to the router, within the turn's deadline
 * (a card action or a typeahead search within `deadlines.invokeMs`, a message within
 * `deadlines.messageMs`). Past it,
 * or when storage does not answer, the person is told plainly what is uncertain, and whatever the
 * turn would still have sent is dropped: never a late success after Teams showed an error.
 */
export const createBotLogic =
  (router: Router, logger: Logger, options: BotOptions) =>
  async (context: TurnContext, after: AfterReply = new AfterReply()): Promise<void> => {
    const { activity } = context;
    const invoke = activity.type === ActivityTypes.Invoke;
    const search = invoke && activity.name === SEARCH_INVOKE;
    const gate: ReplyGate = { open: true };
    const turn = toTurn(context, options, after, gate, logger);
    const ms = invoke
      ? options.deadlines.invokeMs - INVOKE_ANSWER_MS
      : options.deadlines.messageMs - MESSAGE_ANSWER_MS;
    const { budget, done } = withBudget(Date.now() + ms, () =>
      handle(router, logger, context, turn, options.wait),
    );
    const outcome = await raceDeadline(done, ms);
    if (outcome.kind === 'done') {
      if (outcome.value) await invokeResponse(context, outcome.value);
      // Only a turn answered in full (not a refused invoke) keeps its reference, after the reply.
      const { references } = options;
      const source = turn ?? eventSource(activity, options.anonymous);
      if (references && source && (outcome.value?.statusCode ?? 200) === 200) {
        const changes = referenceChanges(activity, source);
        if (changes.length > 0) after.push(() => applyReferenceChanges(references, changes, logger));
      }
      return;
    }
    gate.open = false;
    const retryHint = invoke ? router.retryHint(activity.value) : null;
    let text: string;
    if (outcome.kind === 'late') {
      void done.catch((err: unknown) =>
        logger.warn({ err, activityId: activity.id }, 'turn failed after its deadline'),
      );
      logger.warn({ activityId: activity.id, wrote: budget.wrote, ms }, 'turn answered at its deadline');
      text = slowMessage(budget.wrote, retryHint);
    } else if (isStorageUnavailable(outcome.err)) {
      logger.warn({ err: outcome.err, activityId: activity.id }, 'storage did not answer');
      text = slowMessage(
        outcome.err instanceof StorageTimeoutError ? outcome.err.written : budget.wrote,
        retryHint,
      );
    } else {
      logger.error(
        { err: outcome.err, activityId: activity.id },
        search ? 'search failed' : invoke ? 'card action failed' : 'turn failed',
      );
      if (invoke) {
        await invokeResponse(
          context,
          errorBody(500, 'InternalError', 'Something went wrong on my side. Please try again.'),
        );
        return;
      }
      text = 'Something went wrong on my side. Please try again in a moment.';
    }
    if (invoke) {
      await invokeResponse(
        context,
        search ? errorBody(500, 'Unavailable', SEARCH_UNANSWERED) : messageBody(text),
      );
      return;
    }
    if (!turn) return;
    // The answer itself is bounded too: a connector that does not take it cannot hold the request.
    await withBudget(Date.now() + MESSAGE_ANSWER_MS, () =>
      sendWithRetry(() => context.sendActivity({ type: ActivityTypes.Message, text }), options.wait),
    ).done.catch((err: unknown) =>
      logger.warn({ err, activityId: activity.id }, 'could not tell the user about the failure'),
    );
  };

const handle = async (
  router: Router,
  logger: Logger,
  context: TurnContext,
  turn: Turn | null,
  wait: (ms: number) => Promise<void>,
): Promise<Answer> => {
  const { activity } = context;
  if (activity.type === ActivityTypes.Invoke) {
    if (activity.name !== 'adaptiveCard/action' && activity.name !== SEARCH_INVOKE) {
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 501 } });
      return null;
    }
    if (!turn) {
      return errorBody(400, 'BadRequest', 'The request does not say who you are or which tenant you are in.');
    }
    return activity.name === SEARCH_INVOKE
      ? router.handleSearch(turn, activity.value)
      : router.handleAction(turn, activity.value);
  }
  if (!turn) {
    logger.warn(
      { activityId: activity.id, type: activity.type },
      'activity without identity or tenant: nothing done',
    );
    // A message gets a clear answer; installs and other events need none.
    if (activity.type === ActivityTypes.Message) {
      await sendWithRetry(
        () => context.sendActivity({ type: ActivityTypes.Message, text: NO_IDENTITY }),
        wait,
      );
    }
    return null;
  }
  if (activity.type === ActivityTypes.Message) {
    if (typeof activity.text !== 'string' || !activity.text.trim()) {
      // A legacy Action.Submit carries `value`; anything else without text is a file or image.
      const hint = activity.value
        ? 'This card button needs a newer Teams client.'
        : 'I only understand typed commands.';
      await turn.send({ text: `${hint} Type \`help\` to see them.` });
      return null;
    }
    if (activity.text.length > LIMITS.textChars) {
      await turn.send({
        text: `That message is too long for a command (${activity.text.length.toLocaleString('en-US')} characters; at most ${LIMITS.textChars.toLocaleString('en-US')}). Type \`help\` to see the commands.`,
      });
      return null;
    }
    await router.handleMessage(turn, activity.text);
    return null;
  }
  // Teams sends installationUpdate for every install (personal, group chat, team) and also a
  // conversationUpdate; greeting on the first alone says hello once.
  const botAdded = activity.type === ActivityTypes.InstallationUpdate && activity.action === 'add';
  if (botAdded) await turn.send({ text: WELCOME });
  return null;
};
