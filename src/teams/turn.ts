import type { Person } from '../domain/roles';
import type { RenderedCard } from './render-card';

/** What a handler may send: a text message (Teams markdown) or an Adaptive Card. */
export type Reply = { text: string } | { card: RenderedCard; text?: string };

/**
 * One incoming activity as the handlers see it, independent of the bot SDK: identity and
 * tenant come only from the authenticated activity, never from card data.
 */
export interface Turn {
  tenantId: string;
  from: Person;
  conversation: {
    /** The conversation a rollout is coordinated in (a channel, not one of its threads). */
    id: string;
    type: string;
    serviceUrl: string;
  };
  activityId: string;
  /** Identifies the activity across redeliveries: conversation id + activity id. */
  activityKey: string;
  localTimezone: string | null;
  /** When the sender sent it (the activity's timestamp), if the channel says so. */
  sentAt: string | null;
  send(reply: Reply): Promise<void>;
  /**
   * Sends to the person alone: here in personal chat, else in their personal chat with the bot
   * (created when needed). False when Teams would not (e.g. the app is not installed for them).
   */
  sendPrivately(reply: Reply): Promise<boolean>;
  /** For a card action: the message whose card was clicked (to update it for everyone). */
  clickedMessageId: string | null;
  /** Replaces a message the bot sent in this conversation (for everyone). */
  update(messageId: string, reply: Reply): Promise<void>;
  /**
   * Runs `task` once the activity has been answered (the HTTP response sent). A task that returns
   * a promise is tracked: shutdown waits for it, and its failure is logged.
   */
  defer(task: () => void | Promise<unknown>): void;
}

/** Channel threads carry `;messageid=…`: the rollout belongs to the channel itself. */
export const coordinationId = (conversationId: string): string =>
  conversationId.replace(/;messageid=\d+$/, '');
