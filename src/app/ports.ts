import type { AssignmentIntent, AudienceCounts } from '../domain/audience';
import type { DomainEvent } from '../domain/events';
import type { RefreshOutcome, RefreshRequest } from './audience-refresh';
import type { DirectoryFacts } from './directory-facts';
import type { FeedbackEntry, FeedbackTally, Rating } from '../domain/feedback';
import type { Coordination, Rollout, RolloutStatus } from '../domain/rollout';
import type { SignoffAnswer, SignoffRequest } from '../domain/signoff';
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
}

/**
 * An Intune assignment of a stage just entered (INTUNE_ASSIGN), written in the same transaction
 * as the advance that entered it (an outbox row in the rollout's partition) and deleted once it
 * ran, with its outcome (`AssignmentState`) in the same transaction: a crash never loses it.
 */
export interface PendingAssignment {
  id: string;
  tenantId: string;
  rolloutId: string;
  stageId: string;
  /** The Intune mobile app's id (`rollout.app.intuneAppId` when the stage was entered). */
  appId: string;
  /** The Entra groups of the stage's audience (lower case). */
  groups: string[];
  intent: AssignmentIntent;
  /** What the assignment cannot do as planned (filters, listed members), known when it was decided. */
  warnings: string[];
  /** 1 for the advance, one more for each `intune retry`. */
  attempt: number;
  createdAt: string;
}

/** What one run of an assignment found and did. */
export interface AssignmentResult {
  jobId: string;
  stageId: string;
  appId: string;
  intent: AssignmentIntent;
  /** `pending`: queued again by `intune retry`, not run yet. */
  state: 'pending' | 'ok' | 'failed';
  /** Groups this run assigned. */
  assigned: string[];
  /** Groups that were assigned with the stage's intent already: left alone. */
  leftAlone: string[];
  /** Groups assigned with another intent, or excluded: left as they are, reported. */
  conflicts: { groupId: string; found: string }[];
  warnings: string[];
  /** Why it failed, naming the app, the group or the permission; null unless failed. */
  error: string | null;
  attempt: number;
  at: string;
}

/** A rollout's Intune state: the app's assignments as last read, and the latest run with its job. */
export interface AssignmentState {
  tenantId: string;
  rolloutId: string;
  appId: string;
  /** As last read (advance, retry, audience refresh), at most MAX_KEPT_ASSIGNMENTS; null: never read. */
  assignments: AppAssignment[] | null;
  /** How many the app had when read (more than are kept when very many). */
  assignmentCount: number;
  readAt: string | null;
  latest: AssignmentResult | null;
  /** The job of `latest`, for `intune retry`. */
  job: PendingAssignment | null;
}

/** Hands a committed assignment to whatever runs it (after the person has been answered). */
export interface AssignmentSink {
  enqueue(job: PendingAssignment): void;
  /**
   * Reads the rollout's app's assignments and stores them as last read (`audience refresh`);
   * null without an app id. Throws `DirectoryError` (`refusalMessage` says it).
   */
  refresh(tenantId: string, rolloutId: string): Promise<AssignmentState | null>;
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

export type Notice = FeedbackNotice | SignoffNotice;

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
}

/** What a notice says, read from the current state when it is sent. */
export type NoticeContent =
  | { kind: 'feedback-issue'; rollout: Rollout; entry: FeedbackEntry; ref: string; stageLabel: string }
  | { kind: 'signoff-not-ready'; rollout: Rollout; request: SignoffRequest; answer: SignoffAnswer }
  | { kind: 'intune-assignment'; rollout: Rollout; result: AssignmentResult; stageLabel: string }
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

/** A user as the directory (Entra ID) has them: only the properties the bot uses. */
export interface DirectoryUser {
  id: string;
  displayName: string;
  department: string | null;
  /** ISO 3166 alpha-2 (`usageLocation`). */
  country: string | null;
  officeLocation: string | null;
  /** `Member` or `Guest`. */
  userType: string;
  accountEnabled: boolean;
}

/** A managed (Intune) device: whose it is and its operating system as Intune reports it. */
export interface DirectoryDevice {
  userId: string;
  /** e.g. `Windows`, `macOS`, `iOS`, `Android`, `Linux`. */
  operatingSystem: string;
}

export interface DirectoryGroup {
  id: string;
  displayName: string;
}

/** One page of a group's transitive members: the users, and how many members were not users. */
export interface MemberPage {
  users: DirectoryUser[];
  nonUsers: number;
}

/** An Intune mobile app assignment as read back. */
export interface AppAssignment {
  id: string;
  /** `include` (groupAssignmentTarget), `exclude` (exclusionGroupAssignmentTarget), or `all` (all users or devices). */
  target: 'include' | 'exclude' | 'all';
  groupId: string | null;
  /** Graph's intent: `required`, `available`, `uninstall`, `availableWithoutEnrollment`. */
  intent: string;
}

/**
 * Microsoft Graph, as the bot reads it, per tenant. Every call has a deadline (the turn's time
 * left, or a default off a turn); calls throw `DirectoryError`.
 */
export interface Directory {
  /** Transitive members of a group, page by page (`@odata.nextLink`); a failed page throws. */
  groupMembers(tenantId: string, groupId: string): AsyncIterable<MemberPage>;
  /** The groups of `groupIds` the user is a transitive member of (`checkMemberGroups`, 20 ids a call). */
  memberGroups(tenantId: string, userId: string, groupIds: readonly string[]): Promise<Set<string>>;
  /** Managed devices of these users (`$batch` of per-user reads, 20 a call). */
  devicesOf(tenantId: string, userIds: readonly string[]): Promise<DirectoryDevice[]>;
  /** Every managed device of the tenant, page by page (the tenant-wide sweep). */
  allDevices(tenantId: string): AsyncIterable<DirectoryDevice[]>;
  user(tenantId: string, userId: string): Promise<DirectoryUser | null>;
  group(tenantId: string, groupId: string): Promise<DirectoryGroup | null>;
  /** Groups whose display name matches `text` (`$search`, ConsistencyLevel eventual), at most `limit`. */
  searchGroups(tenantId: string, text: string, limit: number): Promise<DirectoryGroup[]>;
  appAssignments(tenantId: string, appId: string): Promise<AppAssignment[]>;
  /** Adds one group assignment (never the `assign` action, which replaces them all). */
  assignApp(
    tenantId: string,
    appId: string,
    groupId: string,
    intent: AssignmentIntent,
  ): Promise<AppAssignment>;
  /** The application permissions (`roles` claim) of the bot's token in the tenant. */
  grantedPermissions(tenantId: string): Promise<string[]>;
}

/** One person of a resolved audience, as kept in its snapshot. */
export interface AudienceMember {
  id: string;
  name: string;
  department: string | null;
  country: string | null;
  platforms: string[];
}

/** A complete resolved audience of one stage: its counts and when it was resolved. */
export interface AudienceSnapshot {
  tenantId: string;
  rolloutId: string;
  stageId: string;
  id: string;
  /** `audienceFingerprint` of the definition it was resolved from. */
  fingerprint: string;
  resolvedAt: string;
  counts: AudienceCounts;
  /** A few names, for the audience card. */
  sample: string[];
  /** Warnings of the resolution (e.g. devices could not be read). */
  warnings: string[];
}

/** Writes one snapshot's members; nothing is visible until `commit`. */
export interface SnapshotWriter {
  readonly id: string;
  /** Adds members (a person added twice is kept once). */
  add(members: readonly AudienceMember[]): Promise<void>;
  /** Makes the snapshot the stage's current one (the one before stays as previous). */
  commit(
    info: Omit<AudienceSnapshot, 'tenantId' | 'rolloutId' | 'stageId' | 'id'>,
  ): Promise<AudienceSnapshot>;
  /** Gives the snapshot up (its rows are deleted in the background). */
  abandon(): Promise<void>;
}

/**
 * Resolved audiences per stage, the members spread over partitions by a hash of the person. The
 * current and the previous snapshot of a stage are kept; `prune` deletes the rest.
 */
export interface AudienceRepository {
  current(tenantId: string, rolloutId: string, stageId: string): Promise<AudienceSnapshot | null>;
  /** Whether the person is in the snapshot (one point read). */
  isMember(snapshot: AudienceSnapshot, personId: string): Promise<boolean>;
  begin(tenantId: string, rolloutId: string, stageId: string): SnapshotWriter;
  /** Every member of a snapshot, page by page. */
  members(snapshot: AudienceSnapshot): AsyncIterable<AudienceMember[]>;
  /** Deletes at most `limit` rows of snapshots no longer kept (or of a closed rollout); returns how many. */
  prune(tenantId: string, rolloutId: string, limit: number, all?: boolean): Promise<number>;
}

/** Signed, expiring, single-use download links (the feedback export). */
export interface ExportLinks {
  issue(tenantId: string, rolloutId: string): { url: string; expiresAt: string };
}

export interface Settings {
  /** IANA time zone for rollouts whose creating activity carries none. */
  defaultTimeZone: string;
  /** INTUNE_ASSIGN: entering a stage assigns the rollout's Intune app to its groups; absent: off. */
  intuneAssign?: boolean;
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
}
