import type { DomainEvent } from '../domain/events';
import type { RefreshOutcome, RefreshRequest } from './audience-refresh';
import type { DirectoryFacts } from './directory-facts';
import type { AnnouncementRepository, Announcer, PendingAnnouncement } from './ports-announce';
import type { WorkQueue } from './ports-queue';
import type { ScheduledNotice, ScheduledTopic, ScheduleRepository } from './ports-schedule';
import type { FeedbackEntry, FeedbackTally, Rating } from '../domain/feedback';
import type { Coordination, Rollout, RolloutStatus } from '../domain/rollout';
import type { SignoffAnswer, SignoffRequest } from '../domain/signoff';
import type { AccessPolicy, Person } from '../domain/roles';
import type {
  AssignmentResult,
  AssignmentSink,
  AssignmentState,
  AudienceRepository,
  AudienceSnapshot,
  PendingAssignment,
} from './ports-graph';

export type * from './ports-graph';
export type * from './ports-queue';
export type * from './ports-references';
export type * from './ports-announce';
export type * from './ports-schedule';

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
  /** The activity was refused (not allowed): a redelivery gets the same refusal, audited once. */
  refused?: boolean;
  at: string;
}

/** A state change committed as one transaction in the rollout's partition. */
export interface RolloutCommit {
  rollout: Rollout;
  /** The ETag the change was decided on; null creates the rollout (fails if it exists). */
  ifMatch: string | null;
  audit: AuditEntry[];
  processed: ProcessedMarker | null;
  /** An Intune assignment the change leaves to do after the reply (an outbox row, in the same transaction). */
  assignment?: PendingAssignment | null;
  /** An announcement the change leaves to make and start after the reply (an outbox row, in the same transaction). */
  announcement?: PendingAnnouncement | null;
}

/** Where a rollout is, and whether it is active or paused. */
export interface RolloutKey {
  tenantId: string;
  rolloutId: string;
  status: RolloutStatus;
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
  /**
   * Active and paused rollouts across tenants, at most `limit`: the scheduler's round (a
   * cross-partition scan that reads the keys and the status only).
   */
  scheduledRollouts(limit: number): Promise<RolloutKey[]>;
  commit(tenantId: string, change: RolloutCommit): Promise<Stored<Rollout>>;
  findProcessed(tenantId: string, key: string): Promise<ProcessedMarker | null>;
  /** Newest first. */
  audit(tenantId: string, rolloutId: string | null, limit: number): Promise<AuditEntry[]>;
  /**
   * One page of the rollout's audit, newest first, optionally of one kind and/or one person; `next`
   * continues (older), null at the end. `limit` is 1..100 (else RangeError); a cursor must be one
   * this rollout's audit gave, else an error named 'InvalidCursorError' (nothing read).
   */
  auditPage(
    tenantId: string,
    rolloutId: string,
    page: {
      limit: number;
      cursor?: string | null;
      kind?: string | null;
      /** The person's id, or (personName) their display name as recorded, exactly. */
      personId?: string | null;
      personName?: string | null;
    },
  ): Promise<{ entries: AuditEntry[]; next: string | null }>;
  /**
   * Audit entries that change no state (refusals); not guarded by an ETag. With `processed`, its
   * marker is written in the same transaction (ConcurrencyError when it already exists).
   */
  appendAudit(tenantId: string, entries: AuditEntry[], processed?: ProcessedMarker): Promise<void>;
  /**
   * Assignments not yet run (what a crash left), at most `limit`: across tenants (start-up and the
   * sweep: a bounded cross-partition query), or of one rollout (one partition query).
   */
  pendingAssignments(
    limit: number,
    of?: { tenantId: string; rolloutId: string },
  ): Promise<PendingAssignment[]>;
  assignmentState(tenantId: string, rolloutId: string): Promise<AssignmentState | null>;
  /**
   * Replaces the rollout's Intune state; in the same transaction `clear` leaves the outbox (one
   * already gone is fine) and `queue` enters it (ConcurrencyError when it is there already).
   */
  saveAssignmentState(
    state: AssignmentState,
    outbox?: { clear?: PendingAssignment; queue?: PendingAssignment },
  ): Promise<void>;
  /**
   * Announcements not yet made and started (what a crash left), at most `limit`: across tenants
   * (start-up and the sweep: a bounded cross-partition query), or of one rollout.
   */
  pendingAnnouncements(
    limit: number,
    of?: { tenantId: string; rolloutId: string },
  ): Promise<PendingAnnouncement[]>;
  /** Deletes an announcement's outbox row (one already gone is fine). */
  clearAnnouncement(pending: PendingAnnouncement): Promise<void>;
  /**
   * Housekeeping: deletes processed-activity markers written before `before` (callers pass now
   * minus the retention, 7 days by default: longer than any Teams redelivery), at most `limit` per
   * call, across tenants. Markers younger than `before` stay, so "Already done" holds within the
   * retention; a redelivery after its marker was purged is decided afresh, as a new activity.
   * Call again with the cursor returned until it is null (the pass is complete); a null cursor
   * starts a new pass. Each call is bounded (a range read of marker index rows, a few scans of
   * markers written before the index existed).
   */
  purgeMarkers(before: Date, limit: number, cursor?: string | null): Promise<PurgeProgress>;
}

/** What one bounded purge call did, and where the next one goes on (null: the pass is complete). */
export interface PurgeProgress {
  deleted: number;
  cursor: string | null;
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
export interface FeedbackNotice {
  id: string;
  tenantId: string;
  kind: 'feedback-issue';
  rolloutId: string;
  stageId: string;
  /** `feedbackPersonKey` of the person whose answer it is (never their id). */
  personKey: string;
  createdAt: string;
}

/** A help-desk member answered Not ready: the coordination conversation hears at once. */
export interface SignoffNotice {
  id: string;
  tenantId: string;
  kind: 'signoff-not-ready';
  rolloutId: string;
  requestId: string;
  personId: string;
  createdAt: string;
}

export type Notice = FeedbackNotice | SignoffNotice | ScheduledNotice;

/** Where notices of one kind wait until sent (each store keeps its own, beside the change). */
export interface Outbox<N extends Notice> {
  /** Notices not yet sent (after a crash), at most `limit`. */
  pendingNotices(limit: number): Promise<N[]>;
  /** Deletes a sent notice (no error when it is already gone). */
  clearNotice(notice: N): Promise<void>;
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
  notice: FeedbackNotice | null;
}

/**
 * Feedback answers, one row per person per phase or wave, with their stage's counts kept in
 * shards beside the rows. `save` is one transaction and throws `ConcurrencyError` when the row's
 * ETag no longer matches, the row already exists, or a count shard changed meanwhile: the caller
 * reloads and decides again. Reads of the counts never scan the answers.
 */
export interface FeedbackRepository extends Outbox<FeedbackNotice> {
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
  /**
   * The `feedbackPersonKey`s of the people who have answered `stageId` (a keys-only read of the
   * stage's answers: who not to nudge).
   */
  answeredKeys(tenantId: string, rolloutId: string, stageId: string): Promise<Set<string>>;
  /** Blocker and major answers of the rollout (from their index rows), at most `limit`, open first then newest first. */
  issues(tenantId: string, rolloutId: string, limit: number): Promise<FeedbackEntry[]>;
}

/** A readiness request with every standing answer. */
export interface SignoffState {
  request: Stored<SignoffRequest>;
  answers: SignoffAnswer[];
}

/** One member's answer: the answer row, its audit line and (Not ready) the notice, in one transaction. */
export interface SignoffAnswerCommit {
  request: SignoffRequest;
  answer: SignoffAnswer;
  /** The ETag of the member's answer row the change was decided on; null creates it. */
  ifMatch: string | null;
  audit: AuditEntry;
  notice: SignoffNotice | null;
}

/** Where an open request is, for sweeps across tenants (`pendingSignoffs`). */
export interface SignoffRef {
  tenantId: string;
  rolloutId: string;
  requestId: string;
}

/**
 * Readiness requests, each in its own partition with its answers, their audit and its outbox, so
 * answers never serialise on the rollout (nor on each other: one row per member). Writes throw
 * `ConcurrencyError` on an ETag mismatch or an existing row.
 */
export interface SignoffRepository extends Outbox<SignoffNotice> {
  /** Creates the request and its entry in the index of open requests. */
  create(request: SignoffRequest): Promise<Stored<SignoffRequest>>;
  /** The request and every standing answer (one bounded partition read). */
  get(tenantId: string, rolloutId: string, requestId: string): Promise<SignoffState | null>;
  getAnswer(
    tenantId: string,
    rolloutId: string,
    requestId: string,
    personId: string,
  ): Promise<Stored<SignoffAnswer> | null>;
  answer(tenantId: string, commit: SignoffAnswerCommit): Promise<void>;
  /** Replaces the request (supersede, extend, posted message), ETag-guarded, with an audit line; a request no longer open leaves the index. */
  update(request: SignoffRequest, ifMatch: string, audit: AuditEntry | null): Promise<Stored<SignoffRequest>>;
  /** The request's audit, newest first. */
  audit(tenantId: string, rolloutId: string, requestId: string, limit: number): Promise<AuditEntry[]>;
  /** Open requests across tenants (from the index), at most `limit`. */
  openRequests(limit: number): Promise<SignoffRef[]>;
}

/** Seals references that cards carry but must not reveal (e.g. which answer an issue card is about). */
export interface RefSealer {
  /** Seals `text` for use in `context` only (e.g. `<tenant>|<rollout>`). */
  seal(text: string, context: string): string;
  /** The text sealed, or null when not sealed with this key and context, or altered. */
  open(sealed: string, context: string): string | null;
}

/** Where a sealed issue reference may be opened: its tenant and rollout. */
export const refContext = (tenantId: string, rolloutId: string): string => `${tenantId}|${rolloutId}`;

/** Single-use tokens (export links): the first `use` of an id wins, every later one is refused. */
export interface TokenLedger {
  /** True the first time; false when the id was used before. */
  use(id: string, expiresAt: string): Promise<boolean>;
  /**
   * Housekeeping: forgets used tokens whose expiry is before `now` (they can no longer be presented:
   * the link's own expiry refuses them first), at most `limit` per call. Call again with the cursor
   * returned until it is null (every partition visited once); a null cursor starts a new pass.
   */
  purgeExpired(now: Date, limit: number, cursor?: string | null): Promise<PurgeProgress>;
}

/** What a notice says, read from the current state when it is sent. */
export type NoticeContent =
  | { kind: 'feedback-issue'; rollout: Rollout; entry: FeedbackEntry; ref: string; stageLabel: string }
  | { kind: 'signoff-not-ready'; rollout: Rollout; request: SignoffRequest; answer: SignoffAnswer }
  | { kind: 'intune-assignment'; rollout: Rollout; result: AssignmentResult; stageLabel: string }
  | { kind: 'scheduled'; rollout: Rollout; topic: ScheduledTopic; data: unknown }
  | {
      kind: 'audience-refreshed';
      rollout: Rollout;
      stageId: string;
      stageLabel: string;
      outcome: RefreshOutcome;
    };

/** What a readiness card shows, for everyone (the live tally) or for one member (`viewer`). */
export interface SignoffView {
  rollout: Rollout;
  request: SignoffRequest;
  answers: SignoffAnswer[];
  /** What the help desk should know from feedback so far. */
  feedback: {
    openBlockers: number;
    openMajors: number;
    topCategories: { category: string; count: number }[];
  };
  /** The resolved audience of each wave the card describes (by stage id), where there is one. */
  audiences?: ReadonlyMap<string, AudienceSnapshot>;
  now: string;
}

/** Proactive messages to a rollout's coordination conversation (the Bot Connector). */
export interface Messenger {
  /** Throws `DeliveryError` when the message could not be delivered. */
  notify(tenantId: string, to: Coordination, content: NoticeContent): Promise<void>;
  /** Posts a readiness request card; returns the new message's id. Throws `DeliveryError`. */
  postSignoff(tenantId: string, to: Coordination, view: SignoffView): Promise<string>;
  /** Replaces a posted readiness card for everyone (the tally, or "superseded"). Throws `DeliveryError`. */
  updateSignoff(tenantId: string, to: Coordination, messageId: string, view: SignoffView): Promise<void>;
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

/** What a link exports: a rollout's feedback, or the deliveries of one of its announcements. */
export type ExportSubject = { kind: 'feedback' } | { kind: 'deliveries'; announcementId: string };

/** Signed, expiring, single-use download links (the feedback export, an announcement's deliveries). */
export interface ExportLinks {
  /** A link to the rollout's feedback, or to what `subject` names. */
  issue(tenantId: string, rolloutId: string, subject?: ExportSubject): { url: string; expiresAt: string };
}

export interface Settings {
  /** IANA time zone for rollouts whose creating activity carries none. */
  defaultTimeZone: string;
  /** INTUNE_ASSIGN: entering a stage assigns the rollout's Intune app to its groups; absent: off. */
  intuneAssign?: boolean;
  /** SIGNOFF_ESCALATE_HOURS: hours before a sign-off deadline the coordination conversation is told; absent: 24 and 2. */
  escalateHours?: readonly number[];
  /** TABS: the dashboard's address at a rollout (a Teams deep link, or the page locally); absent: no dashboard link. */
  dashboardUrl?: (rolloutId: string) => string;
}

/** What a change to a rollout needs (the command line has no more). */
export type RolloutDeps = Pick<Deps, 'rollouts' | 'clock' | 'access' | 'settings'>;

export interface Deps {
  rollouts: RolloutRepository;
  feedback: FeedbackRepository;
  signoffs: SignoffRepository;
  messenger: Messenger;
  /** Brings a posted readiness card's live tally up to date (after the person was answered). */
  tallies: { schedule(ref: SignoffRef): void };
  /** For work done after the person was answered, whose failures no one else would see. */
  log: Log;
  /** Help-desk members when the plan names none for a transition (ROLLOUT_HELPDESK). */
  helpdesk: readonly string[];
  /** Entra groups whose transitive members also answer when the plan names none (HELPDESK_GROUP_IDS). */
  helpdeskGroups: readonly string[];
  notices: NoticeSink;
  exportLinks: ExportLinks;
  sealer: RefSealer;
  clock: Clock;
  /** The configured roles; a turn's own (group roles resolved) replaces it for that turn. */
  access: AccessPolicy;
  settings: Settings;
  /** What Graph says about people (group roles, audience membership); no directory without Graph. */
  facts: DirectoryFacts;
  audiences: AudienceRepository;
  /** Resolves audiences after the person was answered (`audience refresh`, entering a stage). */
  audienceRefresh: {
    schedule(request: RefreshRequest): void;
    /** Deletes a closed rollout's snapshots (bounded runs, after the reply). */
    purge(tenantId: string, rolloutId: string): void;
  };
  /** Runs committed Intune assignments (INTUNE_ASSIGN; needs Graph). */
  assignments?: AssignmentSink;
  /** What the scheduler did per rollout, its outbox, stage snapshots and who asked not to be reminded. */
  schedules: ScheduleRepository;
  /** Phase announcements (the server always has them; tests that do not announce leave them out). */
  announce?: AnnouncementDeps;
}

/** What announcing needs: the store, the fan-out's queue, and the Teams side. */
export interface AnnouncementDeps {
  store: AnnouncementRepository;
  /** The fan-out's work (`FanoutMessage` as JSON). */
  queue: WorkQueue;
  announcer: Announcer;
  /** Wakes this instance's fan-out worker at once (it otherwise polls the queue). */
  kick(): void;
  /** The announcement's counts changed outside the fan-out (Got it, cancel): its posts are updated (throttled). */
  progress?(tenantId: string, announcementId: string): void;
  /** Since when this instance's fan-out has been held up by the queue or the store (null: it runs). */
  pausedSince?(): string | null;
  /**
   * Makes and starts the announcements advances committed (`announce: auto`), after the reply;
   * absent, they wait in the outbox for the sweep.
   */
  outbox?: AnnouncementSink;
}

/** Hands a committed announcement to whatever makes and starts it (after the person has been answered). */
export interface AnnouncementSink {
  enqueue(pending: PendingAnnouncement): void;
}
