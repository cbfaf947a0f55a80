/**
 * The ports of phase announcements: the store of announcements and their delivery rows, the
 * fan-out's queue messages, and the Teams side that sends the cards. `ports.ts` re-exports it.
 */
import type {
  Announcement,
  AnnouncementCounts,
  AnnouncementText,
  Delivery,
  SendOutcome,
} from '../domain/announcement';
import type { Coordination } from '../domain/rollout';
import type { Person } from '../domain/roles';

/** Stored with its ETag (as `Stored` in ports.ts; repeated so this file stands alone). */
interface Tagged<T> {
  value: T;
  etag: string;
}

/** A person to announce to. */
export interface Recipient {
  /** Entra object id, lower-case. */
  personId: string;
  name: string;
  /**
   * A "Got it" reminder: the person's delivery partition in the announcement it reminds of (the
   * card's "Got it" counts there). Absent otherwise.
   */
  ref?: number;
}

/** One delivery partition as read: its deliveries and its counts row, each with its ETag. */
export interface StoredPart {
  deliveries: Tagged<Delivery>[];
  /** Null only when the partition was never written. */
  counts: Tagged<AnnouncementCounts> | null;
}

/**
 * Announcements (one row each, in the rollout's own partition range) and their delivery rows
 * (`PART_SIZE` recipients per partition, with a counts row that every change to the partition
 * rewrites in the same transaction). Every call has a deadline (`StorageTimeoutError`); writes
 * guarded by an ETag throw `ConcurrencyError` when it no longer matches.
 */
export interface AnnouncementRepository {
  /** Creates it; `ConcurrencyError('already-exists')` when one has this id (a second Send). */
  create(announcement: Announcement): Promise<Tagged<Announcement>>;
  get(tenantId: string, announcementId: string): Promise<Tagged<Announcement> | null>;
  /** Replaces it when `etag` still matches. */
  update(announcement: Announcement, etag: string): Promise<Tagged<Announcement>>;
  /** The rollout's phase announcements (reminders are not listed), newest first, at most `limit`. */
  ofRollout(tenantId: string, rolloutId: string, limit: number): Promise<Announcement[]>;
  /** Scheduled, expanding and sending announcements of every tenant (start-up), at most `limit`. */
  unfinished(limit: number): Promise<Announcement[]>;
  /**
   * Writes partition `part`: one pending delivery per recipient (at most PART_SIZE) and its counts
   * row, in one transaction. False, changing nothing, when the partition exists already.
   */
  writePart(
    tenantId: string,
    announcementId: string,
    part: number,
    recipients: readonly Recipient[],
  ): Promise<boolean>;
  readPart(tenantId: string, announcementId: string, part: number): Promise<StoredPart>;
  /**
   * Replaces the changed deliveries and the counts row in one transaction, each guarded by the
   * ETag it was read with; `ConcurrencyError` when any changed (the caller reads again).
   */
  commitPart(
    tenantId: string,
    announcementId: string,
    part: number,
    changes: readonly Tagged<Delivery>[],
    counts: Tagged<AnnouncementCounts>,
  ): Promise<void>;
  /** The announcement's counts (its partitions' counts rows summed), and the partitions with pending deliveries. */
  counts(
    tenantId: string,
    announcementId: string,
  ): Promise<{ counts: AnnouncementCounts; pendingParts: number[] }>;
  /** Deliveries not sent (every status but `sent`), at most `limit`, with how many there are. */
  notReached(
    tenantId: string,
    announcementId: string,
    limit: number,
  ): Promise<{ deliveries: Delivery[]; total: number }>;
  /**
   * Records that sender `instanceId` is alive until `now + ttlMs`, and whether it has work in hand
   * (`busy`, default true), and returns how many busy senders are alive, itself always counted:
   * the tenant-wide rate is shared among them (an idle one takes no share from the others).
   */
  heartbeat(instanceId: string, now: Date, ttlMs: number, busy?: boolean): Promise<number>;
  /**
   * Deletes announcements created before `before` with their delivery rows (retention), reading
   * and deleting at most `limit` rows per call; `complete` when nothing older is left. `deleted`
   * counts rows (deliveries, counts and index rows included), not announcements.
   */
  purgeOlderThan(before: Date, limit: number): Promise<{ deleted: number; complete: boolean }>;
}

/**
 * An announcement an advance owes (the stage entered announces `auto`), written in the same
 * transaction as the advance (an outbox row in the rollout's partition) and deleted once the
 * announcement is created, posted and started: a crash never loses it, and its id, derived from
 * the advance, never makes two.
 */
export interface PendingAnnouncement {
  /** The announcement's id (`autoAnnouncementId`): the same advance always gives the same one. */
  id: string;
  tenantId: string;
  rolloutId: string;
  /** The stage entered. */
  stageId: string;
  /** What the plan said when the stage was entered (a later edit changes nothing). */
  text: AnnouncementText;
  /** Who advanced. */
  by: Person;
  /** When the stage was entered (ISO instant). */
  at: string;
}

/** The fan-out's queue messages (JSON text on the `announcements` queue). */
export type FanoutMessage =
  /** Start (or go on starting) an announcement: wait for its time, write its partitions, queue them. */
  | { v: 1; kind: 'start'; tenantId: string; announcementId: string }
  /** Send the due deliveries of one partition. */
  | { v: 1; kind: 'part'; tenantId: string; announcementId: string; part: number };

/** What a personal announcement card needs besides the announcement. */
export interface PersonalCard {
  announcement: Announcement;
  /** The delivery partition the person is in (the card's "Got it" names it). */
  part: number;
  recipient: Recipient;
  /** A test send ("Send a test to me"): the card says so and its "Got it" counts nothing. */
  test?: boolean;
}

/** A channel or group-chat post of an announcement with its live counts. */
export interface AnnouncementPostView {
  announcement: Announcement;
  counts: AnnouncementCounts;
}

/** The preview an admin confirms (Send / Send a test to me / Skip). */
export interface AnnouncementPreview {
  /** The id Send creates the announcement with. */
  announcementId: string;
  tenantId: string;
  rolloutId: string;
  text: AnnouncementText;
  audience: Announcement['audience'];
  recipients: number;
  scheduledAt: string | null;
  by: Person;
}

/**
 * The Teams side of announcements. `sendPersonal` never throws: it answers with the outcome
 * (its own deadline bounds it; a time-out after the request left is `transient`, `unknown`). It
 * uses the person's stored personal chat, or creates one (`createConversation` on the rollout's
 * service URL, with the tenant id), installing the app first where PROACTIVE_INSTALL allows.
 */
export interface Announcer {
  sendPersonal(serviceUrl: string, card: PersonalCard): Promise<SendOutcome>;
  /** Posts the announcement with its counts; returns the message id. Throws `DeliveryError`. */
  post(tenantId: string, to: Coordination, view: AnnouncementPostView): Promise<string>;
  /** Updates a post in place. Throws `DeliveryError`. */
  update(tenantId: string, to: Coordination, messageId: string, view: AnnouncementPostView): Promise<void>;
  /** Posts the preview card; returns the message id. Throws `DeliveryError`. */
  preview(tenantId: string, to: Coordination, preview: AnnouncementPreview): Promise<string>;
}
