/**
 * The port of stored conversation references: how the bot reaches a person (their personal chat
 * with the bot) or a channel / group chat it is installed in, without waiting for them to write
 * first. `ports.ts` re-exports it.
 */

/** What every stored reference holds: enough to send into the conversation later. */
export interface StoredConversation {
  tenantId: string;
  conversationId: string;
  /** `personal`, `channel` or `groupChat`. */
  conversationType: string;
  serviceUrl: string;
  /** The bot's account in the conversation (`recipient.id`, `28:<app id>`). */
  botId: string;
  /** When the reference was first stored, and when it was last seen (an activity or a send). */
  storedAt: string;
  lastSeen: string;
}

/** A person's personal chat with the bot. */
export interface PersonalReference extends StoredConversation {
  /** The person's Entra object id, lower-case. */
  personId: string;
  name: string;
}

/** A channel or group chat the bot is installed in (for posts to it). */
export interface ChannelReference extends StoredConversation {
  /** The conversation's name when Teams gives one ('' otherwise). */
  name: string;
  /** The team of a channel (channelData.team.id), null in a group chat. */
  teamId: string | null;
}

/** A reference as the bot saw it in an activity: the store sets `storedAt` and `lastSeen`. */
export type Seen<T extends StoredConversation> = Omit<T, 'storedAt' | 'lastSeen'>;

/** One pass of the stale-reference purge: rows read, rows deleted, and whether the pass ended. */
export interface PurgeResult {
  scanned: number;
  deleted: number;
  /** True when the whole store was read (the next call starts a new pass). */
  complete: boolean;
}

/**
 * Conversation references per tenant. A reference not seen for STALE_REFERENCE_MS (180 days, in
 * src/storage/reference-repository.ts) is treated as missing by the reads and deleted by
 * `purgeStaleReferences`. `remember*` write only when the reference is new or changed, or was last
 * seen more than a day ago (redeliveries and chatty people cost a read, not a write); they return
 * whether they wrote.
 */
export interface ReferenceRepository {
  personal(tenantId: string, personId: string): Promise<PersonalReference | null>;
  channel(tenantId: string, conversationId: string): Promise<ChannelReference | null>;
  /**
   * `known`: what the caller read just now (null: nothing stored), so the store writes without
   * reading it again (a chat the fan-out just created).
   */
  rememberPersonal(seen: Seen<PersonalReference>, known?: PersonalReference | null): Promise<boolean>;
  rememberChannel(seen: Seen<ChannelReference>): Promise<boolean>;
  /** With `conversationId`, only when the stored reference is that conversation's. */
  forgetPersonal(tenantId: string, personId: string, conversationId?: string): Promise<void>;
  forgetChannel(tenantId: string, conversationId: string): Promise<void>;
  /**
   * The fresh personal references of one bucket (0 ≤ bucket < REFERENCE_BUCKETS), reading at most
   * `limit` rows after `after` (the `next` of the previous page); `next` is null at the end.
   */
  listPersonal(
    tenantId: string,
    bucket: number,
    options?: { after?: string; limit?: number },
  ): Promise<{ references: PersonalReference[]; next: string | null }>;
  /**
   * Reads at most `limit` rows (in at most `limit` queries), continuing where the last call
   * stopped, and deletes those not seen for STALE_REFERENCE_MS (for a scheduler: call until
   * `complete`, then now and then).
   */
  purgeStaleReferences(limit: number): Promise<PurgeResult>;
}
