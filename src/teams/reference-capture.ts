import { ActivityTypes, type Activity } from 'botbuilder';
import type { Logger } from 'pino';
import type { ChannelReference, PersonalReference, ReferenceRepository, Seen } from '../app/ports';
import type { Turn } from './turn';

/** Who and where an activity is from: a turn, or an event that names no person (see below). */
export interface ReferenceSource {
  tenantId: string;
  conversation: Turn['conversation'];
  /** Null for an event without the person's Entra id (Teams' conversationUpdate in a team). */
  from: Turn['from'] | null;
}

/** What an activity tells the reference store: remember a conversation, or forget it. */
export type ReferenceChange =
  | { kind: 'personal'; seen: Seen<PersonalReference> }
  | { kind: 'channel'; seen: Seen<ChannelReference> }
  | { kind: 'forget-personal'; tenantId: string; personId: string; conversationId: string }
  | { kind: 'forget-channel'; tenantId: string; conversationId: string };

/** Invokes the bot answers (card actions and typeahead searches): the person is there. */
const ANSWERED_INVOKES = ['adaptiveCard/action', 'application/search'];

const botIn = (members: unknown, botId: string): boolean =>
  Array.isArray(members) && members.some((m) => (m as { id?: unknown } | null)?.id === botId);

/**
 * The references an activity adds or removes, from its authenticated identity (never card data):
 * a message or an answered invoke, the bot installed (`installationUpdate` add) or added
 * (`conversationUpdate` with the bot in `membersAdded`) remember the conversation, in personal
 * scope as the person's (none without a person); the bot uninstalled or removed forget it. Other
 * activities change nothing.
 */
export const referenceChanges = (activity: Activity, source: ReferenceSource): ReferenceChange[] => {
  const botId = activity.recipient?.id ?? '';
  const personal = source.conversation.type === 'personal';
  const { tenantId, from } = source;
  const conversationId = source.conversation.id;
  if (personal && !from) return [];
  const removed =
    (activity.type === ActivityTypes.InstallationUpdate && activity.action === 'remove') ||
    (activity.type === ActivityTypes.ConversationUpdate && botIn(activity.membersRemoved, botId));
  if (removed) {
    return [
      personal
        ? { kind: 'forget-personal', tenantId, personId: from?.id ?? '', conversationId }
        : { kind: 'forget-channel', tenantId, conversationId },
    ];
  }
  const seen =
    activity.type === ActivityTypes.Message ||
    (activity.type === ActivityTypes.Invoke && ANSWERED_INVOKES.includes(activity.name ?? '')) ||
    (activity.type === ActivityTypes.InstallationUpdate && activity.action === 'add') ||
    (activity.type === ActivityTypes.ConversationUpdate && botIn(activity.membersAdded, botId));
  if (!seen || !botId) return [];
  const common = {
    tenantId,
    conversationId,
    conversationType: source.conversation.type,
    serviceUrl: source.conversation.serviceUrl,
    botId,
  };
  if (personal && from)
    return [{ kind: 'personal', seen: { ...common, personId: from.id, name: from.name } }];
  const team = (activity.channelData as { team?: { id?: unknown } } | undefined)?.team?.id;
  return [
    {
      kind: 'channel',
      seen: {
        ...common,
        name: activity.conversation.name ?? '',
        teamId: typeof team === 'string' ? team : null,
      },
    },
  ];
};

/** Applies the changes one after the other; a failure is logged (a warning) and ends nothing else. */
export const applyReferenceChanges = async (
  references: ReferenceRepository,
  changes: readonly ReferenceChange[],
  log: Pick<Logger, 'warn'>,
): Promise<void> => {
  for (const change of changes) {
    try {
      if (change.kind === 'personal') await references.rememberPersonal(change.seen);
      else if (change.kind === 'channel') await references.rememberChannel(change.seen);
      else if (change.kind === 'forget-personal')
        await references.forgetPersonal(change.tenantId, change.personId, change.conversationId);
      else await references.forgetChannel(change.tenantId, change.conversationId);
    } catch (err) {
      const tenantId = 'seen' in change ? change.seen.tenantId : change.tenantId;
      log.warn({ err, kind: change.kind, tenantId }, 'could not store a conversation reference');
    }
  }
};
