import type { Activity, CloudAdapter, TurnContext } from 'botbuilder';
import type { Logger } from 'pino';
import type { PersonalReference, ReferenceRepository } from '../app/ports';
import { applyReferenceChanges } from './reference-capture';
import { sendWithRetry, withinTimeLeft } from './reply-policy';

/** Token audience of the Bot Connector in the public cloud. */
const CONNECTOR_AUDIENCE = 'https://api.botframework.com';

export interface PrivateChatOptions {
  /** The bot's Microsoft App Id ('' in anonymous mode). */
  appId: string;
  references?: ReferenceRepository | undefined;
  log: Pick<Logger, 'warn'>;
  wait: (ms: number) => Promise<void>;
  /** Runs a task after the reply (the reference store's writes). */
  defer: (task: () => Promise<unknown>) => void;
}

/** The person, as the turn established them (never from card data). */
export interface PrivatePerson {
  tenantId: string;
  personId: string;
  name: string;
}

/** The stored chat is gone for the bot (404 conversation not found, 403 removed or blocked). */
const isGone = (err: unknown): boolean => {
  const status = (err as { statusCode?: unknown } | null)?.statusCode;
  return status === 403 || status === 404;
};

/**
 * Runs `send` in a turn the adapter opens (a stored or a new conversation). Its failure is caught
 * inside that turn and thrown here: thrown inside, it would reach the adapter's onTurnError, which
 * tells the person "something went wrong" in that chat.
 */
const inOwnTurn = async (
  open: (logic: (context: TurnContext) => Promise<void>) => Promise<void>,
  send: (context: TurnContext) => Promise<unknown>,
): Promise<void> => {
  let failure: unknown = null;
  await open(async (context) => {
    try {
      await send(context);
    } catch (err) {
      failure = err;
    }
  });
  if (failure) throw failure;
};

/**
 * Sends `payload` to the person alone, in their personal chat with the bot: the stored reference
 * first; when there is none, or the stored chat is gone (then forgotten), a new 1:1 conversation
 * (`createConversation` with the tenant id), whose reference is stored after the reply. False when
 * Teams would not (e.g. the app is not installed for them). Not retried past the stored chat (a
 * second create could send twice), and bounded by the turn's time left.
 */
export const sendPrivately = async (
  context: TurnContext,
  person: PrivatePerson,
  payload: Partial<Activity>,
  options: PrivateChatOptions,
): Promise<boolean> => {
  const { activity } = context;
  const adapter = context.adapter as CloudAdapter;
  const { references } = options;
  const stored = references ? await storedChat(references, person, options.log) : null;
  if (references && stored) {
    try {
      await sendWithRetry(
        () =>
          inOwnTurn(
            (logic) => adapter.continueConversationAsync(options.appId, referenceOf(stored), logic),
            (personal) => personal.sendActivity(payload),
          ),
        options.wait,
      );
      return true;
    } catch (err) {
      if (!isGone(err)) return false;
      options.defer(() =>
        applyReferenceChanges(
          references,
          [{ kind: 'forget-personal', ...person, conversationId: stored.conversationId }],
          options.log,
        ),
      );
    }
  }
  let created: string | null = null;
  try {
    await withinTimeLeft(() =>
      inOwnTurn(
        (logic) =>
          adapter.createConversationAsync(
            options.appId,
            activity.channelId,
            activity.serviceUrl,
            CONNECTOR_AUDIENCE,
            {
              isGroup: false,
              bot: activity.recipient,
              members: [{ id: activity.from.id, name: activity.from.name ?? '' }],
              tenantId: person.tenantId,
              channelData: { tenant: { id: person.tenantId } },
            },
            logic,
          ),
        async (personal) => {
          created = personal.activity.conversation?.id ?? null;
          await personal.sendActivity(payload);
        },
      ),
    );
  } catch {
    return false;
  }
  const conversationId: string | null = created;
  const botId = activity.recipient?.id;
  if (references && conversationId && botId) {
    options.defer(() =>
      applyReferenceChanges(
        references,
        [
          {
            kind: 'personal',
            seen: {
              tenantId: person.tenantId,
              personId: person.personId,
              name: person.name,
              conversationId,
              conversationType: 'personal',
              serviceUrl: activity.serviceUrl,
              botId,
            },
          },
        ],
        options.log,
      ),
    );
  }
  return true;
};

const storedChat = async (
  references: ReferenceRepository,
  person: PrivatePerson,
  log: Pick<Logger, 'warn'>,
): Promise<PersonalReference | null> => {
  try {
    return await references.personal(person.tenantId, person.personId);
  } catch (err) {
    log.warn({ err, tenantId: person.tenantId }, 'could not read a conversation reference: creating a chat');
    return null;
  }
};

const referenceOf = (stored: PersonalReference) => ({
  channelId: 'msteams',
  serviceUrl: stored.serviceUrl,
  bot: { id: stored.botId, name: '' },
  conversation: {
    id: stored.conversationId,
    conversationType: 'personal',
    tenantId: stored.tenantId,
    isGroup: false,
    name: '',
  },
});
