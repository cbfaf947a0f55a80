import type { DomainEvent } from '../domain/events';
import type { FeedbackEntry, FeedbackTally, Rating } from '../domain/feedback';
import type { Coordination, Rollout, RolloutStatus } from '../domain/rollout';
import type { AccessPolicy, Person } from '../domain/roles';

export interface Clock {
  now(): Date;
}

/** A rollout as stored, with the ETag that guards the next write. */
export interface Stored<T> {
  value: T;
  etag: string;
}

/** One line of a rollout's (or the tenant's) audit log. */
export interface AuditEntry {
  rolloutId: string | null;
  type: DomainEvent['type'];
  by: Person;
  at: string;
  /** Human-readable summary, e.g. "Pilot → Enterprise rollout (forced: vendor sign-off)". */
  summary: string;
  from: string | null;
  to: string | null;
  reason: string | null;
  /** For plan changes: the plan before and after, as JSON (truncated when very large). */
  before: string | null;
  after: string | null;
}

/** Marks an activity as handled, written atomically with its effect. */
export interface ProcessedMarker {
  /** conversation id + activity id of the activity that caused the change. */
  key: string;
  /** The rollout the activity changed (or created). */
  rolloutId: string | null;
  /** What the person was told, so a redelivery can be answered the same way. */
  outcome: string;
  at: string;
}

/** A state change committed as one transaction in the rollout's partition. */
export interface RolloutCommit {
  rollout: Rollout;
  /** The ETag the change was decided on; null creates the rollout (fails if it exists). */
  ifMatch: string | null;
  audit: AuditEntry[];
  processed: ProcessedMarker | null;
}

export interface RolloutSummary {
  id: string;
  name: string;
  status: RolloutStatus;
  phase: string;
  conversationId: string;
  createdAt: string;
}

/**
 * Rollouts, their audit and processed-activity markers. `commit` is atomic and throws
 * `ConcurrencyError` when the ETag no longer matches, the rollout already exists, or the
 * marker was already written: the caller reloads and decides again.
 */
export interface RolloutRepository {
  get(tenantId: string, rolloutId: string): Promise<Stored<Rollout> | null>;
  list(tenantId: string, filter?: { conversationId?: string }): Promise<RolloutSummary[]>;
  commit(tenantId: string, change: RolloutCommit): Promise<Stored<Rollout>>;
  findProcessed(tenantId: string, key: string): Promise<ProcessedMarker | null>;
  /** Newest first. */
  audit(tenantId: string, rolloutId: string | null, limit: number): Promise<AuditEntry[]>;
  /** Audit entries that change no state (refusals); not guarded by an ETag. */
  appendAudit(tenantId: string, entries: AuditEntry[]): Promise<void>;
}

/** A storage probe for health checks: resolves when a real round trip succeeded. */
export interface HealthProbe {
  check(): Promise<void>;
}

/** A comment as the summary shows it: no name (and no id) when the person chose anonymity. */
export interface RecentComment {
  stageId: string;
  /** Null when the person did not share their name. */
  name: string | null;
  rating: Rating;
  comment: string;
  at: string;
}

/**
 * A message to send to a rollout's coordination conversation, written in the same transaction as
 * the change that caused it (an outbox), and deleted once sent: a crash or a failed send never
 * loses it. The card is rendered from the current state when it is sent.
 */
export interface Notice {
  id: string;
  tenantId: string;
  kind: 'feedback-issue';
  rolloutId: string;
  stageId: string;
  /** `feedbackPersonKey` of the person whose answer it is (never their id). */
  personKey: string;
  createdAt: string;
}

/** One write of a person's answer: the row and its stage's counts move together, ETag-guarded. */
export interface FeedbackCommit {
  entry: FeedbackEntry;
  /** The ETag of the row the change was decided on; null creates it (fails if it exists). */
  ifMatch: string | null;
  /** What the change adds to the stage's counts. */
  delta: FeedbackTally;
  /** The attempt number, to spread retries of hot writers over several count shards. */
  attempt: number;
  notice: Notice | null;
}

/**
 * Feedback answers, one row per person per phase or wave, with their stage's counts kept in
 * shards beside the rows. `save` is one transaction and throws `ConcurrencyError` when the row's
 * ETag no longer matches, the row already exists, or a count shard changed meanwhile: the caller
 * reloads and decides again. Reads of the counts never scan the answers.
 */
export interface FeedbackRepository {
  /** `personKey` is `feedbackPersonKey(rolloutId, personId)`: cards name a row without naming the person. */
  get(
    tenantId: string,
    rolloutId: string,
    stageId: string,
    personKey: string,
  ): Promise<Stored<FeedbackEntry> | null>;
  save(tenantId: string, change: FeedbackCommit): Promise<Stored<FeedbackEntry>>;
  /** The counts of every phase and wave of the rollout that has feedback, by stage id. */
  tallies(tenantId: string, rolloutId: string): Promise<Map<string, FeedbackTally>>;
  /** The latest comments, newest first (kept beside the counts: no scan of the answers). */
  recentComments(tenantId: string, rolloutId: string, limit: number): Promise<RecentComment[]>;
  /** Every answer of the rollout (for the export), at most `limit`. */
  entries(tenantId: string, rolloutId: string, limit: number): Promise<FeedbackEntry[]>;
  /** Notices not yet sent (after a crash), at most `limit`. */
  pendingNotices(limit: number): Promise<Notice[]>;
  /** Deletes a sent notice (no error when it is already gone). */
  clearNotice(notice: Notice): Promise<void>;
}

/** Single-use tokens (export links): the first `use` of an id wins, every later one is refused. */
export interface TokenLedger {
  /** True the first time; false when the id was used before. */
  use(id: string, expiresAt: string): Promise<boolean>;
}

/** What a notice says, read from the current state when it is sent. */
export interface NoticeContent {
  kind: 'feedback-issue';
  rollout: Rollout;
  entry: FeedbackEntry;
  personKey: string;
  stageLabel: string;
}

/** Proactive messages to a rollout's coordination conversation (the Bot Connector). */
export interface Messenger {
  /** Throws `DeliveryError` when the message could not be delivered. */
  notify(tenantId: string, to: Coordination, content: NoticeContent): Promise<void>;
}

/** Hands a committed notice to whatever sends it (after the person has been answered). */
export interface NoticeSink {
  enqueue(notice: Notice): void;
}

/** A structured log, as pino's: the app layer logs through this and nothing else. */
export interface Log {
  info(details: object, message: string): void;
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

/** Signed, expiring, single-use download links (the feedback export). */
export interface ExportLinks {
  issue(tenantId: string, rolloutId: string): { url: string; expiresAt: string };
}

export interface Settings {
  /** IANA time zone for rollouts whose creating activity carries none. */
  defaultTimeZone: string;
}

/** What a change to a rollout needs (the command line has no more). */
export type RolloutDeps = Pick<Deps, 'rollouts' | 'clock' | 'access' | 'settings'>;

export interface Deps {
  rollouts: RolloutRepository;
  feedback: FeedbackRepository;
  notices: NoticeSink;
  exportLinks: ExportLinks;
  clock: Clock;
  access: AccessPolicy;
  settings: Settings;
}
